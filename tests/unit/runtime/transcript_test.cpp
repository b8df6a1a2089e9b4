// The runner's transcript records and counters per kind, the request context it gives the bus
// (line rate, raw bytes, wake-up preambles), and what it does with the hooks' shaping: injected
// faults in the log and records, gaps inside an answer, answers far beyond the master's timeout.

#include "support.hpp"

#include <mbus/sim/bus_hooks.hpp>
#include <mbus/transport/tcp.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::runtime_test;
using harness::record;
using harness::record_kind;
using link::request_kind;

namespace {

// Every record the runner emits, kept for the test.
struct recorder {
    std::shared_ptr<std::vector<record>> all = std::make_shared<std::vector<record>>();
    void attach(runtime::runner& r) {
        r.on_record([all = all](const record& rec) { all->push_back(rec); });
    }
    std::vector<record> of(record_kind k) const {
        std::vector<record> out;
        std::copy_if(all->begin(), all->end(), std::back_inserter(out),
                     [k](const record& r) { return r.kind == k; });
        return out;
    }
    // The records of the exchanges only (no session events).
    std::vector<record_kind> exchange_kinds() const {
        std::vector<record_kind> out;
        for (const auto& r : *all)
            if (r.kind != record_kind::event) out.push_back(r.kind);
        return out;
    }
};

// Hooks of the test's own, independent of the scenario's fault engine: they note every request
// context and do to the answers what the test asks.
struct test_hooks final : sim::bus_hooks {
    std::vector<sim::request_context> seen;
    std::function<void(const link::frame&, std::vector<sim::answer>&, std::vector<std::string>&)> shaper;

    bool offer(std::size_t, sim::slave&, link::frame&, const sim::request_context&,
               const sim::sim_now&) override {
        return true;
    }
    void shape(const link::frame& request, const sim::request_context& ctx, const sim::sim_now&,
               std::vector<sim::answer>& answers, std::vector<std::string>& injected) override {
        seen.push_back(ctx);
        if (shaper) shaper(request, answers, injected);
    }
};

std::shared_ptr<test_hooks> install_hooks(runtime::runner& r) {
    auto h = std::make_shared<test_hooks>();
    r.bus().set_hooks(h);
    return h;
}

double ms_between(time_point a, time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

} // namespace

TEST_CASE("the runner records every request reply silence and junk in order and counts them by kind") {
    recorder rec;
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto client = co_await listen_and_connect(fx);
        const bytes junk_then_request{
            0xFF, 0x12,                   // noise: no frame starts with these
            0x10, 0x40, 0x05, 0x45, 0x16, // SND_NKE to 5
        };
        co_await send(client, junk_then_request);
        CHECK(co_await read_frame(client) == ack);
        co_await send(client, req_ud2(5));
        CHECK(co_await read_frame(client) == water_rsp_ud);
        co_await send(client, req_ud2(9)); // nobody there
        co_await send(client, snd_nke(5));
        CHECK(co_await read_frame(client) == ack);
        CHECK(co_await eventually([&] { return rec.of(record_kind::reply).size() == 3; }));

        using enum record_kind;
        CHECK(rec.exchange_kinds() == std::vector<record_kind>{junk, request, reply, request, reply, request,
                                                               silence, request, reply});
        const auto& first = rec.all->front();
        CHECK(first.kind == event);
        CHECK(first.summary.find("open tcp 127.0.0.1:") == 0);

        const auto junks = rec.of(junk);
        REQUIRE(junks.size() == 1);
        CHECK(junks[0].raw == bytes{0xFF, 0x12});
        CHECK(junks[0].session == 1);
        CHECK_FALSE(junks[0].summary.empty());

        const auto requests = rec.of(request);
        REQUIRE(requests.size() == 4);
        CHECK(requests[0].request == request_kind::snd_nke);
        CHECK(requests[0].raw == snd_nke(5));
        REQUIRE(requests[0].frame);
        CHECK(requests[0].frame->a == 5);
        CHECK(requests[0].summary.find("SND_NKE a=5") == 0);
        CHECK(requests[0].line_baud == 0); // TCP carries no rate
        CHECK(requests[2].raw == req_ud2(9));

        const auto replies = rec.of(reply);
        REQUIRE(replies.size() == 3);
        CHECK(replies[1].request == request_kind::req_ud2);
        CHECK(replies[1].raw == water_rsp_ud);
        REQUIRE(replies[1].frame);
        CHECK(replies[1].frame->ci == 0x72);
        CHECK(replies[1].meters == std::vector<std::string>{"water"});
        CHECK(replies[1].answered_by == std::vector<std::string>{"water"});
        CHECK_FALSE(replies[1].collision);
        CHECK_FALSE(replies[1].repeated);
        CHECK(replies[1].summary.find("RSP_UD a=5 ci=72") == 0);

        const auto silences = rec.of(silence);
        REQUIRE(silences.size() == 1);
        CHECK(silences[0].request == request_kind::req_ud2);
        CHECK(silences[0].meters.empty()); // nobody took a request to 9
        CHECK(silences[0].summary == "no answer");

        // Times only grow along the exchanges of one session.
        for (std::size_t i = 1; i < rec.all->size(); ++i)
            CHECK((*rec.all)[i].t >= (*rec.all)[i - 1].t);

        const auto& c = fx.runner.kind_counters();
        CHECK(c[request_kind::snd_nke] == harness::kind_counters{2, 2, 0, 0, 0});
        CHECK(c[request_kind::req_ud2] == harness::kind_counters{2, 1, 0, 0, 1});
        CHECK(c.total().received == fx.runner.counters().requests);
        CHECK(c.malformed == 1);
        CHECK(c.malformed_bytes == 2);

        log_summary(fx);
        const auto log = fx.log.str();
        CHECK(log.find("SND_NKE: 2 received, 2 answered, 0 repeated, 0 collided, 0 ignored") !=
              std::string::npos);
        CHECK(log.find("REQ_UD2: 2 received, 1 answered, 0 repeated, 0 collided, 1 ignored") !=
              std::string::npos);
        CHECK(log.find("malformed: 1 (2 bytes), faults injected: 0") != std::string::npos);
    });
}

