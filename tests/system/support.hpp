#pragma once
// Shared by the system tests: run a coroutine with an overall deadline, start mbus-sim and connect
// the master to it over its pty or TCP, list the shipped scenarios, write a scenario of a test's own.

#include "sim_process.hpp"
#include "support/async.hpp"
#include "support/temp_dir.hpp"

#include <mbus/master/master.hpp>
#include <mbus/transport/byte_stream.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/serial_device.hpp>
#include <mbus/transport/tcp_connect.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace mbus::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// run_async with the system tests' deadline: a test may start the simulator and scan a whole bus.
template <class F>
void run_system_test(F&& body, std::chrono::seconds limit = std::chrono::seconds(100)) {
    run_async(std::forward<F>(body), limit);
}

// The master's windows against the simulator: a scenario's answers come within 30 ms or so, and fast
// timing writes each answer (collisions included) in one piece, so a short quiet gap ends it; paced
// answers need a gap above the pacing jitter. The response window leaves room for a busy machine.
inline master::master_options sim_options(bool realistic = false) {
    master::master_options o;
    o.timing.response_timeout = 600ms;
    o.timing.gap_timeout = realistic ? 150ms : 25ms;
    o.timing.max_reply = 5s;
    o.retries = 1;
    return o;
}

// Starts mbus-sim with args and waits for its readiness line; fails the test with its output if
// it does not come.
struct running_sim {
    std::unique_ptr<sim_process> process;
    ready_line ready;
};
inline running_sim start_sim(std::vector<std::string> args) {
    running_sim r{std::make_unique<sim_process>(std::move(args)), {}};
    REQUIRE_MESSAGE(r.process->started(), r.process->spawn_error());
    auto ready = r.process->wait_ready(std::chrono::seconds(20));
    REQUIRE_MESSAGE(ready, "no readiness line\n", r.process->report());
    r.ready = *ready;
    return r;
}

// Stops it with SIGTERM and checks the clean exit (0). Then waits for the reader thread to have all
// it wrote: the summary lines written just before the exit were sometimes not in err() yet.
inline void stop_sim(running_sim& s) {
    const auto code = s.process->stop();
    if (code) s.process->finish_output();
    CHECK_MESSAGE(code == 0, "exit code ", code.value_or(-1), "\n", s.process->report());
}

inline asio::awaitable<std::unique_ptr<transport::byte_stream>> open_pty(const ready_line& r,
                                                                         unsigned baud = 2400) {
    REQUIRE_FALSE(r.pty().empty());
    auto s = transport::open_serial_device(co_await asio::this_coro::executor, r.pty(), baud);
    REQUIRE_MESSAGE(s, s.message);
    co_return std::move(s.stream);
}

inline asio::awaitable<std::unique_ptr<transport::byte_stream>> open_tcp(const ready_line& r) {
    REQUIRE_FALSE(r.tcp().empty());
    auto s = co_await transport::connect_tcp(r.tcp(), 5s);
    REQUIRE_MESSAGE(s, s.message);
    co_return std::move(s.stream);
}

// Everything the stream gives for `how_long`: what a reader hears from pushing meters.
inline asio::awaitable<bytes> listen(transport::byte_stream& io, duration how_long) {
    bytes got;
    const auto end = clock::now() + how_long;
    std::array<byte, 512> buf{};
    while (clock::now() < end) {
        auto r = co_await transport::with_timeout(io.read_some(buf), end - clock::now());
        if (!r) break;
        REQUIRE_FALSE(r->first);
        got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->second));
    }
    co_return got;
}

// scenarios/*.toml as shipped (models/ holds parts, not scenarios), sorted.
inline std::vector<std::filesystem::path> shipped_scenarios() {
    std::vector<std::filesystem::path> out;
    for (const auto& e :
         std::filesystem::directory_iterator(std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios"))
        if (e.is_regular_file() && e.path().extension() == ".toml") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace mbus::test
