// Load and abuse of mbus-sim's TCP server, loopback only, bounded in count and time. Starts its own
// simulators and prints, for each case, what the misbehaving clients did and whether the
// well-behaved ones were affected (wrong answers, timeouts, the slowest answer):
//   1. 1,000 concurrent clients, 30% of them cut off in the middle of a request;
//   2. junk floods beside well-behaved clients;
//   3. a client that pipelines 100,000 requests and never reads, beside well-behaved clients;
//   4. idle clients up to the connection cap (the next one refused, room again after the idle timeout);
//   5. a soak of 1,000,000 requests, the server's RSS printed every 100,000.
// Nothing is asserted. Run: bench_tcp_load [--quick] [--sim PATH] (--quick: a tenth of the counts).

#include <mbus/core/bytes.hpp>
#include <mbus/runtime/child_process.hpp>
#include <mbus/transport/deadline.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
using mbus::byte;
using mbus::bytes;
using clock_type = std::chrono::steady_clock;

namespace {

struct server {
    std::unique_ptr<mbus::runtime::child_process> p;
    unsigned short port{0};
};

server start(const std::string& sim, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{
        sim,     "run",         std::string(MBUS_SOURCE_DIR) + "/tests/bench/tcp_load.toml",
        "--tcp", "127.0.0.1:0", "--quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    mbus::runtime::child_options o;
    o.out = mbus::runtime::output::pipe;
    server s{std::make_unique<mbus::runtime::child_process>(argv, o), 0};
    std::string line;
    char c = 0;
    while (::read(s.p->stdout_fd(), &c, 1) == 1 && c != '\n')
        line += c;
    const auto at = line.find("tcp=");
    if (at != std::string::npos)
        s.port = static_cast<unsigned short>(std::stoi(line.substr(line.find(':', at) + 1)));
    return s;
}

long rss_kb(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/status", pid));
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

bytes req_ud2(bool fcb) {
    const byte c = fcb ? 0x7B : 0x5B;
    return {0x10, c, 0x03, static_cast<byte>(c + 3), 0x16};
}

// What a well-behaved client saw.
struct tally {
    std::uint64_t ok{0}, wrong{0}, timeouts{0}, refused{0};
    double slowest_ms{0};
    void add(const tally& t) {
        ok += t.ok;
        wrong += t.wrong;
        timeouts += t.timeouts;
        refused += t.refused;
        slowest_ms = std::max(slowest_ms, t.slowest_ms);
    }
};

// One whole frame within the limit; nullopt on timeout or a closed connection.
asio::awaitable<std::optional<bytes>> read_frame(tcp::socket& s, clock_type::duration limit) {
    bytes buf(4);
    auto r = co_await mbus::transport::with_timeout(
        asio::async_read(s, asio::buffer(buf.data(), 1), asio::as_tuple(asio::use_awaitable)), limit);
    if (!r || std::get<0>(*r)) co_return std::nullopt;
    if (buf[0] == 0xE5) co_return bytes{0xE5};
    const std::size_t head = buf[0] == 0x68 ? 4 : 5;
    r = co_await mbus::transport::with_timeout(
        asio::async_read(s, asio::buffer(buf.data() + 1, head - 1), asio::as_tuple(asio::use_awaitable)),
        limit);
    if (!r || std::get<0>(*r)) co_return std::nullopt;
    if (buf[0] != 0x68) {
        buf.resize(5);
        co_return buf;
    }
    buf.resize(static_cast<std::size_t>(buf[1]) + 6);
    r = co_await mbus::transport::with_timeout(asio::async_read(s,
                                                                asio::buffer(buf.data() + 4, buf.size() - 4),
                                                                asio::as_tuple(asio::use_awaitable)),
                                               limit);
    if (!r || std::get<0>(*r)) co_return std::nullopt;
    co_return buf;
}

// The demo meter's RSP_UD: C 08, A 3, CI 72, ID 12345678.
bool is_demo_answer(const bytes& f) {
    return f.size() > 12 && f[0] == 0x68 && f[4] == 0x08 && f[5] == 0x03 && f[6] == 0x72 && f[7] == 0x78 &&
           f[8] == 0x56 && f[9] == 0x34 && f[10] == 0x12;
}

asio::awaitable<std::optional<tcp::socket>> connect(unsigned short port) {
    tcp::socket s(co_await asio::this_coro::executor);
    auto r = co_await mbus::transport::with_timeout(
        s.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::as_tuple(asio::use_awaitable)),
        5s);
    if (!r || std::get<0>(*r)) co_return std::nullopt;
    co_return std::move(s);
}

// Reads the meter `n` times; with `cut`, gives up in the middle of request `cut` (half a frame, close).
asio::awaitable<void> good_client(unsigned short port, int n, tally& t, std::optional<int> cut = {}) {
    auto s = co_await connect(port);
    if (!s) {
        ++t.refused;
        co_return;
    }
    for (int i = 0; i < n; ++i) {
        if (cut && i == *cut) {
            const bytes half{0x10, 0x5B};
            co_await asio::async_write(*s, asio::buffer(half), asio::as_tuple(asio::use_awaitable));
            s->close();
            co_return;
        }
        const auto req = req_ud2(i % 2 == 1);
        const auto t0 = clock_type::now();
        co_await asio::async_write(*s, asio::buffer(req), asio::as_tuple(asio::use_awaitable));
        const auto f = co_await read_frame(*s, 5s);
        const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        if (!f) {
            ++t.timeouts;
            co_return;
        }
        if (is_demo_answer(*f)) {
            ++t.ok;
            t.slowest_ms = std::max(t.slowest_ms, ms);
        } else {
            ++t.wrong;
        }
    }
}

void print(const char* what, const tally& t) {
    std::printf("  %-44s %8llu answers ok, %llu wrong, %llu timeouts, %llu refused; slowest answer %.1f ms\n",
                what, static_cast<unsigned long long>(t.ok), static_cast<unsigned long long>(t.wrong),
                static_cast<unsigned long long>(t.timeouts), static_cast<unsigned long long>(t.refused),
                t.slowest_ms);
}

template <class F>
void run(asio::io_context& io, F&& f) {
    asio::co_spawn(io, std::forward<F>(f), asio::detached);
    io.restart();
    io.run_for(10min);
}

} // namespace

int main(int argc, char** argv) {
    std::string sim = MBUS_SIM_EXE;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick")
            quick = true;
        else if (a == "--sim" && i + 1 < argc)
            sim = argv[++i];
    }
    const int scale = quick ? 10 : 1;
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // lines in order with the simulators' stderr
    asio::io_context io{1};
    std::mt19937 rng(42);