TEST_CASE("two meters at one address collide and the reply record names both") {
    recorder rec;
    // Both told to answer in lockstep (skew_bits = 0; by default each has its own offset and they garble).
    auto a = water_meter("a", 5, 0x11111111);
    auto b = water_meter("b", 5, 0x22222222);
    a.options.skew_bits = 0;
    b.options.skew_bits = 0;
    const auto sc = make_scenario({a, b});
    run_with_runner(sc, [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto client = co_await listen_and_connect(fx);
        co_await send(client, snd_nke(5));
        // Both answer E5 at the same instant: aligned, the wire carries one E5.
        CHECK(co_await read_frame(client) == ack);
        CHECK(co_await eventually([&] { return rec.of(record_kind::reply).size() == 1; }));
        const auto r = rec.of(record_kind::reply).front();
        CHECK(r.collision);
        CHECK(r.meters == std::vector<std::string>{"a", "b"});
        CHECK(r.answered_by == std::vector<std::string>{"a", "b"});
        CHECK(r.raw == ack);
        CHECK(fx.runner.kind_counters()[request_kind::snd_nke] == harness::kind_counters{1, 1, 0, 1, 0});
    });
}

TEST_CASE("a repeated REQ_UD2 with the same FCB is recorded and counted as repeated") {
    recorder rec;
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto client = co_await listen_and_connect(fx);
        const bytes fcb1{0x10, 0x7B, 0x05, 0x80, 0x16}; // REQ_UD2 FCB=1 FCV=1 to 5
        const bytes fcb0{0x10, 0x5B, 0x05, 0x60, 0x16}; // REQ_UD2 FCB=0 FCV=1 to 5
        co_await send(client, snd_nke(5));
        CHECK(co_await read_frame(client) == ack);
        co_await send(client, fcb1);
        const auto first = co_await read_frame(client);
        co_await send(client, fcb0); // toggled: a new reply
        CHECK(co_await read_frame(client) != first);
        co_await send(client, fcb0); // the same FCB again: the master missed the reply
        CHECK(co_await read_frame(client) != first);
        CHECK(co_await eventually([&] { return rec.of(record_kind::reply).size() == 4; }));
        const auto replies = rec.of(record_kind::reply);
        CHECK_FALSE(replies[2].repeated);
        CHECK(replies[3].repeated);
        CHECK(replies[3].raw == replies[2].raw);
        CHECK(fx.runner.kind_counters()[request_kind::req_ud2].repeated == 1);
    });
}

