// The embedding API: a bus in the test's own process, driven frame by frame or by a master over an
// in-memory stream, read through its exchange entries.

#include "support.hpp"

#include <mbus/app/codec.hpp>
#include <mbus/app/outline.hpp>
#include <mbus/harness/counters.hpp>
#include <mbus/harness/expect.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/master/master.hpp>
#include <mbus/runtime/in_process_bus.hpp>
#include <mbus/runtime/log.hpp>
#include <mbus/scenario/load.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <sstream>

using namespace mbus;
using namespace mbus::runtime_test;

namespace {

const char* two_meters = R"(
[bus]
name = "embedded"

[[meter]]
name = "water"
address = 5
id = "12345678"
manufacturer = "KAM"
version = 1
medium = "water"

[[meter.record]]
quantity = "volume"
unit = "l"
type = "bcd8"
value = 1234

[[meter]]
name = "heat"
address = 7
id = "87654321"
manufacturer = "KAM"
version = 1
medium = "heat"

[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = 42
)";

scenario::scenario load(const char* text) {
    auto r = scenario::load_string(text, "embedded.toml");
    INFO(r);
    REQUIRE(r);
    return *r.value;
}

} // namespace

TEST_CASE("in_process_bus answers a REQ_UD2 with the meter's telegram decoded") {
    runtime::in_process_bus bus(load(two_meters));
    const auto x = bus.send(link::frame::short_frame(0x5B, 5));
    REQUIRE(x);
    CHECK(x->end == harness::fate::answered);
    CHECK(x->number == 1);
    CHECK(x->bus == "embedded");
    CHECK(x->request.request == link::request_kind::req_ud2);
    CHECK(x->outcome.answered_by == std::vector<std::string>{"water"});
    REQUIRE(x->outcome.frame);
    CHECK(x->outcome.frame->a == 5);
    const auto ud = app::decode(x->outcome.frame->ci, x->outcome.frame->data);
    REQUIRE(ud);
    const auto& v = std::get<app::variable_data>(*ud);
    REQUIRE(v.records.size() == 1);
    CHECK(v.records[0].data == bytes{0x34, 0x12, 0x00, 0x00}); // 1234 as 8-digit BCD, LSB first
    // The master end received exactly the bytes the exchange reports.
    CHECK(bus.received() == x->outcome.raw);
    CHECK_FALSE(x->outcome.more_follows);
}

TEST_CASE("in_process_bus reports silence junk and exchanges in order") {
    runtime::in_process_bus bus(load(two_meters));
    const auto silent = bus.send(link::frame::short_frame(0x5B, 9));
    REQUIRE(silent);
    CHECK(silent->end == harness::fate::silent);
    CHECK(silent->outcome.kind == harness::record_kind::silence);
    CHECK(bus.received().empty());

    const auto entries = bus.send_bytes(bytes{0xAA, 0x10, 0x40, 0x07, 0x47, 0x16}); // junk, SND_NKE to 7
    REQUIRE(entries.size() == 2);
    const auto* junk = std::get_if<harness::notice>(&entries[0]);
    REQUIRE(junk);
    CHECK(junk->line.kind == harness::record_kind::junk);
    CHECK(junk->line.raw == bytes{0xAA});
    const auto* ack = std::get_if<harness::exchange>(&entries[1]);
    REQUIRE(ack);
    CHECK(ack->outcome.raw == bytes{0xE5});
    CHECK(ack->outcome.summary == "ACK");
    CHECK(bus.exchanges().size() == 2);
}

