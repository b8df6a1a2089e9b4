#include <mbus/capture/chunk.hpp>

#include <ostream>

#include <mbus/capture/capture_file.hpp>

namespace mbus::capture {

std::ostream& operator<<(std::ostream& os, const chunk& c) {
    if (c.at) os << '+' << seconds_text(*c.at) << " s: ";
    return os << to_hex(c.data);
}

} // namespace mbus::capture
