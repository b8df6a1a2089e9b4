// The fault engine on a real bus: one test per fault kind with the bytes the master would get, then
// the triggers (every, after, probability, window, request kinds, scope, switching).

#include <doctest/doctest.h>

#include <mbus/app/secondary_address.hpp>
#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/fault.hpp>
#include <mbus/sim/uart_rate.hpp>

#include "sim_support.hpp"

#include <memory>
#include <tuple>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;
using namespace std::chrono_literals;

namespace {

const bytes e5{0xE5};

// The water meter's first RSP_UD, as it leaves the meter.
const bytes clean{
    0x68, 0x15, 0x15, 0x68,             // start, L = 21, L, start
    0x08, 0x05, 0x72,                   // C = RSP_UD, A = 5, CI = 72 (long header)
    0x78, 0x56, 0x34, 0x12,             // ID 12345678
    0x2D, 0x2C, 0x01, 0x07,             // KAM, version 1, water
    0x00, 0x00, 0x00, 0x00,             // access number 0, status 0, signature
    0x0C, 0x13, 0x78, 0x56, 0x34, 0x12, // volume 12345678 l
    0x27, 0x16,                         // CS, stop
};

fault_spec spec(fault_action a, std::string name = "f") {
    fault_spec f;
    f.name = std::move(name);
    f.action = std::move(a);
    return f;
}

struct rig {
    bus b;
    std::shared_ptr<fault_engine> faults;
    explicit rig(std::vector<fault_spec> specs, std::vector<meter_config> meters = {water_meter()},
                 std::uint64_t seed = 1) {
        std::vector<std::string> names;
        for (auto& m : meters) {
            names.push_back(m.name);
            b.add(std::move(m));
        }
        faults = std::make_shared<fault_engine>(std::move(specs), std::move(names), seed, time_point{});
        b.set_hooks(faults);
    }
    bus_reply ask(const link::frame& f, double at = 1.0) { return b.on_frame(f, 2400, at_seconds(at)); }
};

bytes single(const fault_spec& f, const link::frame& request) {
    rig r({f});
    auto reply = r.ask(request);
    CHECK(reply.injected.size() == 1);
    return reply.wire;
}

} // namespace

TEST_CASE("fault the clean answer these tests change") {
    rig r({});
    const auto reply = r.ask(req_ud2(5, false));
    CHECK(reply.wire == clean);
    CHECK(reply.injected.empty());
}

TEST_CASE("fault no_answer drops the answer and says so") {
    rig r({spec(faults::no_answer{}, "drop")});
    const auto reply = r.ask(snd_nke(5));
    CHECK(reply.silent());
    REQUIRE(reply.injected.size() == 1);
    CHECK(reply.injected[0] == "meter water: no answer (fault 'drop')");
    REQUIRE(reply.events.size() == 1); // the meter did take the request
    CHECK(reply.events[0].reply.is_ack());
}

TEST_CASE("fault late sets a fixed delay beyond the response window") {
    auto f = spec(faults::late{});
    std::get<faults::late>(f.action).delay = {1500ms, 1500ms};
    rig r({f});
    const auto reply = r.ask(snd_nke(5));
    CHECK(reply.wire == e5);
    CHECK(reply.delay == 1500ms);
    CHECK(reply.injected[0] == "meter water: late answer after 1500 ms (fault 'f')");
}

TEST_CASE("fault late draws from a range and the same seed draws the same") {
    auto f = spec(faults::late{});
    std::get<faults::late>(f.action).delay = {100ms, 300ms};
    const auto delays = [&](std::uint64_t seed) {
        rig r({f}, {water_meter()}, seed);
        std::vector<microseconds> out;
        for (int i = 0; i < 8; ++i)
            out.push_back(r.ask(snd_nke(5)).delay);
        return out;
    };
    const auto a = delays(7);
    for (const auto d : a) {
        CHECK(d >= 100ms);
        CHECK(d <= 300ms);
    }
    CHECK(delays(7) == a);
    CHECK(delays(8) != a);
}

TEST_CASE("fault gap puts a pause inside the answer") {
    auto f = spec(faults::gap{});
    std::get<faults::gap>(f.action).pause = {10, 200ms};
    rig r({f});
    const auto reply = r.ask(req_ud2(5, false));
    CHECK(reply.wire == clean); // the bytes are intact; the runner pauses after byte 10
    REQUIRE(reply.gaps.size() == 1);
    CHECK(reply.gaps[0] == answer::gap{10, 200ms});
    // An E5 has no middle: nothing to do.
    CHECK(r.ask(snd_nke(5)).injected.empty());
}

