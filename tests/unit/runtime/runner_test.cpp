// The runner in-process, talked to through a real pty and real TCP sockets.

#include "support.hpp"
#include "support/printed.hpp"

#include <mbus/app/outline.hpp>
#include <mbus/transport/pty.hpp>
#include <mbus/transport/tcp.hpp>

#include <array>
#include <filesystem>
#include <sstream>
#include <string>

using namespace mbus;
using namespace mbus::runtime_test;

using mbus::test::count;

TEST_CASE("runner answers SND_NKE with E5 and REQ_UD2 with the meter's telegram over a pty") {
    run_with_runner(make_scenario({water_meter("water", 5)}), [](fixture fx) -> asio::awaitable<void> {
        auto p = transport::pty::open(fx.ex);
        REQUIRE_MESSAGE(p, p.message);
        const auto path = p->slave_path();
        fx.runner.add(std::move(p.stream));

        asio::posix::stream_descriptor master(fx.ex, open_master(path, 2400));
        co_await send(master, snd_nke(5));
        CHECK(co_await read_frame(master) == ack);
        co_await send(master, req_ud2(5));
        const auto reply = co_await read_frame(master);
        CHECK(reply == water_rsp_ud);
        const auto who = identity_of(reply);
        CHECK(who.id == 0x12345678);
        CHECK(who.manufacturer == 0x2C2D);

        // Nobody at address 9: silence, then the next request is still answered.
        co_await send(master, req_ud2(9));
        co_await send(master, snd_nke(5));
        CHECK(co_await read_frame(master) == ack);

        const auto& c = fx.runner.counters();
        CHECK(c.requests == 4);
        CHECK(c.answered == 3);
        CHECK(c.silent == 1);
        CHECK(c.junk == 0);
        CHECK(c.bytes_in == 20);
        CHECK(c.bytes_out == 1 + water_rsp_ud.size() + 1);
        const auto log = fx.log.str();
        CHECK(log.find("#1 open pty " + path) != std::string::npos);
        CHECK(log.find("#1 line 2400 baud raw") != std::string::npos);
        CHECK(log.find("#1 > SND_NKE a=5") != std::string::npos);
        CHECK(log.find("#1 < ACK from water") != std::string::npos);
        CHECK(log.find("#1 > REQ_UD2 a=5") != std::string::npos);
        CHECK(log.find("#1 < RSP_UD a=5 ci=72 len=18 [id=12345678 man=KAM ver=1 medium=water records=1] from "
                       "water") != std::string::npos);
        CHECK(log.find("#1 - no answer") != std::string::npos);
    });
}

TEST_CASE("runner answers over TCP") {
    run_with_runner(make_scenario({water_meter("water", 5)}), [](fixture fx) -> asio::awaitable<void> {
        auto client = co_await listen_and_connect(fx);
        co_await send(client, snd_nke(5));
        CHECK(co_await read_frame(client) == ack);
        co_await send(client, req_ud2(5));
        CHECK(co_await read_frame(client) == water_rsp_ud);
        CHECK(fx.runner.counters().sessions == 1);
        CHECK(fx.log.str().find("#1 open tcp 127.0.0.1:") != std::string::npos);
    });
}

TEST_CASE("two TCP clients asking different meters each get their own meter's answer") {
    const auto sc = make_scenario({water_meter("one", 1, 0x11111111), water_meter("two", 2, 0x22222222)});
    run_with_runner(sc, [](fixture fx) -> asio::awaitable<void> {
        const auto port = serve_tcp(fx);
        auto a = co_await connect(port);
        auto b = co_await connect(port);
        for (int round = 0; round < 10; ++round) {
            // Both requests are on their way before either reads: the runner holds one while it
            // serves the other.
            const bool a_first = round % 2 == 0;
            co_await send(a_first ? a : b, req_ud2_current(a_first ? 1 : 2));
            co_await send(a_first ? b : a, req_ud2_current(a_first ? 2 : 1));
            const auto ra = co_await read_frame(a);
            const auto rb = co_await read_frame(b);
            CHECK(identity_of(ra).id == 0x11111111);
            CHECK(identity_of(rb).id == 0x22222222);
            // Each meter counts its own replies.
            CHECK(identity_of(ra).access_number == round);
            CHECK(identity_of(rb).access_number == round);
        }
        CHECK(fx.runner.counters().requests == 20);
        CHECK(fx.runner.counters().answered == 20);
    });
}

