#pragma once
// What a value's operator<< writes, for comparing log and report lines in tests.

#include <sstream>
#include <string>

namespace mbus::test {

template <class T>
std::string printed(const T& v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

} // namespace mbus::test