TEST_CASE("in_process_bus takes faults and events while it runs") {
    runtime::in_process_bus bus(load(two_meters));
    sim::fault_spec drop;
    drop.name = "drop";
    drop.meter = "water";
    drop.action = sim::faults::no_answer{};
    bus.add_fault(drop);
    auto x = bus.send(link::frame::short_frame(0x5B, 5));
    REQUIRE(x);
    CHECK(x->end == harness::fate::silent);
    REQUIRE(x->outcome.injected.size() == 1);
    CHECK(x->outcome.injected[0].find("drop") != std::string::npos);

    CHECK(bus.set_fault_active("drop", false));
    CHECK_FALSE(bus.set_fault_active("no such fault", false));
    x = bus.send(link::frame::short_frame(0x5B, 5));
    REQUIRE(x);
    CHECK(x->end == harness::fate::answered);

    sim::timeline_event leave;
    leave.meter = "heat";
    leave.what = sim::events::presence{false};
    bus.fire(leave);
    x = bus.send(link::frame::short_frame(0x40, 7));
    REQUIRE(x);
    CHECK(x->end == harness::fate::silent);
    // Each change is a notice the transcript and the log see.
    std::size_t events = 0;
    for (const auto& e : bus.entries())
        if (const auto* n = std::get_if<harness::notice>(&e); n && n->line.session == 0) ++events;
    CHECK(events == 3); // fault added, fault off, heat leaves
}

TEST_CASE("in_process_bus serves the project's master over an in-memory stream") {
    runtime::in_process_bus bus(load(two_meters));
    auto line = bus.connect();
    master::master_options mo;
    mo.timing.response_timeout = 200ms;
    master::bus_master m(*line, mo);
    std::optional<master::readout> got;
    asio::co_spawn(
        bus.io(), [&]() -> asio::awaitable<void> { got = co_await m.read(7); }, asio::detached);
    bus.io().restart();
    bus.io().run_for(5s);
    REQUIRE(got);
    REQUIRE(static_cast<bool>(*got));
    REQUIRE(got->telegrams.size() == 1);
    REQUIRE(got->telegrams[0].variable());
    CHECK(got->telegrams[0].variable()->records.size() == 1);
    CHECK(got->telegrams[0].frame.a == 7);
    const auto xs = bus.exchanges();
    REQUIRE(xs.size() == 2); // SND_NKE, REQ_UD2
    CHECK(xs[0].request.request == link::request_kind::snd_nke);
    CHECK(xs[1].outcome.answered_by == std::vector<std::string>{"heat"});
}

TEST_CASE("a reply is decoded once whatever observes it") {
    // The observers outlive the bus: its destructor still reports its sessions closing.
    std::ostringstream log_text, transcript_text;
    runtime::logger log(log_text, runtime::verbosity::verbose);
    harness::jsonl_writer transcript(transcript_text);
    harness::counters counters;
    std::vector<harness::record> records;
    runtime::in_process_bus bus(load(two_meters));
    bus.runner().subscribe([&](const harness::entry& e) { log.write(e); });
    bus.runner().subscribe([&](const harness::entry& e) { transcript.write(e); });
    bus.runner().subscribe([&](const harness::entry& e) { counters.add(e); });
    bus.runner().on_record([&](const harness::record& r) { records.push_back(r); });

    // A telegram is read by app::decode or, for words only, by app::outline_of.
    const auto reads_of_telegrams = [] { return app::decode_calls() + app::outline_calls(); };
    const auto before = reads_of_telegrams();
    constexpr int reads = 20;
    for (int i = 0; i < reads; ++i)
        REQUIRE(bus.send(link::frame::short_frame(i % 2 == 0 ? 0x5B : 0x7B, 5)));
    // The runtime's one decode of each RSP_UD; the log, the transcript, the counters and the records
    // read what it decoded.
    CHECK(reads_of_telegrams() - before == reads);
    CHECK(transcript.lines() == 2 * reads);
    CHECK(counters[link::request_kind::req_ud2].answered == reads);
    CHECK(records.size() == 2 * reads);
    CHECK(log_text.str().find("< RSP_UD a=5") != std::string::npos);
}

TEST_CASE("a sink can leave while the bus runs") {
    int seen = 0; // outlive the bus, as its sinks must
    int later = 0;
    std::uint64_t id = 0;
    runtime::in_process_bus bus(load(two_meters));
    id = bus.runner().subscribe([&](const harness::entry&) {
        ++seen;
        bus.runner().unsubscribe(id); // from inside its own call
    });
    bus.runner().subscribe([&](const harness::entry&) { ++later; });
    REQUIRE(bus.send(link::frame::short_frame(0x40, 5)));
    REQUIRE(bus.send(link::frame::short_frame(0x40, 7)));
    CHECK(seen == 1);
    CHECK(later == 2);
}