TEST_CASE("two TCP clients asking one meter are served one at a time in arrival order") {
    // A slow meter (20-30 ms) makes the second request wait in the queue while the first is answered.
    auto m = water_meter("water", 5);
    m.options.response_delay = sim::delay_range{20ms, 30ms};
    run_with_runner(make_scenario({m}), [](fixture fx) -> asio::awaitable<void> {
        const auto port = serve_tcp(fx);
        auto a = co_await connect(port);
        auto b = co_await connect(port);
        for (int round = 0; round < 5; ++round) {
            co_await send(a, req_ud2_current(5));
            co_await send(b, req_ud2_current(5));
            const auto na = identity_of(co_await read_frame(a)).access_number;
            const auto nb = identity_of(co_await read_frame(b)).access_number;
            // One meter, two fresh replies: the access numbers are consecutive whichever came first.
            CHECK(((na == 2 * round && nb == 2 * round + 1) || (nb == 2 * round && na == 2 * round + 1)));
        }
        // The log shows requests and answers in the same session order: arrival order.
        std::istringstream lines(fx.log.str());
        std::string line, in_order, out_order;
        while (std::getline(lines, line)) {
            const auto hash = line.find("] #");
            if (hash == std::string::npos || line.size() < hash + 6) continue;
            const char session = line[hash + 3];
            if (line.compare(hash + 4, 3, " > ") == 0) in_order += session;
            if (line.compare(hash + 4, 3, " < ") == 0) out_order += session;
        }
        CHECK(in_order.size() == 10);
        CHECK(in_order == out_order);
    });
}

TEST_CASE("junk before a request is skipped logged and counted and the request is answered") {
    run_with_runner(make_scenario({water_meter("water", 5)}), [](fixture fx) -> asio::awaitable<void> {
        auto client = co_await listen_and_connect(fx);
        const bytes junk_then_request{
            0xFF, 0x00, 0x12,             // noise: no frame starts with these
            0x10, 0x40, 0x05, 0x45, 0x16, // SND_NKE to 5
        };
        co_await send(client, junk_then_request);
        CHECK(co_await read_frame(client) == ack);
        const bytes broken_then_request{
            0x10, 0x5B, 0x05, 0x61, 0x16, // REQ_UD2 to 5 with a bad checksum (60 is right)
            0x10, 0x5B, 0x05, 0x60, 0x16, // REQ_UD2 to 5
        };
        co_await send(client, broken_then_request);
        CHECK(co_await read_frame(client) == water_rsp_ud);
        const auto& c = fx.runner.counters();
        CHECK(c.junk == 2);
        CHECK(c.junk_bytes == 8);
        CHECK(c.requests == 2);
        const auto log = fx.log.str();
        CHECK(log.find("#1 ! junk 3 bytes: ") != std::string::npos);
        CHECK(log.find("#1 ! junk 5 bytes: ") != std::string::npos);
    });
}

TEST_CASE("a partial frame the master gave up on is dropped after the gap and the next request is answered") {
    runtime::runner_options o;
    o.gap_timeout = 50ms;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [](fixture fx) -> asio::awaitable<void> {
            auto client = co_await listen_and_connect(fx);
            const bytes start_of_request{0x10, 0x5B}; // the start of a REQ_UD2, then nothing
            co_await send(client, start_of_request);
            // The runner reports it once the line has been quiet for the gap, without more bytes.
            CHECK(co_await eventually([&] { return fx.runner.counters().junk == 1; }));
            CHECK(fx.log.str().find("#1 ! junk 2 bytes: ") != std::string::npos);
            co_await send(client, req_ud2(5));
            CHECK(co_await read_frame(client) == water_rsp_ud);
            CHECK(fx.runner.counters().junk_bytes == 2);
        },
        o);
}

TEST_CASE("a client that disconnects ends only its own session") {
    run_with_runner(make_scenario({water_meter("water", 5)}), [](fixture fx) -> asio::awaitable<void> {
        const auto port = serve_tcp(fx);
        {
            // Asks, and hangs up before the answer (the meter takes at least 2 ms).
            auto quitter = co_await connect(port);
            co_await send(quitter, req_ud2(5));
        }
        {
            auto half = co_await connect(port);
            const bytes half_frame{0x68, 0x05}; // half a long frame, then gone
            co_await send(half, half_frame);
        }
        auto stayer = co_await connect(port);
        for (int i = 0; i < 3; ++i) {
            co_await send(stayer, snd_nke(5));
            CHECK(co_await read_frame(stayer) == ack);
        }
        CHECK(co_await eventually([&] { return count(fx.log.str(), "closed: connection closed") == 2; }));
        CHECK(fx.runner.counters().sessions == 3);
        CHECK_FALSE(fx.runner.stopping());
        // The half frame was reported when its session ended.
        CHECK(fx.runner.counters().junk == 1);
    });
}

