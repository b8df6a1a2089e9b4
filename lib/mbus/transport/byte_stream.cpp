#include <mbus/transport/byte_stream.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::transport {

std::ostream& operator<<(std::ostream& os, const line_settings& l) {
    return os << (l.baud != 0 ? fmt::format("{} baud", l.baud) : std::string("no rate set"))
              << (l.raw ? ", raw" : ", not raw") << " (change " << l.changes << ')';
}

std::string_view name(carrier c) {
    switch (c) {
    case carrier::stream: return "stream";
    case carrier::pty: return "pty";
    case carrier::uart: return "uart";
    }
    return "?";
}

} // namespace mbus::transport