TEST_CASE("zeros right before a frame are a preamble the bus is told about and not junk") {
    recorder rec;
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto hooks = install_hooks(fx.runner);
        auto client = co_await listen_and_connect(fx);
        const bytes woken{
            0x00, 0x00, 0x00,             // wake-up preamble
            0x10, 0x5B, 0x05, 0x60, 0x16, // REQ_UD2 to 5
        };
        co_await send(client, woken);
        CHECK(co_await read_frame(client) == water_rsp_ud);
        REQUIRE(hooks->seen.size() == 1);
        CHECK(hooks->seen[0].preamble_zeros == 3);
        CHECK(hooks->seen[0].raw == req_ud2(5)); // the frame alone, as it came
        CHECK(hooks->seen[0].line_baud == 0);
        CHECK(hooks->seen[0].index == 0);
        CHECK(fx.runner.counters().junk == 0);
        CHECK(fx.runner.kind_counters().malformed == 0);
        CHECK(fx.log.str().find("#1 preamble 3 x 00") != std::string::npos);
        const auto events = rec.of(record_kind::event);
        REQUIRE(events.size() == 2); // the session, the preamble
        CHECK(events[1].summary == "preamble 3 x 00");
        CHECK(events[1].raw == bytes{0x00, 0x00, 0x00});

        // Zeros then a pause longer than the gap timeout: noise, and the next frame has no preamble.
        const bytes zeros{0x00, 0x00};
        co_await send(client, zeros);
        co_await transport::sleep_for(250ms);
        co_await send(client, req_ud2(5));
        CHECK(identity_of(co_await read_frame(client)).id == 0x12345678); // the next access number
        REQUIRE(hooks->seen.size() == 2);
        CHECK(hooks->seen[1].preamble_zeros == 0);
        CHECK(hooks->seen[1].index == 1);
        CHECK(fx.runner.kind_counters().malformed == 1);
        CHECK(fx.runner.kind_counters().malformed_bytes == 2);
    });
}

TEST_CASE("a pty request carries the line rate the master set") {
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        auto hooks = install_hooks(fx.runner);
        recorder rec;
        rec.attach(fx.runner);
        auto p = transport::pty::open(fx.ex);
        REQUIRE_MESSAGE(p, p.message);
        const auto path = p->slave_path();
        fx.runner.add(std::move(p.stream));
        asio::posix::stream_descriptor master(fx.ex, open_master(path, 9600));
        co_await send(master, snd_nke(5));
        CHECK(co_await read_frame(master) == ack);
        REQUIRE(hooks->seen.size() == 1);
        CHECK(hooks->seen[0].line_baud == 9600);
        const auto requests = rec.of(record_kind::request);
        REQUIRE(requests.size() == 1);
        CHECK(requests[0].line_baud == 9600);
        // The line change is an event of the session.
        const auto events = rec.of(record_kind::event);
        CHECK(std::any_of(events.begin(), events.end(), [](const record& r) {
            return r.session == 1 && r.summary == "line 9600 baud raw";
        }));
    });
}