TEST_CASE("realistic timing paces the answer at the meter's rate") {
    // Lower bounds only: a busy machine may always be slower, never faster than the line. The delay
    // before an answer is at most 20 ms (the default range), so only pacing can make the answer take
    // the 124 ms its 27 characters need at 2400 baud.
    const auto sc = make_scenario({water_meter("water", 5)}, scenario::timing_mode::realistic);
    const auto n = water_rsp_ud.size();
    const auto whole = std::chrono::microseconds(n * 11 * 1'000'000 / 2400);
    run_with_runner(sc, [&](fixture fx) -> asio::awaitable<void> {
        auto client = co_await listen_and_connect(fx);
        const auto sent = clock::now();
        co_await send(client, req_ud2(5));
        const auto reply = co_await read_frame(client);
        const auto last = clock::now();
        CHECK(reply == water_rsp_ud);
        CHECK(last - sent >= whole);
        MESSAGE("realistic 2400 baud over TCP: ", n, " bytes in ",
                std::chrono::duration<double, std::milli>(last - sent).count(),
                " ms after the request (line: ", std::chrono::duration<double, std::milli>(whole).count(),
                " ms)");
    });
    run_with_runner(sc, [&](fixture fx) -> asio::awaitable<void> {
        auto p = transport::pty::open(fx.ex);
        REQUIRE(p);
        const auto path = p->slave_path();
        fx.runner.add(std::move(p.stream));
        asio::posix::stream_descriptor master(fx.ex, open_master(path, 9600));
        co_await send(master, snd_nke(5)); // lets the runner see the rate before the request
        CHECK(co_await read_frame(master) == ack);
        const auto sent = clock::now();
        co_await send(master, req_ud2(5));
        const auto reply = co_await read_frame(master);
        const auto last = clock::now();
        CHECK(reply == water_rsp_ud);
        // The master set 9600: the answer travels at the line's rate.
        CHECK(last - sent >= std::chrono::microseconds(n * 11 * 1'000'000 / 9600));
        CHECK(fx.log.str().find("#1 line 9600 baud") != std::string::npos);
    });
}

TEST_CASE("strict baud keeps a meter at another rate silent on a pty") {
    const auto sc = make_scenario({water_meter("water", 5)}, scenario::timing_mode::fast, true);
    run_with_runner(sc, [](fixture fx) -> asio::awaitable<void> {
        auto p = transport::pty::open(fx.ex);
        REQUIRE(p);
        const auto path = p->slave_path();
        auto* line = p.stream.get(); // owned by the runner until it stops
        fx.runner.add(std::move(p.stream));
        const int fd = open_master(path, 9600);
        REQUIRE(fd >= 0);
        asio::posix::stream_descriptor master(fx.ex, fd);
        REQUIRE(co_await transport::with_timeout(line->wait_line_change(0), wait_limit));
        co_await send(master, snd_nke(5)); // the meter listens at 2400: it does not hear this
        // Served before the master changes the rate again, as the rate a request is tagged with is
        // the line's when it is parsed.
        CHECK(co_await eventually([&] { return fx.runner.counters().requests == 1; }));

        // The master moves to the meter's rate; the first thing it then hears is the answer to its
        // next request, so nothing came for the first one.
        termios t{};
        ::tcgetattr(fd, &t);
        cfsetspeed(&t, B2400);
        ::tcsetattr(fd, TCSANOW, &t);
        REQUIRE(co_await transport::with_timeout(line->wait_line_change(1), wait_limit));
        co_await send(master, req_ud2(5));
        CHECK(co_await read_frame(master) == water_rsp_ud);
        CHECK(fx.runner.counters().silent == 1);
        CHECK(fx.runner.counters().line_changes == 2);
        const auto log = fx.log.str();
        CHECK(log.find("#1 line 9600 baud raw (strict baud: no meter listens at this rate)") !=
              std::string::npos);
        CHECK(log.find("#1 line 2400 baud raw (strict baud: 1 meters listen)") != std::string::npos);
    });
}

