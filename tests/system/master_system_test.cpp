// The master against the real mbus-sim: the demo without arguments, a multi-telegram readout with
// FCB, selection with wildcards (CI 52 and 56), set address, baud switch, collisions at FE, SND_UD
// commands. Each test starts its own simulator and stops it by PID.

#include "readout_check.hpp"
#include "support.hpp"

#include <mbus/app/manufacturer.hpp>
#include <mbus/master/errc.hpp>
#include <mbus/scenario/load.hpp>

#include <fstream>
#include <iterator>
#include <optional>

// GCC 12 at -O2 warns that Asio's coroutine frames are freed by a mismatched operator delete once a
// coroutine lambda grows large; a false positive (Asio's frame allocator pairs them), seen only here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

using namespace mbus;
using namespace mbus::test;
using master::bus_master;
using master::presence;

namespace {

scenario::scenario load_shipped(const std::string& name) {
    auto r = scenario::load(std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / name);
    REQUIRE_MESSAGE(r, name, " does not load");
    return *r.value;
}

const sim::meter_config& meter_named(const scenario::scenario& sc, const std::string& name) {
    for (const auto& m : sc.meters)
        if (m.name == name) return m;
    FAIL("no meter ", name);
    throw std::logic_error("unreachable");
}

std::uint16_t man(std::string_view letters) {
    auto c = app::manufacturer_code(letters);
    REQUIRE(c);
    return *c;
}

// Every sent frame's C field, in order (from the transcript).
struct sent_log {
    std::vector<master::transcript_entry> entries;
    master::transcript_hook hook() {
        return [this](const master::transcript_entry& e) { entries.push_back(e); };
    }
    std::vector<byte> sent_c() const {
        std::vector<byte> c;
        for (const auto& e : entries)
            if (e.kind == master::transcript_kind::sent && e.frame) c.push_back(e.frame->c);
        return c;
    }
};

double scaled(const app::record& r) {
    auto m = app::describe(r);
    REQUIRE(m);
    REQUIRE(m->scaled);
    return *m->scaled;
}

} // namespace

TEST_CASE("mbus-sim run without arguments serves the demo meter on a pty") {
    auto sim = start_sim({"run"});
    CHECK_FALSE(sim.ready.pty().empty());
    CHECK(sim.ready.tcp().empty());
    CHECK(sim.ready.get("meters") == "1");
    CHECK(sim.ready.get("scenario") == "demo");
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready);
        bus_master m(*io, sim_options());
        auto p = co_await m.ping(3);
        REQUIRE(p);
        CHECK(p->kind == master::reply_kind::ack);
        auto r = co_await m.read(3);
        REQUIRE_MESSAGE(r, r.error.message());
        REQUIRE(r.telegrams.size() == 1);
        const auto* v = r.telegrams[0].variable();
        REQUIRE(v != nullptr);
        // What demo.toml says: 12345678 / TST / version 1 / water (07).
        CHECK(v->header.address == app::secondary_address{0x12345678, man("TST"), 1, 0x07});
        REQUIRE(v->records.size() == 3);
        CHECK(v->records[0].dib == app::dib{0x0C, {}});     // 8 BCD digits
        CHECK(v->records[0].vib == app::vib{0x13, {}, {}}); // volume, litres
        const double volume = scaled(v->records[0]);
        CHECK(volume >= 12.345);
        CHECK(volume < 12.5);
        CHECK(v->records[1].dib == app::dib{0x02, {}});         // int16
        CHECK(v->records[1].vib == app::vib{0xFD, {}, {0x48}}); // voltage, 0.1 V
        const double volts = scaled(v->records[1]);
        CHECK(volts >= 226.9);
        CHECK(volts <= 233.1);
        CHECK(v->records[2].dib == app::dib{0x04, {}});     // int32
        CHECK(v->records[2].vib == app::vib{0x6D, {}, {}}); // date and time (type F)
        // No alarm pending: REQ_UD1 gets E5.
        auto ud1 = co_await m.request_ud1(3);
        REQUIRE_MESSAGE(ud1, ud1.error().message());
        CHECK_FALSE(ud1->has_value());
        // Each new reply counts the access number on.
        auto again = co_await m.request_ud2(3);
        REQUIRE(again);
        REQUIRE(again->variable() != nullptr);
        CHECK(again->variable()->header.access_number == static_cast<byte>(v->header.access_number + 1));
    });
    stop_sim(sim);
}

