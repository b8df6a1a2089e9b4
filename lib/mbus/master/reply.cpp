#include <mbus/master/reply.hpp>

#include <ostream>

namespace mbus::master {

std::string_view name(reply_kind k) {
    switch (k) {
    case reply_kind::none: return "none";
    case reply_kind::ack: return "ack";
    case reply_kind::frame: return "frame";
    case reply_kind::garbled: return "garbled";
    case reply_kind::extra_after_ack: return "extra_after_ack";
    case reply_kind::extra_after_frame: return "extra_after_frame";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, const reply& r) {
    os << name(r.kind);
    if (r.frame && r.frame->kind != link::frame_kind::ack) os << " [" << link::describe(*r.frame) << "]";
    if (!r.raw.empty()) os << ' ' << to_hex(r.raw);
    return os;
}

reply classify(std::vector<link::stream_event> events) {
    reply r;
    for (const auto& e : events)
        r.raw.insert(r.raw.end(), e.raw.begin(), e.raw.end());
    if (events.empty()) {
        r.kind = reply_kind::none;
    } else if (!events.front().is_frame()) {
        r.kind = reply_kind::garbled;
    } else {
        r.frame = events.front().f;
        const bool is_ack = r.frame->kind == link::frame_kind::ack;
        if (events.size() == 1)
            r.kind = is_ack ? reply_kind::ack : reply_kind::frame;
        else
            r.kind = is_ack ? reply_kind::extra_after_ack : reply_kind::extra_after_frame;
    }
    r.events = std::move(events);
    return r;
}

std::string_view name(presence p) {
    switch (p) {
    case presence::none: return "none";
    case presence::one: return "one";
    case presence::collision: return "collision";
    }
    return "?";
}

presence presence_of(const reply& r) {
    switch (r.kind) {
    case reply_kind::none: return presence::none;
    case reply_kind::ack: return presence::one;
    default: return presence::collision;
    }
}

std::ostream& operator<<(std::ostream& os, presence p) { return os << name(p); }

} // namespace mbus::master
