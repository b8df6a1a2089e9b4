#pragma once
// What a value's operator<< writes, and how often a piece occurs in a text: for comparing log and
// report lines in tests.

#include <cstddef>
#include <sstream>
#include <string>

namespace mbus::test {

// How often `what` occurs in `text` (overlapping occurrences too).
inline std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

template <class T>
std::string printed(const T& v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

} // namespace mbus::test
