#include <mbus/runtime/stats.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::runtime {

namespace {

// What only a misbehaving master or a hostile peer causes: named only when it happened.
std::string extras(const stats& s) {
    std::string out;
    const auto add = [&](std::uint64_t n, std::string_view what) {
        if (n != 0) out += fmt::format(", {} {}", n, what);
    };
    add(s.write_errors, "write errors");
    add(s.dropped, "requests dropped (queue full)");
    add(s.slow_closed, "sessions closed (not reading)");
    add(s.idle_closed, "sessions closed (idle)");
    add(s.refused, "connections refused (cap)");
    add(s.read_only, "writes refused (read-only)");
    return out;
}

} // namespace

std::ostream& operator<<(std::ostream& os, const stats& s) {
    return os << fmt::format("{} requests ({} answered, {} silent, {} collisions), {} junk ({} bytes), "
                             "{} sessions, {} bytes in, {} bytes out",
                             s.requests, s.answered, s.silent, s.collisions, s.junk, s.junk_bytes, s.sessions,
                             s.bytes_in, s.bytes_out)
              << extras(s);
}

} // namespace mbus::runtime