TEST_CASE("a multi-telegram readout toggles the FCB and a repeated FCB gets the same bytes") {
    const auto sc = load_shipped("multi-telegram.toml");
    const auto& meter = meter_named(sc, "multi");
    auto sim = start_sim({"run", MBUS_SOURCE_DIR "/scenarios/multi-telegram.toml", "--pty", "--tcp", "0"});
    run_system_test([&]() -> asio::awaitable<void> {
        for (int line = 0; line < 2; ++line) {
            const std::string line_name = line == 0 ? "pty" : "tcp";
            INFO(line_name);
            std::unique_ptr<transport::byte_stream> io;
            if (line == 0)
                io = co_await open_pty(sim.ready);
            else
                io = co_await open_tcp(sim.ready);
            bus_master m(*io, sim_options());
            sent_log log;
            m.set_transcript(log.hook());
            auto r = co_await m.read(7);
            check_readout(r, meter, meter.identity);
            REQUIRE(r.telegrams.size() == 3);
            CHECK(log.sent_c() == std::vector<byte>{0x40, 0x7B, 0x5B, 0x7B}); // SND_NKE, FCB 1 0 1
            // Storage numbers 0, 1, 2: the current values, last month's, the month before.
            CHECK(r.telegrams[0].variable()->records[0].dib == app::dib{0x0C, {}});
            CHECK(r.telegrams[1].variable()->records[0].dib == app::dib{0x4C, {}});
            CHECK(r.telegrams[2].variable()->records[0].dib == app::dib{0x8C, {0x01}});
            // The same FCB as the last request is a repetition: the last reply again, byte for byte.
            auto last = link::encode(r.telegrams[2].frame);
            REQUIRE(last);
            auto rep = co_await m.exchange(link::frame::short_frame(0x7B, 7));
            REQUIRE(rep);
            CHECK(rep->kind == master::reply_kind::frame);
            CHECK(rep->raw == *last);
            // Toggled after a telegram without DIF 1F: back to the first.
            auto first = co_await m.exchange(link::frame::short_frame(0x5B, 7));
            REQUIRE(first);
            REQUIRE(first->kind == master::reply_kind::frame);
            const auto t = master::make_telegram(*first->frame);
            REQUIRE(t.variable() != nullptr);
            CHECK(t.variable()->records[0].dib == app::dib{0x0C, {}});
            CHECK(t.more_follows());
        }
    });
    stop_sim(sim);
}

