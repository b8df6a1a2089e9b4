// scenarios/pymbusslave.toml answers as pyMbusSlave does by default, byte for byte: the first
// REQ_UD2 at address 3 and the next, whose access number (and checksum) is one up, over the real
// mbus-sim's pty and TCP.

#include "support.hpp"

#include <mbus/master/exchange.hpp>

using namespace mbus;
using namespace mbus::test;

namespace {

// pyMbusSlave's first answer to REQ_UD2 at address 3 (its slave.py defaults).
const bytes first_answer = {
    0x68, 0x18, 0x18, 0x68,       // long frame, L = 24 twice
    0x08, 0x03, 0x72,             // RSP_UD, address 3, CI 72
    0x78, 0x56, 0x34, 0x12,       // identification number 12345678
    0x74, 0x52,                   // manufacturer TST
    0x01, 0x00,                   // version 1, medium other
    0x00, 0x00, 0x00, 0x00,       // access number 0, status 0, signature 0
    0x02, 0xFD, 0x49, 0xD2, 0x04, // int16, volts 10^0: 1234 V
    0x02, 0x16, 0xC8, 0x01,       // int16, m3 10^0: 456 m3
    0x57, 0x16,                   // checksum, stop
};

bytes answer_with_access(byte access) {
    auto b = first_answer;
    b[15] = access;                                       // access number
    b[28] = static_cast<byte>(first_answer[28] + access); // the checksum follows it
    return b;
}

// REQ_UD2 to 3 with FCB 0 and then 1, as a master reads twice.
const std::vector<bytes> two_requests{{0x10, 0x5B, 0x03, 0x5E, 0x16}, {0x10, 0x7B, 0x03, 0x7E, 0x16}};

asio::awaitable<void> two_answers(transport::byte_stream& io, byte first_access) {
    const auto t = sim_options().timing;
    for (const auto& request : two_requests) {
        const auto r = co_await master::exchange(io, request, t);
        REQUIRE(r);
        CHECK(to_hex(r->raw) == to_hex(answer_with_access(first_access)));
        ++first_access;
    }
}

} // namespace

TEST_CASE("pymbusslave scenario answers REQ_UD2 byte for byte as pyMbusSlave over pty and tcp") {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "pymbusslave.toml";
    CHECK(to_hex(answer_with_access(0)) ==
          "68 18 18 68 08 03 72 78 56 34 12 74 52 01 00 00 00 00 00 02 FD 49 "
          "D2 04 02 16 C8 01 57 16");
    CHECK(to_hex(answer_with_access(1)) ==
          "68 18 18 68 08 03 72 78 56 34 12 74 52 01 00 01 00 00 00 02 FD 49 "
          "D2 04 02 16 C8 01 58 16");
    auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
    run_system_test([&]() -> asio::awaitable<void> {
        auto pty = co_await open_pty(sim.ready);
        co_await two_answers(*pty, 0);
        // The meter is one for both lines: its access number goes on counting.
        auto tcp = co_await open_tcp(sim.ready);
        co_await two_answers(*tcp, 2);
    });
    stop_sim(sim);
}