TEST_CASE("stop closes the pty removes its link and winds the runner down") {
    const auto link =
        std::filesystem::temp_directory_path() / ("mbus-runner-test-" + std::to_string(::getpid()) + ".link");
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        auto p = transport::pty::open(fx.ex, {link.string()});
        REQUIRE_MESSAGE(p, p.message);
        fx.runner.add(std::move(p.stream));
        CHECK(std::filesystem::is_symlink(link));
        auto client = co_await listen_and_connect(fx);
        co_await send(client, snd_nke(5));
        CHECK(co_await read_frame(client) == ack);
        fx.runner.stop("asked");
        CHECK(fx.runner.stopping());
        CHECK(fx.runner.stop_reason() == "asked");
        // The connection is closed by the runner: the client reads the end of the stream.
        std::array<byte, 8> buf{};
        auto r = co_await transport::with_timeout(
            client.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable)), wait_limit);
        REQUIRE(r);
        CHECK(std::get<0>(*r) == asio::error::eof);
    });
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(link)));
}

TEST_CASE("max_requests stops the runner once that many requests are served") {
    runtime::runner_options o;
    o.max_requests = 2;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [](fixture fx) -> asio::awaitable<void> {
            auto client = co_await listen_and_connect(fx);
            co_await send(client, snd_nke(5));
            CHECK(co_await read_frame(client) == ack);
            CHECK_FALSE(fx.runner.stopping());
            co_await send(client, req_ud2(5));
            CHECK(co_await read_frame(client) == water_rsp_ud);
            CHECK(co_await eventually([&] { return fx.runner.stopping(); }));
            CHECK(fx.runner.stop_reason() == "2 requests served");
        },
        o);
}

TEST_CASE("idle and duration limits stop the runner on their own") {
    runtime::runner_options idle;
    idle.idle_limit = 200ms;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [](fixture fx) -> asio::awaitable<void> {
            auto client = co_await listen_and_connect(fx);
            // Traffic keeps it going: eight requests 40 ms apart take longer than the idle limit.
            time_point last_traffic{};
            for (int i = 0; i < 8; ++i) {
                last_traffic = clock::now(); // no later than the runner sees the request
                co_await send(client, snd_nke(5));
                CHECK(co_await read_frame(client) == ack);
                co_await transport::sleep_for(40ms);
            }
            CHECK_FALSE(fx.runner.stopping());
            CHECK(co_await eventually([&] { return fx.runner.stopping(); }));
            CHECK(clock::now() - last_traffic >= 200ms);
            CHECK(fx.runner.stop_reason() == "idle");
        },
        idle);

    runtime::runner_options lasting;
    lasting.max_duration = 100ms;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [](fixture fx) -> asio::awaitable<void> {
            CHECK(co_await eventually([&] { return fx.runner.stopping(); }));
            CHECK(fx.runner.stop_reason() == "duration reached");
            CHECK(fx.runner.elapsed() >= 100ms);
        },
        lasting);
}

TEST_CASE("subscribers that read facts only get no summaries and cost no decode until one reads more") {
    std::vector<harness::exchange> seen;
    run_with_runner(
        make_scenario({water_meter("water", 5)}),
        [&](fixture fx) -> asio::awaitable<void> {
            fx.runner.subscribe(
                [&](const harness::entry& e) {
                    if (const auto* x = std::get_if<harness::exchange>(&e)) seen.push_back(*x);
                },
                runtime::sink_reads::facts);
            auto client = co_await listen_and_connect(fx);
            // A telegram is read by app::decode or, for words only, by app::outline_of.
            const auto reads = [] { return app::decode_calls() + app::outline_calls(); };
            const auto before = reads();
            co_await send(client, req_ud2(5));
            CHECK(co_await read_frame(client) == water_rsp_ud);
            REQUIRE(co_await eventually([&] { return seen.size() == 1; }));
            CHECK(reads() == before);
            // A reader of everything arrives: the next exchange has its words again.
            std::vector<harness::exchange> worded;
            fx.runner.subscribe([&](const harness::entry& e) {
                if (const auto* x = std::get_if<harness::exchange>(&e)) worded.push_back(*x);
            });
            co_await send(client, req_ud2_current(5));
            const auto second = co_await read_frame(client);
            REQUIRE(co_await eventually([&] { return seen.size() == 2 && worded.size() == 1; }));
            CHECK(reads() == before + 1); // the runtime's one read, before this test's own
            CHECK(identity_of(second).access_number == 1);
        },
        {}, runtime::verbosity::quiet);
    REQUIRE(seen.size() == 2);
    // The facts are all there without words.
    CHECK(seen[0].request.request == link::request_kind::req_ud2);
    CHECK(seen[0].request.raw == req_ud2(5));
    CHECK(seen[0].end == harness::fate::answered);
    CHECK(seen[0].outcome.answered_by == std::vector<std::string>{"water"});
    CHECK(seen[0].outcome.meters == std::vector<std::string>{"water"});
    CHECK(seen[0].outcome.raw == water_rsp_ud);
    CHECK(seen[0].request.summary.empty());
    CHECK(seen[0].outcome.summary.empty());
    CHECK(seen[0].notes.empty());
    CHECK(seen[1].request.summary.find("REQ_UD2") != std::string::npos);
    CHECK(seen[1].outcome.summary.find("RSP_UD") != std::string::npos);
    CHECK(seen[1].notes.size() == 1);
    CHECK_FALSE(seen[0].outcome.frame);
    REQUIRE(seen[1].outcome.frame);
    CHECK(seen[1].outcome.frame->kind == link::frame_kind::long_frame);
}

