#include <mbus/transport/byte_stream.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::transport {

std::ostream& operator<<(std::ostream& os, const line_settings& l) {
    return os << (l.baud != 0 ? fmt::format("{} baud", l.baud) : std::string("no rate set"))
              << (l.raw ? ", raw" : ", not raw") << " (change " << l.changes << ')';
}

} // namespace mbus::transport
