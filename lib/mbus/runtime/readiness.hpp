#pragma once
// The one line `mbus-sim run` prints on stdout, flushed, once every transport listens: tests and
// scripts wait for it instead of sleeping. Its format is stable:
//
//   ready pty=/dev/pts/5 link=/tmp/mbus0 tcp=127.0.0.1:5000 serial=/dev/ttyUSB0 http=127.0.0.1:8080 meters=1
//   scenario=demo
//
// - "ready", then key=value fields separated by single spaces, in this order;
// - pty, link, tcp and serial appear only when that transport is served, http only with `run --http`
//   (the control API's address as bound, the same on every bus's line); meters and scenario always;
//   receiver (last) only for a scenario of wireless meters: im871a, amb8465, rtlwmbus or hex;
// - tcp is the address actually bound (port 0 on the command line shows the port the system picked;
//   IPv6 as [::1]:5000);
// - a space, '%', '=' or control character in a value is written as %XX, so splitting on spaces
//   and then at the first '=' always works;
// - later versions may add keys (readers skip keys they do not know) but never change these.

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace mbus::runtime {

struct readiness {
    std::string pty;    // the device masters open
    std::string link;   // the stable symlink to it (--link)
    std::string tcp;    // HOST:PORT
    std::string serial; // the device
    std::string http;   // the control API's HOST:PORT (run --http)
    std::size_t meters{0};
    std::string scenario; // the bus name of the scenario, else its file name without extension
    std::string receiver; // wireless scenarios: the receiver the pty (or stdout) speaks as ("im871a")
    friend bool operator==(const readiness&, const readiness&) = default;
};
std::ostream& operator<<(std::ostream& os, const readiness& r);

std::string format_readiness(const readiness& r);
// nullopt when the line is not a readiness line (does not start with "ready " or a field has no '=').
std::optional<readiness> parse_readiness(std::string_view line);

} // namespace mbus::runtime
