#include <mbus/link/errc.hpp>
#include <mbus/link/frame_view.hpp>
#include <mbus/link/stream_parser.hpp>

#include <ostream>

namespace mbus::link {

namespace {
long long micros(time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
} // namespace

std::ostream& operator<<(std::ostream& os, const stream_event& e) {
    if (e.is_frame())
        os << "frame " << e.f;
    else
        os << "junk (" << e.error.message() << ")";
    return os << " [" << to_hex(e.raw) << "] at " << micros(e.first) << "-" << micros(e.last) << " us";
}

stream_parser::stream_parser(std::chrono::microseconds gap_timeout) : gap_(gap_timeout) {}

void stream_parser::reset() {
    pending_.clear();
    pending_at_.clear();
    junk_ = {};
    have_last_ = false;
    last_at_ = {};
}

void stream_parser::skip(std::vector<stream_event>& out, byte b, time_point at, std::error_code why) {
    if (junk_.raw.size() >= max_junk_run) emit_junk_run(out);
    if (junk_.raw.empty()) {
        junk_.first = at;
        junk_.error = why;
    }
    junk_.raw.push_back(b);
    junk_.last = at;
}

void stream_parser::emit_junk_run(std::vector<stream_event>& out) {
    if (junk_.raw.empty()) return;
    out.push_back(std::move(junk_));
    junk_ = {};
}

void stream_parser::drop_pending(std::vector<stream_event>& out, std::error_code why) {
    emit_junk_run(out);
    if (pending_.empty()) return;
    out.push_back(
        {stream_event::kind::junk, {}, std::move(pending_), why, pending_at_.front(), pending_at_.back()});
    pending_.clear();
    pending_at_.clear();
}

// Events from the start of `data`, byte i having arrived at at_of(i); returns the bytes used (in
// events or the junk run), the rest being the start of a frame not complete yet.
template <class At>
std::size_t stream_parser::parse(bytes_view data, At at_of, std::vector<stream_event>& out) {
    std::size_t pos = 0;
    while (pos < data.size()) {
        const auto rest = data.subspan(pos);
        const auto size = frame_size(rest);
        if (!size) {
            if (size.error() == errc::need_more) break;
            // The start or length bytes rule out a frame here, but one may begin at the next byte.
            skip(out, data[pos], at_of(pos), size.error());
            ++pos;
            continue;
        }
        const std::size_t n = *size;
        if (rest.size() < n) break;
        // The header was sound, so a bad checksum or stop condemns the whole candidate: resyncing
        // inside it would read its data (an E5, a 68 ...) as frames.
        // Read in place, and the event built where it stays: a frame value decoded, returned and
        // moved into an event that was then moved into `out` cost as much as the rest of a read.
        const auto d = decode_view(rest.first(n));
        emit_junk_run(out);
        auto& e = out.emplace_back();
        e.raw.swap(spare_); // recycled storage, if any
        e.raw.assign(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n));
        e.first = at_of(pos);
        e.last = at_of(pos + n - 1);
        if (d) {
            const auto& v = d->value;
            e.k = stream_event::kind::frame;
            e.f.kind = v.kind;
            e.f.c = v.c;
            e.f.a = v.a;
            e.f.ci = v.ci;
            e.f.data.assign(v.data.begin(), v.data.end());
        } else {
            e.error = d.error();
        }
        pos += n;
    }
    return pos;
}

std::vector<stream_event> stream_parser::feed(bytes_view chunk, time_point at) {
    std::vector<stream_event> out;
    feed(chunk, at, out);
    return out;
}

void stream_parser::feed(bytes_view chunk, time_point at, std::vector<stream_event>& out) {
    out.clear();
    if (chunk.empty()) return;
    if (have_last_ && at - last_at_ > gap_) drop_pending(out, errc::gap_timeout);
    have_last_ = true;
    last_at_ = at;
    if (pending_.empty()) {
        // The usual case, a chunk that starts with a frame: it is parsed where it lies (every byte
        // arrived at `at`), and only a partial frame at its end is copied and held.
        const auto used = parse(
            chunk, [at](std::size_t) { return at; }, out);
        if (used < chunk.size()) {
            pending_.assign(chunk.begin() + static_cast<std::ptrdiff_t>(used), chunk.end());
            pending_at_.assign(chunk.size() - used, at);
        }
        return;
    }
    pending_.insert(pending_.end(), chunk.begin(), chunk.end());
    pending_at_.insert(pending_at_.end(), chunk.size(), at);
    const auto used = parse(
        pending_, [this](std::size_t i) { return pending_at_[i]; }, out);
    const auto cut = static_cast<std::ptrdiff_t>(used);
    pending_.erase(pending_.begin(), pending_.begin() + cut);
    pending_at_.erase(pending_at_.begin(), pending_at_.begin() + cut);
}

std::vector<stream_event> stream_parser::expire(time_point now) {
    std::vector<stream_event> out;
    if (have_last_ && now - last_at_ > gap_) drop_pending(out, errc::gap_timeout);
    return out;
}

std::vector<stream_event> stream_parser::finish() {
    std::vector<stream_event> out;
    drop_pending(out, errc::need_more);
    return out;
}

} // namespace mbus::link