TEST_CASE("fault bad_checksum adds to CS") {
    auto f = spec(faults::bad_checksum{});
    std::get<faults::bad_checksum>(f.action).delta = 1;
    auto want = clean;
    want[25] = 0x28; // CS 27 + 1
    const auto got = single(f, req_ud2(5, false));
    CHECK(got == want);
    CHECK(link::decode(got).error() == link::errc::bad_checksum);
    // An E5 has no checksum: left alone.
    rig r({f});
    CHECK(r.ask(snd_nke(5)).wire == e5);
}

TEST_CASE("fault bad_stop replaces the stop byte") {
    auto f = spec(faults::bad_stop{});
    std::get<faults::bad_stop>(f.action).stop = 0x00;
    auto want = clean;
    want[26] = 0x00;
    const auto got = single(f, req_ud2(5, false));
    CHECK(got == want);
    CHECK(link::decode(got).error() == link::errc::bad_stop);
}

TEST_CASE("fault bad_length changes both L bytes or one") {
    auto f = spec(faults::bad_length{});
    std::get<faults::bad_length>(f.action).delta = 1;
    auto both = clean;
    both[1] = both[2] = 0x16; // L 21 + 1: the frame claims one byte more than it has
    CHECK(single(f, req_ud2(5, false)) == both);
    std::get<faults::bad_length>(f.action).which = length_field::second;
    std::get<faults::bad_length>(f.action).delta = -2;
    auto second = clean;
    second[2] = 0x13; // the two L bytes disagree
    const auto got = single(f, req_ud2(5, false));
    CHECK(got == second);
    CHECK(link::decode(got).error() == link::errc::length_mismatch);
}

TEST_CASE("fault truncate keeps the first bytes") {
    auto f = spec(faults::truncate{});
    std::get<faults::truncate>(f.action).keep = 5;
    CHECK(single(f, req_ud2(5, false)) == bytes{0x68, 0x15, 0x15, 0x68, 0x08}); // cut after C
}

TEST_CASE("fault bit_errors at rate 1 flips every data bit") {
    auto f = spec(faults::bit_errors{});
    std::get<faults::bit_errors>(f.action).rate = 1.0;
    CHECK(single(f, snd_nke(5)) == bytes{0x1A}); // E5 inverted
}

TEST_CASE("fault bit_errors at a low rate repeats with its seed") {
    auto f = spec(faults::bit_errors{});
    std::get<faults::bit_errors>(f.action).rate = 0.02;
    f.trigger.seed = 42;
    const auto run = [&](std::uint64_t bus_seed) {
        rig r({f}, {water_meter()}, bus_seed);
        std::vector<bytes> out;
        for (int i = 0; i < 10; ++i)
            out.push_back(r.ask(req_ud2(5, false)).wire);
        return out;
    };
    const auto a = run(1);
    CHECK(run(2) == a); // the fault's own seed wins over the bus seed
    std::size_t changed = 0;
    for (const auto& w : a) {
        REQUIRE(w.size() == clean.size());
        for (std::size_t i = 0; i < w.size(); ++i)
            changed += static_cast<std::size_t>(std::popcount(static_cast<unsigned>(w[i] ^ clean[i])));
    }
    // 10 answers of 27 bytes at 2 %: about 43 flipped bits.
    CHECK(changed > 15);
    CHECK(changed < 80);
}

TEST_CASE("fault garbage before and after the frame") {
    auto f = spec(faults::garbage{});
    std::get<faults::garbage>(f.action).prefix = {0xAA, 0x55};
    std::get<faults::garbage>(f.action).suffix = {0xFF};
    CHECK(single(f, snd_nke(5)) == bytes{0xAA, 0x55, 0xE5, 0xFF});
    std::get<faults::garbage>(f.action).prefix.clear();
    std::get<faults::garbage>(f.action).prefix_random = 3;
    std::get<faults::garbage>(f.action).suffix.clear();
    const auto got = single(f, snd_nke(5));
    REQUIRE(got.size() == 4);
    CHECK(got[3] == 0xE5);
}

