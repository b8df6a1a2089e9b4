// A scenario's timeline against the real mbus-sim over a real pty, read by the project's master:
// a meter answers before its `leave` time and is silent after, a meter joins once N requests have
// been served, a value change shows in the decoded record, a power cycle deselects a meter.

#include "support.hpp"

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/master/errc.hpp>

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <string>

// GCC 12 at -O2 warns that Asio's coroutine frames are freed by a mismatched operator delete once a
// coroutine lambda grows large; a false positive (Asio's frame allocator pairs them).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

using namespace mbus;
using namespace mbus::test;

namespace {

// Timed events at 3 s leave the master time for its "before" requests on a busy machine; the
// counted join comes after the third request.
const char* const timeline_toml = R"(
[bus]
name = "timeline"

[[meter]]
name = "stay"
address = 1
id = "61000001"
manufacturer = "TST"
medium = "heat"
[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "bcd8"
value = 154

[[meter]]
name = "leaver"
address = 2
id = "61000002"
manufacturer = "TST"
medium = "heat"
record = [{ quantity = "energy", unit = "kWh", type = "bcd8", value = 2 }]

[[meter]]
name = "late"
address = 3
id = "61000003"
manufacturer = "TST"
medium = "water"
present = false
record = [{ quantity = "volume", unit = "m3", type = "bcd8", value = 3 }]

[[meter]]
name = "cycler"
address = 4
id = "61000004"
manufacturer = "TST"
medium = "water"
record = [{ quantity = "volume", unit = "m3", type = "bcd8", value = 4 }]

[[event]]
at = "3s"
meter = "leaver"
action = "leave"

[[event]]
after_requests = 3
meter = "late"
action = "join"

[[event]]
at = "3s"
meter = "stay"
action = "value"
record = 1
value = 4711

[[event]]
at = "3s"
meter = "cycler"
action = "power_cycle"
)";

// No retries: every request the master sends is one request served, so the count is exact.
master::master_options exact_options() {
    auto o = sim_options();
    o.retries = 0;
    return o;
}

// The time stamp of the first log line holding `text` ("[    3.000] event: ..."): seconds since the
// run started; -1 when no line holds it.
double logged_at(const std::string& log, const std::string& text) {
    const auto at = log.find(text);
    if (at == std::string::npos) return -1;
    const auto line = log.rfind('\n', at) + 1; // npos + 1 == 0: the first line
    if (log[line] != '[') return -1;
    return std::stod(log.substr(line + 1, log.find(']', line) - line - 1));
}

bytes first_record_data(const master::telegram& t) {
    const auto* v = t.variable();
    REQUIRE(v != nullptr);
    REQUIRE_FALSE(v->records.empty());
    return v->records[0].data;
}

} // namespace

TEST_CASE("timeline events happen at their time against the real mbus-sim") {
    const temp_scenario file("timeline", timeline_toml);
    auto sim = start_sim({"run", file.path().string(), "--pty"});
    const auto ready_at = std::chrono::steady_clock::now();
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready);
        master::bus_master m(*io, exact_options());

        // Before 3 s. Request 1: the value as configured, 154 kWh (BCD 00000154).
        auto before = co_await m.request_ud2(1);
        REQUIRE_MESSAGE(before, before.error().message());
        CHECK(first_record_data(*before) == bytes{0x54, 0x01, 0x00, 0x00});
        // Request 2: the leaver still answers.
        auto leaver = co_await m.ping(2);
        REQUIRE_MESSAGE(leaver, leaver.error().message());
        CHECK(leaver->kind == master::reply_kind::ack);
        // Request 3: "late" is not on the bus yet.
        auto late = co_await m.ping(3);
        REQUIRE_MESSAGE(late, late.error().message());
        CHECK_MESSAGE(late->kind == master::reply_kind::none, sim.process->report());
        // Three requests served: it has joined before the fourth.
        late = co_await m.ping(3);
        REQUIRE_MESSAGE(late, late.error().message());
        CHECK(late->kind == master::reply_kind::ack);
        // Select the cycler by its secondary address: it answers at FD.
        const auto tst = app::manufacturer_code("TST");
        REQUIRE(tst);
        const app::select_mask cycler{{0x61000004, *tst, 0xFF, 0xFF}, {}}; // version and medium: any
        auto sel = co_await m.select(cycler);
        REQUIRE_MESSAGE(sel, sel.error().message());
        auto selected = co_await m.request_ud2(link::address::selected);
        REQUIRE_MESSAGE(selected, selected.error().message());
        REQUIRE(selected->variable() != nullptr);
        REQUIRE(selected->variable()->header.address);
        CHECK(selected->variable()->header.address->id == 0x61000004);

        // Every "before" answer came well before the events; otherwise this run proves nothing.
        const auto before_done = std::chrono::steady_clock::now() - ready_at;
        REQUIRE_MESSAGE(before_done < std::chrono::milliseconds(2500),
                        "the machine is too slow for 3 s events");

        asio::steady_timer t(co_await asio::this_coro::executor);
        t.expires_at(ready_at + std::chrono::milliseconds(3500));
        co_await t.async_wait(asio::use_awaitable);

        // After 3 s: the new value, decoded.
        auto after = co_await m.request_ud2(1);
        REQUIRE_MESSAGE(after, after.error().message());
        CHECK(first_record_data(*after) == bytes{0x11, 0x47, 0x00, 0x00}); // 4711 kWh
        // The leaver is gone.
        leaver = co_await m.ping(2);
        REQUIRE_MESSAGE(leaver, leaver.error().message());
        CHECK(leaver->kind == master::reply_kind::none);
        // The power cycle forgot the selection: nobody answers at FD ...
        selected = co_await m.request_ud2(link::address::selected);
        REQUIRE_FALSE(selected);
        CHECK(selected.error() == master::errc::timeout);
        // ... while the meter itself is still on the bus at its primary address.
        auto cycled = co_await m.ping(4);
        REQUIRE_MESSAGE(cycled, cycled.error().message());
        CHECK(cycled->kind == master::reply_kind::ack);
    });
    stop_sim(sim);
    // The log names what the timeline did.
    const auto log = sim.process->out() + sim.process->err();
    CHECK_MESSAGE(log.find("meter late joined the bus (event 2, after 3 requests)") != std::string::npos,
                  log);
    // The timed events happen on their timer, at 3 s, not late at the next request (3.5 s or later).
    for (const auto* text : {"meter leaver left the bus (event 1, at 3s)",
                             "meter stay record 1 now follows constant 4711 (event 3, at 3s)",
                             "meter cycler was power-cycled"}) {
        INFO(text);
        const auto when = logged_at(log, text);
        CHECK_MESSAGE(when >= 3.0, log);
        CHECK_MESSAGE(when < 3.4, log);
    }
}
