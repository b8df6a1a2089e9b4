#pragma once
// mbus-sim's capture file (`mbus-sim record`): text, one line per read, written and flushed as the
// bytes come, so that a capture stopped by Ctrl-C or a crash is still readable up to its last line.
//
//     # mbus-sim capture 1
//     # source: tcp:127.0.0.1:5000
//     # line: 2400 8E1
//     # start: 2026-12-06T22:00:00Z
//     0.812345 7E A0 2A 41 08 83 13 04 13 E6 E7 00 ...
//     2.815020 7E A0 ...
//     # end: 10.000000 s, 4 chunks, 168 bytes
//
// The first line names the format and its version. Other lines starting with '#' are comments; the
// "# key: value" ones before the data are the header (source, line, start: all optional for a reader).
// A data line is the seconds since the start (a decimal number, never going back) and the bytes in
// hex, separated by spaces. "# end:" records how long the capture ran, which a replay that loops
// keeps as the gap after the last chunk; a capture without it (killed) ends at its last chunk.

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/capture/chunk.hpp>

namespace mbus::capture {

inline constexpr std::string_view capture_magic = "# mbus-sim capture 1";

struct capture_header {
    std::string source; // "tcp:127.0.0.1:5000", "/dev/ttyUSB0"
    std::string line;   // "2400 8E1"; empty for TCP
    std::string start;  // the wall time of the start, ISO 8601 UTC
    friend bool operator==(const capture_header&, const capture_header&) = default;
};

struct capture_contents {
    capture_header header;
    std::vector<chunk> chunks;     // every chunk has its time
    std::optional<micros> end;     // from "# end:"
    std::vector<problem> problems; // empty when the file read cleanly
};

// Reads a capture file's text. Every bad line is a problem with its line number; the good lines are
// kept, so that a reader may say all that is wrong at once.
capture_contents read_capture(std::string_view text);

// Writes a capture as it comes: the header at construction, a line per chunk (flushed), the end line
// at finish().
class capture_writer {
  public:
    capture_writer(std::ostream& os, const capture_header& h);
    void write(micros at, bytes_view data);
    void finish(micros elapsed);
    std::size_t chunks() const { return chunks_; }
    std::size_t bytes_written() const { return bytes_; }

  private:
    std::ostream& os_;
    std::size_t chunks_{0};
    std::size_t bytes_{0};
    bool finished_{false};
};

// "12.345678": seconds with microseconds, as a data line and "# end:" carry them.
std::string seconds_text(micros t);

} // namespace mbus::capture
