// What a UART at one rate reads from 8E1 characters sent at another.

#include <doctest/doctest.h>

#include <mbus/sim/uart_rate.hpp>

#include <vector>

using namespace mbus;
using namespace mbus::sim;

namespace {

bytes values(const std::vector<received_byte>& r) {
    bytes out;
    for (const auto& b : r)
        out.push_back(b.value);
    return out;
}

} // namespace

TEST_CASE("uart at another rate: twice as fast and twice as slow") {
    // 00 at 4800 read at 2400: the line is space for 5 receiver bits, so data bits 0-3 are 0 and
    // 4-7 mark, the parity sample is mark: F0 with a parity error.
    CHECK(receive_at_rate(bytes{0x00}, 4800, 2400) == std::vector<received_byte>{{0xF0, true, false}});
    // 00 at 1200 read at 2400: space for 20 receiver bits: 00, and the stop bit is space.
    CHECK(receive_at_rate(bytes{0x00}, 1200, 2400) == std::vector<received_byte>{{0x00, false, true}});
}

TEST_CASE("uart at the same rate reads every character intact") {
    const bytes telegram{0x68, 0x03, 0x03, 0x68, 0x08, 0x05, 0x72, 0x7F, 0x16}; // a short long frame
    const auto r = receive_at_rate(telegram, 2400, 2400);
    CHECK(values(r) == telegram);
    for (const auto& b : r) {
        CHECK_FALSE(b.parity_error);
        CHECK_FALSE(b.framing_error);
    }
    CHECK(receive_at_rate(bytes{}, 2400, 9600).empty()); // nothing sent, nothing read
}

TEST_CASE("uart four times too slow cannot read a character sent four times faster whole") {
    // E5 at 9600 lasts 1.15 ms; a receiver at 2400 samples one character's worth from its start bit
    // and what it reads is not E5 intact.
    const auto r = receive_at_rate(bytes{0xE5}, 9600, 2400);
    REQUIRE_FALSE(r.empty());
    CHECK_FALSE((r.size() == 1 && r[0] == received_byte{0xE5, false, false}));
}