TEST_CASE("faults the hooks inject show in the log and the records") {
    recorder rec;
    run_with_runner(make_scenario({water_meter("a", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto hooks = install_hooks(fx.runner);
        hooks->shaper = [](const link::frame& f, std::vector<sim::answer>& answers,
                           std::vector<std::string>& injected) {
            if (f.c == 0x40) { // SND_NKE: E5 with junk after it
                answers.at(0).wire.push_back(0x00);
                answers.at(0).wire.push_back(0xFF);
                injected.push_back("meter a: junk after E5 (fault 'tail')");
            } else { // anything else: dropped
                answers.clear();
                injected.push_back("meter a: no answer (fault 'drop')");
            }
        };
        auto client = co_await listen_and_connect(fx);
        co_await send(client, req_ud2(5));
        co_await send(client, snd_nke(5));
        const bytes tailed{0xE5, 0x00, 0xFF}; // ACK, then the injected junk
        CHECK(co_await read_n(client, 3) == tailed);
        CHECK(co_await eventually([&] { return rec.of(record_kind::reply).size() == 1; }));

        const auto log = fx.log.str();
        CHECK(log.find("#1 ! INJECTED meter a: no answer (fault 'drop')") != std::string::npos);
        CHECK(log.find("#1 - no answer (fault injected)") != std::string::npos);
        CHECK(log.find("#1 ! INJECTED meter a: junk after E5 (fault 'tail')") != std::string::npos);

        const auto silences = rec.of(record_kind::silence);
        REQUIRE(silences.size() == 1);
        CHECK(silences[0].injected == std::vector<std::string>{"meter a: no answer (fault 'drop')"});
        CHECK(silences[0].meters == std::vector<std::string>{"a"}); // it took the request
        CHECK(silences[0].answered_by.empty());
        CHECK(silences[0].summary == "no answer (fault injected)");
        const auto r = rec.of(record_kind::reply).front();
        CHECK(r.raw == tailed);
        CHECK_FALSE(r.frame); // no longer one intact frame
        CHECK(r.injected == std::vector<std::string>{"meter a: junk after E5 (fault 'tail')"});
        CHECK(fx.runner.kind_counters().injected == 2);
        CHECK(fx.runner.kind_counters()[request_kind::req_ud2].ignored == 1);
    });
}

TEST_CASE("a gap inside an answer is kept on the wire in fast and realistic timing") {
    for (const auto timing : {scenario::timing_mode::fast, scenario::timing_mode::realistic}) {
        CAPTURE(static_cast<int>(timing));
        run_with_runner(make_scenario({water_meter("water", 5)}, timing),
                        [&](fixture fx) -> asio::awaitable<void> {
                            auto hooks = install_hooks(fx.runner);
                            hooks->shaper = [](const link::frame&, std::vector<sim::answer>& answers,
                                               std::vector<std::string>&) {
                                answers.at(0).gaps.push_back({4, 50ms}); // after the four start bytes
                            };
                            auto client = co_await listen_and_connect(fx);
                            const auto sent = clock::now();
                            co_await send(client, req_ud2(5));
                            const auto head = co_await read_n(client, 4);
                            const auto after_head = clock::now();
                            const auto rest = co_await read_n(client, water_rsp_ud.size() - 4);
                            const auto after_rest = clock::now();
                            CHECK(head == bytes(water_rsp_ud.begin(), water_rsp_ud.begin() + 4));
                            CHECK(rest == bytes(water_rsp_ud.begin() + 4, water_rsp_ud.end()));
                            // Lower bounds only: a busy machine may be slower, never faster. The rest cannot
                            // come before the gap; the head was there well before it.
                            CHECK(ms_between(sent, after_rest) >= 50.0);
                            CHECK(ms_between(after_head, after_rest) >= 30.0);
                            MESSAGE("gap between bytes 4 and 5: ", ms_between(after_head, after_rest), " ms");
                        });
    }
}

TEST_CASE("an answer far beyond the master's timeout goes out late and later requests wait for it") {
    recorder rec;
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto hooks = install_hooks(fx.runner);
        hooks->shaper = [](const link::frame& f, std::vector<sim::answer>& answers,
                           std::vector<std::string>& injected) {
            if (f.c != 0x5B || answers.empty()) return;
            answers[0].delay = 400ms;
            injected.push_back("meter water: late answer 400 ms (fault 'late')");
        };
        auto client = co_await listen_and_connect(fx);
        const auto sent = clock::now();
        co_await send(client, req_ud2(5));
        // The master gives up after 100 ms and sends its next request.
        co_await transport::sleep_for(100ms);
        co_await send(client, snd_nke(5));
        CHECK(co_await read_frame(client) == water_rsp_ud); // the late answer lands in this exchange
        CHECK(ms_between(sent, clock::now()) >= 400.0);
        CHECK(co_await read_frame(client) == ack);
        CHECK(co_await eventually([&] { return rec.of(record_kind::reply).size() == 2; }));
        using enum record_kind;
        CHECK(rec.exchange_kinds() == std::vector<record_kind>{request, reply, request, reply});
    });
}

