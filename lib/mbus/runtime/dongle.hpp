#pragma once
// A wM-Bus receiver stick served on a byte stream (a pty in practice): a reader opens the stream as
// it would open /dev/ttyUSB0, its requests are answered as an iM871A or an AMB8465 answers them
// (wmbus/im871a.hpp, wmbus/amb8465.hpp), and telegrams given to push() go out as the stick
// delivers what it received over the air, with RSSI (and the iM871A's timestamp) as the reader
// enabled them.
//
// One reader coroutine and one writer coroutine on the io_context: answers and pushed telegrams go
// through one queue, so a telegram never lands inside an answer.

#include <mbus/transport/byte_stream.hpp>
#include <mbus/wmbus/amb8465.hpp>
#include <mbus/wmbus/im871a.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace mbus::runtime {

namespace asio = boost::asio;

enum class dongle_kind { im871a, amb8465 };
std::string_view name(dongle_kind k); // "im871a", "amb8465"
std::optional<dongle_kind> dongle_from_name(std::string_view s);

struct dongle_stats {
    std::uint64_t requests{0}; // well-formed requests read
    std::uint64_t answers{0};  // answers written
    std::uint64_t refused{0};  // well-formed requests the stick does not answer
    std::uint64_t junk{0};     // bytes skipped: noise, bad CRC or checksum
    std::uint64_t pushed{0};   // telegrams written
};

// A stick of `kind` with device id (iM871A) or serial number (AMB8465) `id`, set up to hear meters
// sending in `modes` (it powers up, and returns to on a factory reset, in the link mode that hears
// them all, or in C1/T1 (C2/T2-other) when S1 is mixed with T1 or C1); a reader may set another.
using dongle_device = std::variant<wmbus::im871a::device, wmbus::amb8465::device>;
dongle_device make_dongle_device(dongle_kind kind, std::uint32_t id,
                                 const std::vector<wmbus::air_mode>& modes);

class dongle {
  public:
    using log_fn = std::function<void(const std::string&)>;
    using device = dongle_device;

    // `io` must outlive serve(). `log` gets one line per request, refusal and skipped run of bytes.
    dongle(const asio::any_io_executor& ex, device d, transport::byte_stream& io, log_fn log = {});

    // Serves until the stream ends or stop(); returns the error that ended it (closed after stop()).
    asio::awaitable<std::error_code> serve();
    void stop();

    // Queues a telegram (L first, with or without format A block CRCs) sent in `mode`, received at
    // rssi_dbm. Errors: a mode the stick does not listen in now (receiver_errc::not_listening: the
    // reader set another link mode), a telegram no receiver would pass on (block CRC error, length).
    result<void> push(bytes_view telegram, int rssi_dbm, wmbus::air_mode mode);
    // The link mode the stick listens in now, as the reader names it ("T1", "C1/T1", "S2", ...).
    std::string listening() const;

    const dongle_stats& stats() const noexcept { return stats_; }
    const device& state() const noexcept { return device_; }

  private:
    asio::awaitable<std::error_code> read_loop();
    asio::awaitable<std::error_code> write_loop();
    void on_bytes(bytes_view chunk);
    void queue(bytes b);
    void note(const std::string& line) const;
    std::uint32_t tick_ms() const;

    device device_;
    transport::byte_stream& io_;
    log_fn log_;
    asio::steady_timer wake_;
    std::deque<bytes> out_;
    wmbus::im871a::hci_parser hci_;
    wmbus::amb8465::parser amb_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_byte_{};
    dongle_stats stats_;
    bool stopped_{false};
};

} // namespace mbus::runtime