TEST_CASE("immediate timing serves requests where they are read in order and max_requests still stops") {
    auto sc = make_scenario({water_meter("one", 1, 0x11111111), water_meter("two", 2, 0x22222222)});
    sc.bus.timing = scenario::timing_mode::immediate;
    runtime::runner_options o;
    o.max_requests = 7;
    run_with_runner(
        sc,
        [](fixture fx) -> asio::awaitable<void> {
            const auto port = serve_tcp(fx);
            auto a = co_await connect(port);
            auto b = co_await connect(port);
            // Three requests in one write: the runner reads them at once and answers each in turn.
            bytes three;
            for (int i = 0; i < 3; ++i) {
                const auto r = req_ud2_current(1);
                three.insert(three.end(), r.begin(), r.end());
            }
            co_await send(a, three);
            for (int i = 0; i < 3; ++i) {
                const auto seen = identity_of(co_await read_frame(a));
                CHECK(seen.id == 0x11111111);
                CHECK(seen.access_number == i);
            }
            // The other session is served as well, between and after.
            for (int i = 0; i < 3; ++i) {
                co_await send(b, req_ud2_current(2));
                CHECK(identity_of(co_await read_frame(b)).access_number == i);
            }
            CHECK_FALSE(fx.runner.stopping());
            co_await send(a, req_ud2_current(1));
            CHECK(identity_of(co_await read_frame(a)).access_number == 3);
            CHECK(co_await eventually([&] { return fx.runner.stopping(); }));
            CHECK(fx.runner.stop_reason() == "7 requests served");
            CHECK(fx.runner.counters().answered == 7);
        },
        o);
}

TEST_CASE("an answer with pauses inside reaches the master whole, in immediate and in fast timing") {
    // Two gap faults listed out of order: the parts go out in the order of their bytes either way,
    // without the pauses in immediate timing (written where they are served), with them in fast
    // timing (the bus loop's coroutine).
    for (const auto timing : {scenario::timing_mode::immediate, scenario::timing_mode::fast}) {
        CAPTURE(static_cast<int>(timing));
        auto sc = make_scenario({water_meter("water", 5)}, timing);
        for (const auto& [after, pause] : {std::pair{15u, 20ms}, std::pair{4u, 10ms}}) {
            sim::fault_spec f;
            f.name = "gap-" + std::to_string(after);
            f.action = sim::faults::gap{{after, pause}};
            sc.faults.push_back(f);
        }
        run_with_runner(sc, [](fixture fx) -> asio::awaitable<void> {
            std::vector<harness::exchange> seen;
            fx.runner.subscribe([&](const harness::entry& e) {
                if (const auto* x = std::get_if<harness::exchange>(&e)) seen.push_back(*x);
            });
            const auto port = serve_tcp(fx);
            auto master = co_await connect(port);
            co_await send(master, req_ud2(5));
            CHECK(co_await read_frame(master) == water_rsp_ud);
            co_await send(master, snd_nke(5));
            CHECK(co_await read_frame(master) == ack);
            REQUIRE(seen.size() == 2);
            CHECK(seen[0].end == harness::fate::answered);
            CHECK(seen[0].outcome.raw == water_rsp_ud);
            CHECK(seen[0].outcome.injected.size() == 2);
            CHECK(seen[1].end == harness::fate::answered);
            CHECK(fx.runner.counters().bytes_out == water_rsp_ud.size() + 1);
        });
    }
}
