// Each fault kind from a scenario file, seen by the project's master over the real mbus-sim's pty:
// what reply kind and which bytes it gets. Most faults carry `after = 1`, so the first request of a
// test gets the clean answer (the reference) and the second the faulted one; the meter's access
// number is fixed and its value constant, so both would otherwise be the same bytes.

#include "support.hpp"

#include <mbus/link/frame.hpp>
#include <mbus/master/exchange.hpp>
#include <mbus/sim/uart_rate.hpp>

#include <string>

// GCC 12 at -O2 warns that Asio's coroutine frames are freed by a mismatched operator delete once a
// coroutine lambda grows large; a false positive (Asio's frame allocator pairs them).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

using namespace mbus;
using namespace mbus::test;
using master::reply_kind;

namespace {

// One water meter at address 5 whose answers do not change from one request to the next.
const std::string meter_toml = "[bus]\n"
                               "seed = 5\n"
                               "[[meter]]\n"
                               "name = \"water\"\n"
                               "address = 5\n"
                               "id = \"12345678\"\n"
                               "manufacturer = \"TST\"\n"
                               "medium = \"water\"\n"
                               "access_number = { start = 0, fixed = true }\n"
                               "[[meter.record]]\n"
                               "quantity = \"volume\"\n"
                               "unit = \"m3\"\n"
                               "resolution = 0.001\n"
                               "type = \"bcd8\"\n"
                               "value = 12.345\n";

const link::frame snd_nke = link::frame::short_frame(0x40, 5);
const link::frame req_ud2 = link::frame::short_frame(0x5B, 5);

// A running simulator with `fault` (one [[fault]] table's keys) and the master on its pty.
struct fault_rig {
    temp_scenario file;
    running_sim sim;
    fault_rig(const std::string& name, const std::string& fault)
        : file(name, meter_toml + "[[fault]]\nname = \"" + name + "\"\n" + fault),
          sim(start_sim({"run", file.path().string(), "--pty"})) {}
    ~fault_rig() { stop_sim(sim); }
};

// Sends each request in turn with no retries and returns what came back.
std::vector<master::reply> exchanges(fault_rig& rig, std::vector<link::frame> requests) {
    std::vector<master::reply> out;
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(rig.sim.ready);
        master::bus_master m(*io, sim_options());
        for (const auto& f : requests) {
            auto r = co_await m.exchange(f);
            REQUIRE_MESSAGE(r, r.error().message());
            out.push_back(*r);
        }
    });
    return out;
}

// The first request clean, the second faulted.
std::pair<master::reply, master::reply> clean_then_fault(const std::string& name, const std::string& fault,
                                                         const link::frame& request) {
    fault_rig rig(name, fault + "after = 1\n");
    auto r = exchanges(rig, {request, request});
    REQUIRE(r.size() == 2);
    return {r[0], r[1]};
}

bytes frame_of(const master::reply& r) {
    REQUIRE(r.kind == reply_kind::frame);
    return r.raw;
}

} // namespace

TEST_CASE("fault system no_answer: the master times out") {
    const auto [clean, faulted] = clean_then_fault("no-answer", "kind = \"no_answer\"\n", req_ud2);
    CHECK(clean.kind == reply_kind::frame);
    CHECK(faulted.kind == reply_kind::none);
    CHECK(faulted.raw.empty());
}

TEST_CASE("fault system late inside the master's window arrives late") {
    fault_rig rig("late", "kind = \"late\"\ndelay_ms = 300\n");
    std::vector<duration> took;
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(rig.sim.ready);
        master::bus_master m(*io, sim_options());
        const auto t0 = clock::now();
        auto r = co_await m.exchange(snd_nke);
        REQUIRE(r);
        CHECK(r->kind == reply_kind::ack);
        CHECK(clock::now() - t0 >= std::chrono::milliseconds(300));
    });
}

TEST_CASE("fault system late beyond the timeout lands in the next exchange") {
    // The master waits 600 ms; the answer to the REQ_UD2 comes after 900 ms, in the middle of the
    // wait for the SND_NKE's answer (600 .. 1200 ms), and the SND_NKE's own E5 follows it.
    fault_rig rig("stale", "kind = \"late\"\ndelay_ms = 900\nrequests = [\"REQ_UD2\"]\nafter = 1\n");
    const auto r = exchanges(rig, {req_ud2, req_ud2, snd_nke});
    const auto clean = frame_of(r[0]);
    CHECK(r[1].kind == reply_kind::none);
    REQUIRE(r[2].raw.size() >= clean.size());
    CHECK(bytes(r[2].raw.begin(), r[2].raw.begin() + static_cast<std::ptrdiff_t>(clean.size())) == clean);
    CHECK(r[2].kind != reply_kind::ack); // not the clean E5 the SND_NKE wanted
}

TEST_CASE("fault system gap: the master's quiet-line timeout cuts the frame") {
    const auto [clean, faulted] =
        clean_then_fault("gap", "kind = \"gap\"\nat_byte = 10\npause_ms = 300\n", req_ud2);
    const auto want = frame_of(clean);
    CHECK(faulted.kind == reply_kind::garbled);
    CHECK(faulted.raw == bytes(want.begin(), want.begin() + 10));
}