TEST_CASE("selection by secondary address with wildcards over CI 52 and 56") {
    const auto sc = load_shipped("water-meters.toml");
    const auto& flat2 = meter_named(sc, "flat-2");
    const auto& garden = meter_named(sc, "garden");
    auto sim = start_sim({"run", MBUS_SOURCE_DIR "/scenarios/water-meters.toml", "--pty", "--tcp", "0"});
    run_system_test([&]() -> asio::awaitable<void> {
        for (int line = 0; line < 2; ++line) {
            const std::string line_name = line == 0 ? "pty" : "tcp";
            INFO(line_name);
            std::unique_ptr<transport::byte_stream> io;
            if (line == 0)
                io = co_await open_pty(sim.ready);
            else
                io = co_await open_tcp(sim.ready);
            bus_master m(*io, sim_options());
            const auto any = [](std::uint32_t id) { return app::select_mask{{id, 0xFFFF, 0xFF, 0xFF}, {}}; };
            for (byte ci : {app::ci::select, app::ci::select_msb}) {
                INFO("CI ", int(ci));
                // The whole address, exact: one E5, then the meter answers at FD.
                auto s = co_await m.select({flat2.identity, {}}, ci);
                REQUIRE(s);
                CHECK(master::presence_of(*s) == presence::one);
                auto r = co_await m.read_selected();
                check_readout(r, flat2, flat2.identity);
                // One wildcard digit that only the garden meter matches (2100001x).
                s = co_await m.select(any(0x2100001F), ci);
                REQUIRE(s);
                CHECK(master::presence_of(*s) == presence::one);
                r = co_await m.read_selected();
                check_readout(r, garden, garden.identity);
                // The right ID with the wrong manufacturer: nobody, and the garden meter is deselected.
                s = co_await m.select({{garden.identity.id, man("ZZZ"), 0xFF, 0xFF}, {}}, ci);
                REQUIRE(s);
                CHECK(master::presence_of(*s) == presence::none);
                r = co_await m.read_selected();
                CHECK(r.error == master::errc::timeout);
                // 2100000x matches three meters. Each answers at its own offset, as on a wire, so their
                // E5s garble; their telegrams collide too.
                s = co_await m.select(any(0x2100000F), ci);
                REQUIRE(s);
                CHECK(master::presence_of(*s) == presence::collision);
                r = co_await m.read_selected();
                CHECK(r.error == master::errc::collision);
                CHECK(r.telegrams.empty());
                // No meter has an ID starting 22.
                s = co_await m.select(any(0x22FFFFFF), ci);
                REQUIRE(s);
                CHECK(master::presence_of(*s) == presence::none);
            }
        }
    });
    stop_sim(sim);
}

TEST_CASE("set primary address then read the meter at its new address") {
    const auto sc = load_shipped("water-meters.toml");
    const auto& flat1 = meter_named(sc, "flat-1");
    auto sim = start_sim({"run", MBUS_SOURCE_DIR "/scenarios/water-meters.toml", "--tcp", "0"});
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_tcp(sim.ready);
        bus_master m(*io, sim_options());
        auto ok = co_await m.set_primary_address(flat1.primary_address, 20);
        REQUIRE_MESSAGE(ok, ok.error().message());
        auto r = co_await m.read(20);
        REQUIRE_MESSAGE(r, r.error.message());
        REQUIRE(r.telegrams.size() == 1);
        CHECK(r.telegrams[0].frame.a == 20);
        CHECK(r.telegrams[0].variable()->header.address == flat1.identity);
        auto old = co_await m.ping(flat1.primary_address);
        REQUIRE(old);
        CHECK(old->kind == master::reply_kind::none);
    });
    stop_sim(sim);
}

TEST_CASE("set identification then select the meter by its new ID and reset it") {
    const auto sc = load_shipped("water-meters.toml");
    const auto& flat2 = meter_named(sc, "flat-2");
    auto sim = start_sim({"run", MBUS_SOURCE_DIR "/scenarios/water-meters.toml", "--pty"});
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready);
        bus_master m(*io, sim_options());
        auto ok = co_await m.set_identification(flat2.primary_address, 0x99887766);
        REQUIRE_MESSAGE(ok, ok.error().message());
        auto identity = flat2.identity;
        identity.id = 0x99887766;
        auto s = co_await m.select({identity, {}}, app::ci::select);
        REQUIRE(s);
        CHECK(master::presence_of(*s) == presence::one);
        auto r = co_await m.read_selected();
        check_readout(r, flat2, identity);
        auto reset = co_await m.application_reset(flat2.primary_address);
        CHECK_MESSAGE(reset, reset.error().message());
    });
    stop_sim(sim);
}