    {
        std::printf("1. %d concurrent clients, 5 reads each, 30%% cut off in the middle of a request\n",
                    1000 / scale);
        auto s = start(sim, {"--max-connections", "2000"});
        tally t;
        const auto t0 = clock_type::now();
        run(io, [&]() -> asio::awaitable<void> {
            std::vector<tally> each(static_cast<std::size_t>(1000 / scale));
            auto ex = co_await asio::this_coro::executor;
            int left = static_cast<int>(each.size());
            for (auto& e : each) {
                std::optional<int> cut;
                if (std::uniform_int_distribution<int>(0, 9)(rng) < 3)
                    cut = std::uniform_int_distribution<int>(0, 4)(rng);
                asio::co_spawn(ex, good_client(s.port, 5, e, cut), [&](std::exception_ptr) { --left; });
            }
            while (left > 0)
                co_await mbus::transport::sleep_for(10ms);
            for (const auto& e : each)
                t.add(e);
        });
        print("all clients (cut-off requests not counted):", t);
        std::printf("  %.1f s, server RSS %ld kB\n",
                    std::chrono::duration<double>(clock_type::now() - t0).count(), rss_kb(s.p->pid()));
    }

    {
        const std::size_t flood = 20u * 1024 * 1024 / static_cast<std::size_t>(scale);
        std::printf("2. 3 clients send %zu MB of random bytes each beside 5 clients reading 200 times\n",
                    flood / (1024 * 1024));
        auto s = start(sim, {});
        tally good;
        run(io, [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            int left = 8;
            std::vector<tally> each(5);
            for (auto& e : each)
                asio::co_spawn(ex, good_client(s.port, 200, e), [&](std::exception_ptr) { --left; });
            for (int j = 0; j < 3; ++j)
                asio::co_spawn(
                    ex,
                    [&, seed = j]() -> asio::awaitable<void> {
                        auto c = co_await connect(s.port);
                        if (!c) co_return;
                        std::mt19937 r(static_cast<unsigned>(seed));
                        bytes chunk(64 * 1024);
                        std::array<byte, 4096> sink{};
                        for (std::size_t sent = 0; sent < flood; sent += chunk.size()) {
                            for (auto& b : chunk)
                                b = static_cast<byte>(r());
                            auto [ec, n] = co_await asio::async_write(*c, asio::buffer(chunk),
                                                                      asio::as_tuple(asio::use_awaitable));
                            if (ec) break;
                            // Whatever the junk made the meter answer is read and dropped.
                            while (c->available() > 0)
                                c->read_some(asio::buffer(sink));
                        }
                    },
                    [&](std::exception_ptr) { --left; });
            while (left > 0)
                co_await mbus::transport::sleep_for(10ms);
            for (const auto& e : each)
                good.add(e);
        });
        print("the 5 well-behaved clients:", good);
    }

