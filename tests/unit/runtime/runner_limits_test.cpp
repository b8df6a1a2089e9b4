// What one misbehaving master can do to the others: nothing. A master that does not read, one that
// pipelines without end, idle connections, too many connections, noise, and writes on a read-only bus.

#include "support.hpp"

#include <mbus/transport/tcp.hpp>

#include <boost/asio/read.hpp>

using namespace mbus;
using namespace mbus::runtime_test;

namespace {

// A socket whose receive buffer is as small as the kernel allows: it fills after a few answers.
asio::awaitable<asio::ip::tcp::socket> connect_small(unsigned short port) {
    asio::ip::tcp::socket s(co_await asio::this_coro::executor);
    s.open(asio::ip::tcp::v4());
    s.set_option(asio::socket_base::receive_buffer_size(1024));
    auto r = co_await transport::with_timeout(
        s.async_connect({asio::ip::make_address("127.0.0.1"), port}, asio::as_tuple(asio::use_awaitable)),
        wait_limit);
    REQUIRE(r);
    REQUIRE_FALSE(std::get<0>(*r));
    co_return s;
}

// Notices of a session that mention `what`.
std::size_t notices_with(const std::vector<harness::entry>& entries, std::string_view what) {
    std::size_t n = 0;
    for (const auto& e : entries)
        if (const auto* x = std::get_if<harness::notice>(&e);
            x && x->line.summary.find(what) != std::string::npos)
            ++n;
    return n;
}

// Whether the peer closed the connection (EOF or reset) within the limit, reading what comes.
asio::awaitable<bool> closed_by_peer(asio::ip::tcp::socket& s, duration limit) {
    std::array<byte, 4096> buf{};
    const auto end = clock::now() + limit;
    while (clock::now() < end) {
        auto r = co_await transport::with_timeout(
            s.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable)), end - clock::now());
        if (!r) co_return false;
        if (std::get<0>(*r)) co_return true;
    }
    co_return false;
}

} // namespace

// A meter whose every telegram is 231 bytes long: 35 records of 4 BCD digits.
sim::meter_config big_meter() {
    auto m = water_meter("big", 5);
    for (int i = 0; i < 34; ++i)
        m.records.push_back(m.records.front());
    return m;
}

TEST_CASE("a master that does not read is closed and the others are answered meanwhile") {
    runtime::runner_options o;
    o.write_timeout = 300ms;
    o.output_limit = 4096;
    o.max_queued = 30000; // this test is about the output, not the queue
    auto sc = make_scenario({big_meter()});
    sc.bus.timing = scenario::timing_mode::immediate;
    std::vector<harness::entry> entries;
    run_with_runner(
        sc,
        [&](fixture fx) -> asio::awaitable<void> {
            fx.runner.subscribe([&](const harness::entry& e) { entries.push_back(e); });
            const auto port = serve_tcp(fx);
            auto greedy = co_await connect_small(port);
            auto good = co_await connect(port);
            // The greedy master asks 30000 times in one go and reads nothing: about 7 MB of answers, more
            // than the kernel's socket buffers hold.
            bytes flood;
            for (int i = 0; i < 30000; ++i)
                flood.insert(flood.end(), {0x10, 0x7B, 0x05, 0x80, 0x16}); // REQ_UD2 FCB=1 to 5
            co_await send(greedy, flood);
            // The good master's reads all come back whole, as if the other were not there.
            for (int i = 0; i < 20; ++i) {
                co_await send(good, snd_nke(5));
                CHECK(co_await read_frame(good) == ack);
            }
            CHECK(co_await eventually([&] { return fx.runner.counters().slow_closed == 1; }, 60s));
            CHECK(co_await closed_by_peer(greedy, 60s));
            // Still served after the other was closed.
            co_await send(good, snd_nke(5));
            CHECK(co_await read_frame(good) == ack);
        },
        o, runtime::verbosity::quiet, 120s);
    CHECK(notices_with(entries, "its master does not read") == 1);
}

TEST_CASE("requests beyond max_queued of one session are dropped and counted") {
    runtime::runner_options o;
    o.max_queued = 4;
    std::vector<harness::entry> entries;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [&](fixture fx) -> asio::awaitable<void> {
            fx.runner.subscribe([&](const harness::entry& e) { entries.push_back(e); });
            auto client = co_await listen_and_connect(fx);
            bytes burst;
            for (int i = 0; i < 10; ++i) {
                const auto one = snd_nke(5);
                burst.insert(burst.end(), one.begin(), one.end());
            }
            co_await send(client, burst); // ten requests in one write: all parsed before any is served
            for (int i = 0; i < 4; ++i)
                CHECK(co_await read_frame(client) == ack);
            CHECK(co_await eventually([&] { return fx.runner.counters().dropped == 6; }));
            CHECK(fx.runner.counters().requests == 4);
            // The session goes on: its next request is served.
            co_await send(client, snd_nke(5));
            CHECK(co_await read_frame(client) == ack);
        },
        o);
    CHECK(notices_with(entries, "request dropped: 4 requests of this session wait already") == 6);
}