TEST_CASE("baud switch on a strict-baud bus moves the meter to the new rate") {
    const temp_scenario file("baud", R"(
[bus]
name = "strict"
baud = 2400
strict_baud = true

[[meter]]
name = "m"
address = 5
id = "55000005"
manufacturer = "TST"
medium = "water"

[[meter.record]]
quantity = "volume"
unit = "l"
type = "int32"
value = 1234
)");
    auto sim = start_sim({"run", file.path().string(), "--pty"});
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready, 2400);
        bus_master m(*io, sim_options());
        auto before = co_await m.read(5);
        REQUIRE_MESSAGE(before, before.error.message());
        // A master at another rate is not heard on a strict bus.
        io.reset();
        io = co_await open_pty(sim.ready, 9600);
        m.set_stream(*io);
        auto wrong = co_await m.ping(5);
        REQUIRE(wrong);
        CHECK(wrong->kind == master::reply_kind::none);
        io.reset();
        io = co_await open_pty(sim.ready, 2400);
        m.set_stream(*io);
        // E5 at the old rate, then the meter listens at 9600 only.
        auto sw = co_await m.switch_baud(5, 9600);
        REQUIRE_MESSAGE(sw, sw.error().message());
        auto silent = co_await m.ping(5);
        REQUIRE(silent);
        CHECK(silent->kind == master::reply_kind::none);
        io.reset();
        io = co_await open_pty(sim.ready, 9600);
        m.set_stream(*io);
        auto after = co_await m.read(5);
        REQUIRE_MESSAGE(after, after.error.message());
        REQUIRE(after.telegrams.size() == 1);
        CHECK(after.telegrams[0].variable()->header.address->id == 0x55000005);
    });
    stop_sim(sim);
}

TEST_CASE("realistic timing paces a multi-telegram readout at 2400 baud and the master reads it whole") {
    const temp_scenario file("paced", R"(
[bus]
name = "paced"
baud = 2400
timing = "realistic"

[[meter]]
name = "p"
address = 9
id = "90000009"
manufacturer = "TST"
medium = "heat"

[[meter.record]]
telegram = 1
quantity = "energy"
unit = "kWh"
type = "bcd8"
value = 1234

[[meter.record]]
quantity = "volume"
unit = "m3"
resolution = 0.01
type = "bcd8"
value = 56.78

[[meter.record]]
telegram = 2
quantity = "energy"
unit = "kWh"
storage = 1
type = "bcd8"
value = 1000
)");
    auto loaded = scenario::load(file.path());
    REQUIRE(loaded);
    const auto& meter = loaded.value->meters.at(0);
    auto sim = start_sim({"run", file.path().string(), "--pty", "--tcp", "0"});
    run_system_test([&]() -> asio::awaitable<void> {
        for (int line = 0; line < 2; ++line) {
            const std::string line_name = line == 0 ? "pty" : "tcp";
            INFO(line_name);
            std::unique_ptr<transport::byte_stream> io;
            if (line == 0)
                io = co_await open_pty(sim.ready);
            else
                io = co_await open_tcp(sim.ready);
            bus_master m(*io, sim_options(true));
            sent_log log;
            m.set_transcript(log.hook());
            auto r = co_await m.read(9);
            check_readout(r, meter, meter.identity);
            REQUIRE(r.telegrams.size() == 2);
            // Each telegram arrived as one frame, its bytes spread over 11 bit times each.
            for (const auto& e : log.entries) {
                if (e.kind != master::transcript_kind::received || e.raw.size() < 20) continue;
                CHECK(e.at - e.first >= (e.raw.size() - 1) * char_time(2400) * 8 / 10);
            }
        }
    });
    stop_sim(sim);
}

TEST_CASE("two meters answering at FE collide") {
    // The second meter answers 3 bit times after the first: even their E5 no longer line up.
    const temp_scenario file("collide", R"(
[bus]
name = "two"
baud = 2400

[[meter]]
name = "a"
address = 1
id = "11000001"
manufacturer = "TST"
medium = "water"

[[meter.record]]
quantity = "volume"
unit = "l"
type = "int32"
value = 1

[[meter]]
name = "b"
address = 2
id = "11000002"
manufacturer = "TST"
medium = "water"
quirks = { skew_bits = 3 }

[[meter.record]]
quantity = "volume"
unit = "l"
type = "int32"
value = 2
)");
    auto sim = start_sim({"run", file.path().string(), "--pty", "--tcp", "0"});
    run_system_test([&]() -> asio::awaitable<void> {
        for (int line = 0; line < 2; ++line) {
            const std::string line_name = line == 0 ? "pty" : "tcp";
            INFO(line_name);
            std::unique_ptr<transport::byte_stream> io;
            if (line == 0)
                io = co_await open_pty(sim.ready);
            else
                io = co_await open_tcp(sim.ready);
            bus_master m(*io, sim_options());
            auto p = co_await m.ping(link::address::broadcast_reply);
            REQUIRE(p);
            INFO("SND_NKE to FE: ", *p);
            CHECK(master::presence_of(*p) == presence::collision);
            CHECK(master::is_collision(p->kind));
            auto t = co_await m.request_ud2(link::address::broadcast_reply);
            CHECK(t.error() == master::errc::collision);
            // Each alone is fine.
            auto a = co_await m.read(1);
            CHECK_MESSAGE(a, a.error.message());
            auto b = co_await m.read(2);
            CHECK_MESSAGE(b, b.error.message());
        }
    });
    stop_sim(sim);
}