    {
        const int flood = 100000 / scale;
        std::printf("3. a client pipelines %d requests and never reads, beside 5 clients reading 200 times\n",
                    flood);
        auto s = start(sim, {});
        tally good;
        bool greedy_closed = false;
        std::size_t greedy_bytes = 0;
        run(io, [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            auto greedy = co_await connect(s.port);
            if (!greedy) co_return;
            greedy->set_option(asio::socket_base::receive_buffer_size(1024));
            bytes all;
            for (int i = 0; i < flood; ++i) {
                const auto r = req_ud2(i % 2 == 1);
                all.insert(all.end(), r.begin(), r.end());
            }
            asio::co_spawn(
                ex,
                [&]() -> asio::awaitable<void> {
                    co_await asio::async_write(*greedy, asio::buffer(all),
                                               asio::as_tuple(asio::use_awaitable));
                },
                asio::detached);
            int left = 5;
            std::vector<tally> each(5);
            for (auto& e : each)
                asio::co_spawn(ex, good_client(s.port, 200, e), [&](std::exception_ptr) { --left; });
            while (left > 0)
                co_await mbus::transport::sleep_for(10ms);
            for (const auto& e : each)
                good.add(e);
            // Whether the server closed the greedy client: reading now drains and then ends in EOF.
            std::array<byte, 65536> sink{};
            const auto end = clock_type::now() + 10s;
            while (clock_type::now() < end) {
                auto r = co_await mbus::transport::with_timeout(
                    greedy->async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable)), 1s);
                if (r && std::get<0>(*r)) {
                    greedy_closed = true;
                    break;
                }
                if (r) greedy_bytes += std::get<1>(*r);
            }
        });
        print("the 5 well-behaved clients:", good);
        // Closed, or its answers (those not dropped by the queue bound) fitted in the kernel's socket
        // buffers, where they never held the bus.
        std::printf("  the non-reading client: %s; %zu bytes of answers were waiting for it\n",
                    greedy_closed ? "closed by the server" : "still open", greedy_bytes);
    }

    {
        const int cap = 100 / scale;
        std::printf("4. %d idle clients fill the cap of %d connections; the idle timeout is 2 s\n", cap, cap);
        auto s = start(sim, {"--max-connections", std::to_string(cap), "--connection-idle", "2"});
        tally during, after;
        bool extra_refused = false;
        run(io, [&]() -> asio::awaitable<void> {
            std::vector<tcp::socket> idle;
            for (int i = 0; i < cap; ++i)
                if (auto c = co_await connect(s.port)) idle.push_back(std::move(*c));
            co_await mbus::transport::sleep_for(200ms);
            // One more: accepted by the kernel, closed at once by the simulator.
            if (auto extra = co_await connect(s.port)) {
                std::array<byte, 16> b{};
                auto r = co_await mbus::transport::with_timeout(
                    extra->async_read_some(asio::buffer(b), asio::as_tuple(asio::use_awaitable)), 2s);
                extra_refused = r && std::get<0>(*r);
            }
            co_await mbus::transport::sleep_for(2500ms);
            co_await good_client(s.port, 10, after);
        });
        std::printf("  the client beyond the cap was %s\n",
                    extra_refused ? "refused (closed at once)" : "NOT refused");
        print("a client after the idle timeout:", after);
        (void)during;
    }

    {
        const int total = 1000000 / scale;
        std::printf("5. soak: %d requests on one connection, 16 in flight; server RSS every %d\n", total,
                    total / 10);
        auto s = start(sim, {});
        tally t;
        const auto t0 = clock_type::now();
        run(io, [&]() -> asio::awaitable<void> {
            auto c = co_await connect(s.port);
            if (!c) co_return;
            const int window = 16;
            bytes batch;
            for (int i = 0; i < window; ++i) {
                const auto r = req_ud2(i % 2 == 1);
                batch.insert(batch.end(), r.begin(), r.end());
            }
            std::printf("  %9d requests: RSS %ld kB\n", 0, rss_kb(s.p->pid()));
            for (int done = 0; done < total; done += window) {
                co_await asio::async_write(*c, asio::buffer(batch), asio::as_tuple(asio::use_awaitable));
                for (int i = 0; i < window; ++i) {
                    const auto f = co_await read_frame(*c, 5s);
                    if (!f) {
                        ++t.timeouts;
                        co_return;
                    }
                    if (is_demo_answer(*f))
                        ++t.ok;
                    else
                        ++t.wrong;
                }
                if ((done + window) % (total / 10) < window)
                    std::printf("  %9d requests: RSS %ld kB\n", done + window, rss_kb(s.p->pid()));
            }
        });
        const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
        print("the soak client:", t);
        std::printf("  %.1f s, %.0f requests/s\n", secs, static_cast<double>(t.ok) / secs);
    }
    return 0;
}
