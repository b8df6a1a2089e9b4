#include <mbus/capture/replay.hpp>

#include <cmath>

namespace mbus::capture {

namespace {

micros line_time(const replay_config& r, std::size_t n) {
    const auto baud = r.baud == 0 ? 2400U : r.baud;
    return micros{static_cast<std::int64_t>(n) * 11'000'000 / static_cast<std::int64_t>(baud)};
}

} // namespace

std::string_view name_of(replay_format f) {
    switch (f) {
    case replay_format::capture: return "capture";
    case replay_format::hanmeter: return "hanmeter";
    case replay_format::hex: return "hex";
    }
    return "?";
}

std::vector<micros> offsets(const replay_config& r) {
    std::vector<micros> out;
    out.reserve(r.chunks.size());
    micros next{0};
    for (const auto& c : r.chunks) {
        if (c.at) {
            out.push_back(*c.at);
            continue;
        }
        out.push_back(next);
        next += r.interval ? *r.interval : line_time(r, c.data.size());
    }
    return out;
}

micros period(const replay_config& r) {
    if (r.chunks.empty()) return r.interval.value_or(micros{0});
    const auto last = offsets(r).back();
    const auto after = r.interval ? *r.interval : line_time(r, r.chunks.back().data.size());
    const auto natural = last + after;
    // A capture's recorded length keeps the quiet time after its last chunk (the next push was due).
    return r.end && *r.end > natural ? *r.end : natural;
}

micros scaled(const replay_config& r, micros t) {
    const double s = r.speed > 0 ? r.speed : 1;
    return micros{static_cast<std::int64_t>(std::llround(static_cast<double>(t.count()) / s))};
}

std::size_t total_bytes(const replay_config& r) {
    std::size_t n = 0;
    for (const auto& c : r.chunks)
        n += c.data.size();
    return n;
}

} // namespace mbus::capture
