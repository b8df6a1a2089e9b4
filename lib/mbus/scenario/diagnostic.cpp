#include <mbus/core/text.hpp>
#include <mbus/scenario/diagnostic.hpp>

#include <ostream>

namespace mbus::scenario {

std::string to_string(const diagnostic& d) {
    std::string s = d.file;
    if (d.line > 0) {
        s += ':' + std::to_string(d.line);
        if (d.column > 0) s += ':' + std::to_string(d.column);
    }
    s += ": ";
    if (!d.key.empty()) s += d.key + ": ";
    // File names, keys and messages quote what the file holds: its control characters must not start
    // a line of their own on the terminal.
    return printable(s + d.message);
}

std::ostream& operator<<(std::ostream& os, const diagnostic& d) { return os << to_string(d); }

} // namespace mbus::scenario