TEST_CASE("stop during a very long answer delay winds the runner down at once") {
    recorder rec;
    const auto begin = clock::now();
    run_with_runner(make_scenario({water_meter("water", 5)}), [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto hooks = install_hooks(fx.runner);
        hooks->shaper = [](const link::frame&, std::vector<sim::answer>& answers, std::vector<std::string>&) {
            for (auto& a : answers)
                a.delay = std::chrono::minutes(5); // beyond the test's whole limit
        };
        auto client = co_await listen_and_connect(fx);
        co_await send(client, req_ud2(5));
        // The request is taken (counted) when the bus serves it; its exchange ends with the stop.
        CHECK(co_await eventually([&] { return fx.runner.counters().requests == 1; }));
        co_await transport::sleep_for(20ms); // the runner is now waiting for the answer's time
        CHECK(rec.of(record_kind::request).empty());
        fx.runner.stop("asked");
    });
    // run_with_runner has checked that the io_context ran out of work; it did so quickly.
    CHECK(clock::now() - begin < 5s);
    CHECK(rec.of(record_kind::reply).empty());
    CHECK(rec.of(record_kind::request).size() == 1); // the stopped exchange still reports its request
}

TEST_CASE("timeline events happen at their time without requests and after a count of requests") {
    recorder rec;
    auto sc = make_scenario({water_meter("a", 5, 0x11111111), water_meter("b", 6, 0x22222222)});
    sim::timeline_event b_leaves;
    b_leaves.when = sim::events::at_time{std::chrono::duration_cast<duration>(200ms)};
    b_leaves.meter = "b";
    b_leaves.what = sim::events::presence{false};
    sim::timeline_event a_leaves;
    a_leaves.when = sim::events::after_requests{1};
    a_leaves.meter = "a";
    a_leaves.what = sim::events::presence{false};
    sc.events = {b_leaves, a_leaves};
    run_with_runner(sc, [&](fixture fx) -> asio::awaitable<void> {
        rec.attach(fx.runner);
        auto client = co_await listen_and_connect(fx);
        co_await send(client, snd_nke(6));
        CHECK(co_await read_frame(client) == ack); // b is still there
        CHECK(fx.runner.bus().present(1));
        // No request: the event still happens at its time.
        CHECK(co_await eventually([&] { return !fx.runner.bus().present(1); }));
        CHECK(fx.runner.elapsed() >= 200ms);
        // One request served: a leaves before the next one is.
        co_await send(client, snd_nke(5));
        co_await send(client, snd_nke(6));
        co_await send(client, req_ud2(9)); // nobody: marks the end
        CHECK(co_await eventually([&] { return rec.of(record_kind::silence).size() == 3; }));
        CHECK_FALSE(fx.runner.bus().present(0));
        std::vector<record> bus_events;
        for (const auto& r : *rec.all)
            if (r.kind == record_kind::event && r.session == 0) bus_events.push_back(r);
        REQUIRE(bus_events.size() == 2);
        CHECK(bus_events[0].t >= 0.2);
        CHECK(bus_events[0].summary.find(" b ") != std::string::npos);
        CHECK(bus_events[1].summary.find(" a ") != std::string::npos);
        CHECK(fx.log.str().find("event: ") != std::string::npos);
    });
}