TEST_CASE("fault system bad_checksum") {
    const auto [clean, faulted] = clean_then_fault("bad-cs", "kind = \"bad_checksum\"\n", req_ud2);
    auto want = frame_of(clean);
    want[want.size() - 2] = static_cast<byte>(want[want.size() - 2] + 1);
    CHECK(faulted.kind == reply_kind::garbled);
    CHECK(faulted.raw == want);
}

TEST_CASE("fault system bad_stop") {
    const auto [clean, faulted] = clean_then_fault("bad-stop", "kind = \"bad_stop\"\nstop = 0x00\n", req_ud2);
    auto want = frame_of(clean);
    want.back() = 0x00;
    CHECK(faulted.kind == reply_kind::garbled);
    CHECK(faulted.raw == want);
}

TEST_CASE("fault system bad_length") {
    const auto [clean, faulted] =
        clean_then_fault("bad-length", "kind = \"bad_length\"\nwhich = \"second\"\n", req_ud2);
    auto want = frame_of(clean);
    want[2] = static_cast<byte>(want[2] + 1); // the two L bytes disagree
    CHECK(faulted.kind == reply_kind::garbled);
    CHECK(faulted.raw == want);
}

TEST_CASE("fault system truncate") {
    const auto [clean, faulted] = clean_then_fault("truncate", "kind = \"truncate\"\nkeep = 7\n", req_ud2);
    const auto want = frame_of(clean);
    CHECK(faulted.kind == reply_kind::garbled);
    CHECK(faulted.raw == bytes(want.begin(), want.begin() + 7));
}

TEST_CASE("fault system bit_errors at rate 1 invert the E5") {
    const auto [clean, faulted] = clean_then_fault("bits", "kind = \"bit_errors\"\nrate = 1\n", snd_nke);
    CHECK(clean.kind == reply_kind::ack);
    CHECK(faulted.kind == reply_kind::garbled);
    CHECK(faulted.raw == bytes{0x1A});
}

TEST_CASE("fault system garbage around the E5") {
    const auto [clean, faulted] =
        clean_then_fault("garbage", "kind = \"garbage\"\nprefix = \"AA 55\"\nsuffix = \"FF\"\n", snd_nke);
    CHECK(clean.kind == reply_kind::ack);
    CHECK(master::is_collision(faulted.kind));
    CHECK(faulted.raw == bytes{0xAA, 0x55, 0xE5, 0xFF});
}

TEST_CASE("fault system ack_junk") {
    const auto [clean, faulted] =
        clean_then_fault("ack-junk", "kind = \"ack_junk\"\njunk = \"FE\"\n", snd_nke);
    CHECK(faulted.kind == reply_kind::extra_after_ack);
    CHECK(faulted.raw == bytes{0xE5, 0xFE});
}

TEST_CASE("fault system echo of the request") {
    const auto [clean, faulted] = clean_then_fault("echo", "kind = \"echo\"\n", snd_nke);
    CHECK(faulted.kind == reply_kind::extra_after_frame);
    CHECK(faulted.frame == snd_nke); // the master reads its own request first
    CHECK(faulted.raw == bytes{0x10, 0x40, 0x05, 0x45, 0x16, 0xE5});
}

TEST_CASE("fault system duplicate") {
    const auto [clean, faulted] = clean_then_fault("duplicate", "kind = \"duplicate\"\n", req_ud2);
    auto want = frame_of(clean);
    const auto once = want;
    want.insert(want.end(), once.begin(), once.end());
    CHECK(faulted.kind == reply_kind::extra_after_frame);
    CHECK(faulted.raw == want);
}

TEST_CASE("fault system wrong_address: a valid frame from address 9") {
    const auto [clean, faulted] =
        clean_then_fault("wrong-address", "kind = \"wrong_address\"\naddress = 9\n", req_ud2);
    REQUIRE(faulted.kind == reply_kind::frame);
    CHECK(faulted.frame->a == 9);
    auto want = *clean.frame;
    want.a = 9;
    CHECK(*faulted.frame == want);
}

TEST_CASE("fault system access_number and status_flags with a valid checksum") {
    const auto [clean, faulted] =
        clean_then_fault("access", "kind = \"access_number\"\nvalue = 0x42\n", req_ud2);
    REQUIRE(faulted.kind == reply_kind::frame);
    auto want = *clean.frame;
    want.data[8] = 0x42; // after ID, manufacturer, version, medium
    CHECK(*faulted.frame == want);

    const auto [clean2, status] =
        clean_then_fault("status", "kind = \"status_flags\"\nflags = 0x08\n", req_ud2);
    REQUIRE(status.kind == reply_kind::frame);
    want = *clean2.frame;
    want.data[9] = 0x08; // status: permanent error
    CHECK(*status.frame == want);
}

TEST_CASE("fault system app_error: CI 70") {
    const auto [clean, faulted] =
        clean_then_fault("app-error", "kind = \"app_error\"\nstatus = 2\n", req_ud2);
    CHECK(faulted.kind == reply_kind::frame);
    CHECK(faulted.raw == bytes{0x68, 0x04, 0x04, 0x68, 0x08, 0x05, 0x70, 0x02, 0x7F, 0x16});
}