TEST_CASE("fault ack_junk follows an E5 with junk and leaves frames alone") {
    auto f = spec(faults::ack_junk{});
    std::get<faults::ack_junk>(f.action).junk = {0xFE, 0x01};
    CHECK(single(f, snd_nke(5)) == bytes{0xE5, 0xFE, 0x01});
    rig r({f});
    const auto reply = r.ask(req_ud2(5, false));
    CHECK(reply.wire == clean);
    CHECK(reply.injected.empty());
}

TEST_CASE("fault echo sends the request back before the answer") {
    bytes want{0x10, 0x40, 0x05, 0x45, 0x16}; // the SND_NKE as the master sent it
    want.push_back(0xE5);
    CHECK(single(spec(faults::echo{}), snd_nke(5)) == want);
}

TEST_CASE("fault duplicate sends the answer twice") {
    auto want = clean;
    want.insert(want.end(), clean.begin(), clean.end());
    CHECK(single(spec(faults::duplicate{}), req_ud2(5, false)) == want);
}

TEST_CASE("fault wrong_address answers with another A and a valid checksum") {
    auto f = spec(faults::wrong_address{});
    std::get<faults::wrong_address>(f.action).address = 9;
    auto want = clean;
    want[5] = 0x09;  // A
    want[25] = 0x2B; // CS 27 - 5 + 9
    const auto got = single(f, req_ud2(5, false));
    CHECK(got == want);
    REQUIRE(link::decode(got));
    std::get<faults::wrong_address>(f.action).address.reset(); // the meter's own + 1
    CHECK(single(f, req_ud2(5, false))[5] == 0x06);
}

TEST_CASE("fault ignore_fcb gives the first telegram to a toggled FCB") {
    const auto pages = [](std::vector<fault_spec> specs) {
        rig r(std::move(specs), {two_page_meter()});
        r.ask(snd_nke(5));
        std::vector<byte> last_records; // the first record's DIF tells the page: 0C page 1, 04 page 2
        for (bool fcb : {true, false, true}) {
            auto reply = r.ask(req_ud2(5, fcb));
            REQUIRE(reply.wire.size() > 20);
            last_records.push_back(reply.wire[19]);
        }
        return last_records;
    };
    CHECK(pages({}) == std::vector<byte>{0x0C, 0x04, 0x0C}); // standard: page 2 after the toggle
    CHECK(pages({spec(faults::ignore_fcb{})}) == std::vector<byte>{0x0C, 0x0C, 0x0C});
    rig r({spec(faults::ignore_fcb{})}, {two_page_meter()});
    CHECK(r.ask(req_ud2(5, true)).injected.at(0) ==
          "meter water: took C=7B as FCV=0 (ignores the FCB) (fault 'f')");
}

TEST_CASE("fault access_number replaces the header byte and fixes CS") {
    auto f = spec(faults::access_number{});
    std::get<faults::access_number>(f.action).value = 0x42;
    auto want = clean;
    want[access_at] = 0x42;
    want[25] = 0x69; // CS 27 + 42
    CHECK(single(f, req_ud2(5, false)) == want);
}

TEST_CASE("fault status_flags ORs into the status byte and fixes CS") {
    auto f = spec(faults::status_flags{});
    std::get<faults::status_flags>(f.action).flags = 0x08; // permanent error
    auto want = clean;
    want[access_at + 1] = 0x08;
    want[25] = 0x2F;
    CHECK(single(f, req_ud2(5, false)) == want);
}

TEST_CASE("fault app_error replaces the answer with CI 70") {
    auto f = spec(faults::app_error{});
    std::get<faults::app_error>(f.action).status = 0x02;
    CHECK(single(f, req_ud2(5, false)) == bytes{0x68, 0x04, 0x04, 0x68, // start, L = 4
                                                0x08, 0x05, 0x70, // RSP_UD, A = 5, CI 70 application error
                                                0x02,             // status 02
                                                0x7F, 0x16});     // CS, stop
}

TEST_CASE("fault any_address makes the meter answer at every primary address") {
    rig plain({});
    CHECK(plain.ask(snd_nke(7)).silent());
    rig r({spec(faults::any_address{})});
    auto reply = r.ask(snd_nke(7));
    CHECK(reply.wire == e5);
    CHECK(reply.injected.at(0) == "meter water: took address 7 as its own (fault 'f')");
    CHECK(r.ask(req_ud2(200, false)).wire == clean); // A = 5: its own address in the answer
    CHECK(r.ask(snd_nke(0xFF)).injected.empty());    // broadcasts stay broadcasts
}

