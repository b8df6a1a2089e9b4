#pragma once
// A piece of a captured byte stream: the bytes one read returned (a capture), one line of a hex dump,
// or one HDLC frame cut out of a raw log, with the time it came when the source knew it.

#include <chrono>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <mbus/core/bytes.hpp>

namespace mbus::capture {

using micros = std::chrono::microseconds;

struct chunk {
    std::optional<micros> at; // since the capture started; none in a hex dump or a raw log
    bytes data;
    friend bool operator==(const chunk&, const chunk&) = default;
};
std::ostream& operator<<(std::ostream& os, const chunk& c); // "+1.250000 s: 7E A0 ..."

// A problem in a file read as chunks, where it is (line and column from 1; line 0: the file as a whole).
struct problem {
    int line{0};
    int column{0};
    std::string message;
    friend bool operator==(const problem&, const problem&) = default;
};

} // namespace mbus::capture
