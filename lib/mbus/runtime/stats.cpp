#include <mbus/runtime/stats.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::runtime {

std::ostream& operator<<(std::ostream& os, const stats& s) {
    return os << fmt::format("{} requests ({} answered, {} silent, {} collisions), {} junk ({} bytes), "
                             "{} sessions, {} bytes in, {} bytes out",
                             s.requests, s.answered, s.silent, s.collisions, s.junk, s.junk_bytes, s.sessions,
                             s.bytes_in, s.bytes_out);
}

} // namespace mbus::runtime
