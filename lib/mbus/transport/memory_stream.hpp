#pragma once
// Two byte streams joined in memory: what one end writes, the other end reads. A master end and a
// bus end for tests and embedding, with no pty, no socket and no sleep; the master end can also set
// the line as a master sets a pty's, and the bus end reports it through on_line_change.

#include <mbus/transport/byte_stream.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>
#include <utility>

namespace mbus::transport {

class memory_stream final : public byte_stream {
  public:
    // The two ends; `name` shows in describe() ("memory NAME").
    static std::pair<std::unique_ptr<memory_stream>, std::unique_ptr<memory_stream>>
    make_pair(const asio::any_io_executor& ex, std::string name = "pipe");
    ~memory_stream() override; // closes both directions

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override;
    // Never waits: memory has no buffer limit. errc::closed once either end closed.
    asio::awaitable<std::error_code> write(bytes_view data) override;
    std::optional<std::size_t> try_read(std::span<byte> buf) override;
    std::string describe() const override;
    unsigned baud() const override; // the rate the other end set with set_line (0 before)
    void close() override;
    void on_line_change(std::function<void(const line_settings&)> fn) override;

    // As a master's tcsetattr on a pty: the other end's baud() and on_line_change see it.
    void set_line(unsigned baud, bool raw = true);
    // Bytes written by the other end and not read yet.
    std::size_t available() const;
    // Takes whatever is waiting without suspending (for synchronous tests).
    bytes take();

    struct shared;

  private:
    memory_stream(std::shared_ptr<shared> s, int side);
    std::shared_ptr<shared> s_;
    int side_; // 0 or 1: which direction this end reads
};

} // namespace mbus::transport
