#include <mbus/master/transcript.hpp>

#include <ostream>

namespace mbus::master {

std::string_view name(transcript_kind k) {
    switch (k) {
    case transcript_kind::sent: return "sent";
    case transcript_kind::received: return "received";
    case transcript_kind::junk: return "junk";
    case transcript_kind::timeout: return "timeout";
    case transcript_kind::stale: return "stale";
    }
    return "?";
}

std::ostream& operator<<(std::ostream& os, const transcript_entry& e) {
    os << name(e.kind);
    if (!e.raw.empty()) os << ' ' << to_hex(e.raw);
    if (e.frame) os << " (" << link::describe(*e.frame) << ')';
    if (e.error) os << " (" << e.error.message() << ')';
    if (e.attempt > 1) os << " attempt " << e.attempt;
    return os;
}

} // namespace mbus::master