TEST_CASE("meters with aligned answers give one E5 at FE and colliding telegrams") {
    // heat-meters.toml with skew_bits = 0 for every meter: they answer in lockstep.
    std::ifstream in(MBUS_SOURCE_DIR "/scenarios/heat-meters.toml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string models = "\"models/";
    const std::string absolute = "\"" MBUS_SOURCE_DIR "/scenarios/models/";
    for (auto at = text.find(models); at != std::string::npos; at = text.find(models, at + absolute.size()))
        text.replace(at, models.size(), absolute);
    const std::string lockstep = "quirks = { skew_bits = 0 }\n";
    for (auto at = text.find("\nid = "); at != std::string::npos;
         at = text.find("\nid = ", at + 1 + lockstep.size()))
        text.insert(at + 1, lockstep);
    const temp_scenario file("lockstep", text);
    auto sim = start_sim({"run", file.path().string(), "--tcp", "0"});
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_tcp(sim.ready);
        bus_master m(*io, sim_options());
        auto p = co_await m.ping(link::address::broadcast_reply);
        REQUIRE(p);
        // Identical E5 sent at the same instant are one E5 on the wire (a wired-AND of equal bits).
        CHECK(p->kind == master::reply_kind::ack);
        auto t = co_await m.request_ud2(link::address::broadcast_reply);
        CHECK(t.error() == master::errc::collision);
    });
    stop_sim(sim);
}

TEST_CASE("the meters of heat-meters answer shifted: their E5 at FE garble") {
    auto sim = start_sim({"run", MBUS_SOURCE_DIR "/scenarios/heat-meters.toml", "--tcp", "0"});
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_tcp(sim.ready);
        bus_master m(*io, sim_options());
        for (int i = 0; i < 5; ++i) { // each request draws the offsets anew: never one clean E5
            auto p = co_await m.ping(link::address::broadcast_reply);
            REQUIRE(p);
            INFO("SND_NKE to FE: ", *p);
            CHECK(master::presence_of(*p) == presence::collision);
        }
    });
    stop_sim(sim);
}

TEST_CASE("sim_process reports a scenario that does not load") {
    sim_process p({"run", "/nonexistent/mbus-no-such-scenario.toml"});
    REQUIRE(p.started());
    CHECK_FALSE(p.wait_ready(std::chrono::seconds(20)).has_value());
    CHECK(p.wait_exit(std::chrono::seconds(20)) == 2);
    CHECK(p.err().find("mbus-no-such-scenario.toml") != std::string::npos);
    CHECK(p.out().empty());
}

TEST_CASE("parse_ready_line reads the fields and refuses other lines") {
    auto r = parse_ready_line("ready pty=/dev/pts/5 tcp=127.0.0.1:5000 meters=1 scenario=demo");
    REQUIRE(r);
    CHECK(r->pty() == "/dev/pts/5");
    CHECK(r->tcp() == "127.0.0.1:5000");
    CHECK(r->get("meters") == "1");
    CHECK(r->get("scenario") == "demo");
    CHECK(r->get("link").empty());
    CHECK_FALSE(parse_ready_line("mbus-sim: error"));
    CHECK_FALSE(parse_ready_line("ready pty"));
}