TEST_CASE("an idle connection is closed and a pty never is") {
    runtime::runner_options o;
    o.session_idle = 200ms;
    std::vector<harness::entry> entries;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [&](fixture fx) -> asio::awaitable<void> {
            fx.runner.subscribe([&](const harness::entry& e) { entries.push_back(e); });
            auto p = transport::pty::open(fx.ex);
            REQUIRE(p);
            fx.runner.add(std::move(p.stream));
            auto client = co_await listen_and_connect(fx);
            co_await send(client, snd_nke(5));
            CHECK(co_await read_frame(client) == ack);
            CHECK(co_await closed_by_peer(client, wait_limit));
            CHECK(fx.runner.counters().idle_closed == 1);
            co_await transport::sleep_for(300ms);
            CHECK(fx.runner.counters().idle_closed == 1); // the pty is still open
        },
        o);
    CHECK(notices_with(entries, "closed: idle: no byte for 0.2 s") == 1);
}

TEST_CASE("connections beyond max_sessions are closed at once and said") {
    runtime::runner_options o;
    o.max_sessions = 2;
    std::vector<harness::entry> entries;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [&](fixture fx) -> asio::awaitable<void> {
            fx.runner.subscribe([&](const harness::entry& e) { entries.push_back(e); });
            const auto port = serve_tcp(fx);
            auto a = co_await connect(port);
            auto b = co_await connect(port);
            co_await send(a, snd_nke(5));
            CHECK(co_await read_frame(a) == ack);
            co_await send(b, snd_nke(5));
            CHECK(co_await read_frame(b) == ack);
            auto c = co_await connect(port);
            CHECK(co_await closed_by_peer(c, wait_limit));
            CHECK(fx.runner.counters().refused == 1);
            // Once one leaves, a new one is taken.
            a.close();
            CHECK(co_await eventually([&] { return notices_with(entries, "closed") >= 1; }));
            auto d = co_await connect(port);
            co_await send(d, snd_nke(5));
            CHECK(co_await read_frame(d) == ack);
        },
        o);
    CHECK(notices_with(entries, "refused: 2 connections are open (the cap)") == 1);
}

TEST_CASE("an E5 from a master is junk not a request") {
    std::vector<harness::entry> entries;
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        fx.runner.subscribe([&](const harness::entry& e) { entries.push_back(e); });
        auto client = co_await listen_and_connect(fx);
        co_await send(client, ack);
        co_await send(client, snd_nke(5));
        CHECK(co_await read_frame(client) == ack);
        CHECK(fx.runner.counters().requests == 1);
        CHECK(fx.runner.counters().junk == 1);
        CHECK(fx.runner.kind_counters()[link::request_kind::other].received == 0);
        CHECK(fx.runner.kind_counters().malformed == 1);
    });
    CHECK(notices_with(entries, "an E5 from the master") == 1);
}

TEST_CASE("a read-only bus refuses writes and still selects") {
    runtime::runner_options o;
    o.read_only = true;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [&](fixture fx) -> asio::awaitable<void> {
            auto client = co_await listen_and_connect(fx);
            // SND_UD to 5, CI 51, set primary address 7 (01 7A 07): refused, no answer.
            const bytes set_address{0x68, 0x06, 0x06, 0x68, 0x53, 0x05, 0x51, 0x01, 0x7A, 0x07, 0x2B, 0x16};
            co_await send(client, set_address);
            co_await send(client, snd_nke(7)); // nobody at 7: the address did not change
            co_await send(client, snd_nke(5));
            CHECK(co_await read_frame(client) == ack); // the one answer is from 5
            CHECK(co_await eventually([&] { return fx.runner.counters().requests == 3; }));
            CHECK(fx.runner.counters().read_only == 1);
            // Selection by secondary address (SND_UD CI 52, ID 12345678, wildcards elsewhere) works.
            const bytes select{0x68, 0x0B, 0x0B, 0x68, 0x53, 0xFD, 0x52, 0x78, 0x56,
                               0x34, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xB2, 0x16};
            co_await send(client, select);
            CHECK(co_await read_frame(client) == ack);
        },
        o);
}