TEST_CASE("fault engine names the meters that must hear every request") {
    std::vector<meter_config> three;
    for (const auto& [name, address, id] : {std::tuple{"a", 1, 0x11111111U}, std::tuple{"b", 2, 0x22222222U},
                                            std::tuple{"c", 3, 0x33333333U}}) {
        auto m = water_meter();
        m.name = name;
        m.primary_address = static_cast<byte>(address);
        m.identity.id = id;
        three.push_back(m);
    }
    auto anywhere = spec(faults::any_address{}, "anywhere");
    anywhere.meter = "b";
    auto sleepy = spec(faults::wake_up{}, "sleepy");
    std::get<faults::wake_up>(sleepy.action).count = 1;
    sleepy.meter = "a";
    auto everyone = spec(faults::preamble{}, "everyone"); // the whole bus, switched off
    everyone.active = false;
    rig r({anywhere, sleepy, spec(faults::late{}, "late"), everyone}, three);
    // Faults on the answers need no one to listen: they see the answers.
    CHECK(r.faults->listening() == listeners{false, {1, 0}}); // in the order of the faults

    // b takes a request to c's address as its own, though the bus would not offer it to b.
    const auto both = r.ask(snd_nke(3));
    REQUIRE(both.answers.size() == 2);
    CHECK(both.answers[0].slave == 1);
    CHECK(both.answers[1].slave == 2);
    // A select for c is addressed to every meter: it is the one request a sleeps through.
    const auto select = snd_ud(0xFD, 0x52, app::encode_select(0x52, {{0x33333333, 0xFFFF, 0xFF, 0xFF}, {}}));
    CHECK(r.ask(select).injected.at(0) ==
          "meter a: asleep: request 1 of 1 after power-on not heard (fault 'sleepy')");
    const auto awake = r.ask(snd_nke(1)); // a answers now (and b, which answers everything)
    REQUIRE(awake.answers.size() == 2);
    CHECK(awake.answers[0].slave == 0);

    CHECK(r.faults->set_active("everyone", true));
    CHECK(r.faults->listening().all);
}

TEST_CASE("fault wrong_baud gives what a UART at the line rate reads") {
    auto f = spec(faults::wrong_baud{});
    std::get<faults::wrong_baud>(f.action).baud = 1200;
    rig r({f});
    const auto reply = r.ask(snd_nke(5));
    // E5 at 1200 read at 2400: E5 = 1110 0101, LSB first 1 0 1 0 0 1 1 1, each bit two receiver bits.
    CHECK(reply.wire == values(receive_at_rate(e5, 1200, 2400)));
    CHECK(reply.wire != e5);
    CHECK(reply.injected.at(0).find("a 2400 baud UART read") != std::string::npos);
    // The meter at the line's rate: nothing to do.
    std::get<faults::wrong_baud>(f.action).baud = 2400;
    rig same({f});
    CHECK(same.ask(snd_nke(5)).wire == e5);
}

TEST_CASE("fault wake_up ignores the first requests after power-on") {
    auto f = spec(faults::wake_up{});
    std::get<faults::wake_up>(f.action).count = 2;
    rig r({f});
    CHECK(r.ask(snd_nke(5)).silent());
    CHECK(r.ask(snd_nke(5)).silent());
    CHECK(r.ask(snd_nke(5)).wire == e5);
    CHECK(r.ask(snd_nke(6)).injected.empty()); // not addressed to it: does not count
    r.faults->power_cycled(0);
    const auto asleep = r.ask(snd_nke(5));
    CHECK(asleep.silent());
    CHECK(asleep.injected.at(0) ==
          "meter water: asleep: request 1 of 2 after power-on not heard (fault 'f')");
}

TEST_CASE("fault preamble wants 0x00 bytes before the frame") {
    auto f = spec(faults::preamble{});
    std::get<faults::preamble>(f.action).zeros = 2;
    rig r({f});
    const auto with = [&](std::size_t zeros) {
        request_context ctx;
        ctx.line_baud = 2400;
        ctx.preamble_zeros = zeros;
        return r.b.on_frame(snd_nke(5), ctx, at_seconds(1));
    };
    CHECK(with(0).silent());
    CHECK(with(1).injected.at(0) == "meter water: not heard: 1 preamble 0x00 bytes, needs 2 (fault 'f')");
    CHECK(with(2).wire == e5);
}

