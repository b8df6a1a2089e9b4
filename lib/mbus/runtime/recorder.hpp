#pragma once
// `mbus-sim record`: every read from a stream (a serial device, a pty, a TCP connection) written to a
// capture file (capture/capture_file.hpp) with its time since the start, until the time is up, the
// stream ends or stop() is called (SIGINT, SIGTERM).

#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include <mbus/capture/capture_file.hpp>
#include <mbus/core/time.hpp>
#include <mbus/transport/byte_stream.hpp>

namespace mbus::runtime {

struct record_summary {
    std::size_t chunks{0};
    std::size_t bytes{0};
    capture::micros elapsed{0};
    std::string ended; // "time up", "stopped", "the stream ended: ..."
};

class recorder {
  public:
    recorder(transport::byte_stream& in, capture::capture_writer& out) : in_(in), out_(out) {}
    // Records until `limit` (none: until the stream ends or stop()), then writes the end line.
    boost::asio::awaitable<record_summary> run(std::optional<duration> limit);
    // From a signal handler on the same executor: the read in progress ends, and the capture with it.
    void stop();

  private:
    transport::byte_stream& in_;
    capture::capture_writer& out_;
    bool stopped_{false};
};

} // namespace mbus::runtime