TEST_CASE("fault system ignore_fcb: a repetition gets a fresh telegram") {
    // Counting access numbers tell a repetition (same bytes) from a fresh telegram (the next number).
    std::string toml = meter_toml;
    toml.replace(toml.find("access_number = { start = 0, fixed = true }"), 43, "access_number = 10");
    const auto run = [&](const std::string& name, const std::string& fault) {
        temp_scenario file(name, toml + fault);
        auto sim = start_sim({"run", file.path().string(), "--pty"});
        std::vector<byte> access;
        run_system_test([&]() -> asio::awaitable<void> {
            auto io = co_await open_pty(sim.ready);
            master::bus_master m(*io, sim_options());
            // SND_NKE, then FCB 1, 0 (toggled), 0 again (a repetition).
            for (const auto& f : {snd_nke, link::frame::short_frame(0x7B, 5),
                                  link::frame::short_frame(0x5B, 5), link::frame::short_frame(0x5B, 5)}) {
                auto r = co_await m.exchange(f);
                REQUIRE(r);
                if (r->kind == reply_kind::frame) access.push_back(r->frame->data.at(8));
            }
        });
        stop_sim(sim);
        return access;
    };
    CHECK(run("fcb-standard", "") == std::vector<byte>{10, 11, 11});
    CHECK(run("fcb-ignored", "[[fault]]\nkind = \"ignore_fcb\"\n") == std::vector<byte>{10, 11, 12});
}

TEST_CASE("fault system any_address: the meter answers at 7 and at 200") {
    fault_rig rig("any-address", "kind = \"any_address\"\n");
    const auto r = exchanges(rig, {link::frame::short_frame(0x40, 7), link::frame::short_frame(0x5B, 200)});
    CHECK(r[0].kind == reply_kind::ack);
    REQUIRE(r[1].kind == reply_kind::frame);
    CHECK(r[1].frame->a == 5); // it still names its own address
}

TEST_CASE("fault system wrong_baud: E5 at 1200 read at 2400") {
    const auto [clean, faulted] =
        clean_then_fault("wrong-baud", "kind = \"wrong_baud\"\nbaud = 1200\n", snd_nke);
    CHECK(clean.kind == reply_kind::ack);
    // Each of the meter's bits lasts two of the UART's: data 0 1 1 0 0 1 1 0 (LSB first) and a
    // space where the stop bit should be (a framing error the pty does not carry).
    CHECK(faulted.raw == bytes{0x66});
    CHECK(faulted.raw == sim::values(sim::receive_at_rate(bytes{0xE5}, 1200, 2400)));
    CHECK(faulted.kind == reply_kind::garbled);
}

TEST_CASE("fault system wake_up: the first request after start goes unheard") {
    fault_rig rig("wake-up", "kind = \"wake_up\"\ncount = 1\n");
    const auto r = exchanges(rig, {snd_nke, snd_nke});
    CHECK(r[0].kind == reply_kind::none);
    CHECK(r[1].kind == reply_kind::ack);
}

TEST_CASE("fault system preamble: heard only after 0x00 bytes") {
    fault_rig rig("preamble", "kind = \"preamble\"\nzeros = 2\n");
    std::vector<master::reply> r;
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(rig.sim.ready);
        const auto t = sim_options().timing;
        for (const auto& wire :
             {bytes{0x10, 0x40, 0x05, 0x45, 0x16}, bytes{0x00, 0x00, 0x10, 0x40, 0x05, 0x45, 0x16}}) {
            auto x = co_await master::exchange(*io, wire, t);
            REQUIRE(x);
            r.push_back(*x);
        }
    });
    REQUIRE(r.size() == 2);
    CHECK(r[0].kind == reply_kind::none);
    CHECK(r[1].kind == reply_kind::ack);
}

TEST_CASE("fault system the same seed gives the same bytes on two runs") {
    const auto run = [](const std::string& seed) {
        temp_scenario file("seeded-" + seed, "[bus]\nseed = " + seed + "\n" +
                                                 meter_toml.substr(meter_toml.find("[[meter]]")) +
                                                 "[[fault]]\nkind = \"bit_errors\"\nrate = 0.03\n");
        auto sim = start_sim({"run", file.path().string(), "--pty"});
        std::vector<bytes> got;
        run_system_test([&]() -> asio::awaitable<void> {
            auto io = co_await open_pty(sim.ready);
            master::bus_master m(*io, sim_options());
            for (int i = 0; i < 6; ++i) {
                auto r = co_await m.exchange(req_ud2);
                REQUIRE(r);
                got.push_back(r->raw);
            }
        });
        stop_sim(sim);
        return got;
    };
    const auto a = run("11");
    CHECK(run("11") == a);
    CHECK(run("12") != a);
    // 27 bytes at 3 % flip about 6 bits each: nearly every answer fails its checksum.
    CHECK(std::count_if(a.begin(), a.end(), [](const bytes& w) { return !link::decode(w); }) >= 4);
}