// Triggers.

namespace {

// For each of n SND_NKE: whether the answer was dropped.
std::vector<bool> drops(rig& r, int n, double step_s = 0.5) {
    std::vector<bool> out;
    for (int i = 0; i < n; ++i)
        out.push_back(r.ask(snd_nke(5), step_s * i).silent());
    return out;
}

} // namespace

TEST_CASE("fault trigger every third request") {
    auto f = spec(faults::no_answer{});
    f.trigger.every = 3;
    rig r({f});
    CHECK(drops(r, 7) == std::vector<bool>{false, false, true, false, false, true, false});
}

TEST_CASE("fault trigger after two requests and every second after that") {
    auto f = spec(faults::no_answer{});
    f.trigger.after = 2;
    rig r({f});
    CHECK(drops(r, 4) == std::vector<bool>{false, false, true, true});
    f.trigger.every = 2;
    rig r2({f});
    CHECK(drops(r2, 6) == std::vector<bool>{false, false, false, true, false, true});
}

TEST_CASE("fault trigger probability repeats with one seed and differs with another") {
    auto f = spec(faults::no_answer{});
    f.trigger.probability = 0.5;
    const auto pattern = [&](std::uint64_t seed) {
        rig r({f}, {water_meter()}, seed);
        return drops(r, 64);
    };
    const auto a = pattern(1);
    CHECK(pattern(1) == a);
    CHECK(pattern(2) != a);
    const auto n = std::count(a.begin(), a.end(), true);
    CHECK(n > 16);
    CHECK(n < 48);
}

TEST_CASE("fault trigger within a time window") {
    auto f = spec(faults::no_answer{});
    f.trigger.from = 2s;
    f.trigger.until = 3s;
    rig r({f});
    // At 0, 0.5, ..., 4 s: dropped at 2 and 2.5 (until is exclusive).
    CHECK(drops(r, 9) == std::vector<bool>{false, false, false, false, true, true, false, false, false});
}

TEST_CASE("fault trigger by request kind") {
    auto f = spec(faults::no_answer{});
    f.trigger.requests = {link::request_kind::req_ud2};
    rig r({f});
    CHECK(r.ask(snd_nke(5)).wire == e5);
    CHECK(r.ask(req_ud2(5, false)).silent());
}

TEST_CASE("fault for one meter leaves the others alone") {
    auto other = water_meter();
    other.name = "heat";
    other.primary_address = 6;
    auto f = spec(faults::no_answer{});
    f.meter = "heat";
    rig r({f}, {water_meter(), other});
    CHECK(r.ask(snd_nke(5)).wire == e5);
    const auto reply = r.ask(snd_nke(6));
    CHECK(reply.silent());
    CHECK(reply.injected.at(0) == "meter heat: no answer (fault 'f')");
    // At FE both answer; only heat's answer is dropped, so water's E5 comes through clean.
    const auto fe = r.ask(snd_nke(0xFE));
    CHECK(fe.wire == e5);
    CHECK_FALSE(fe.collision);
}

TEST_CASE("fault set_active switches a fault and inactive faults do not count") {
    auto f = spec(faults::no_answer{}, "later");
    f.active = false;
    f.trigger.after = 1;
    rig r({f});
    CHECK(r.ask(snd_nke(5)).wire == e5);
    CHECK(r.ask(snd_nke(5)).wire == e5);
    CHECK(r.faults->active("later") == false);
    CHECK(r.faults->set_active("later", true));
    CHECK_FALSE(r.faults->set_active("nope", true));
    CHECK(r.ask(snd_nke(5)).wire == e5); // the first matching request while active passes (after = 1)
    CHECK(r.ask(snd_nke(5)).silent());
    CHECK(r.faults->set_active("later", false));
    CHECK(r.ask(snd_nke(5)).wire == e5);
}

TEST_CASE("fault several faults apply in scenario order") {
    auto g = spec(faults::garbage{}, "g");
    std::get<faults::garbage>(g.action).suffix = {0x00};
    auto d = spec(faults::duplicate{}, "d");
    rig r({g, d});
    const auto reply = r.ask(snd_nke(5));
    CHECK(reply.wire == bytes{0xE5, 0x00, 0xE5, 0x00});
    CHECK(reply.injected.size() == 2);
}
