// When a replay's chunks go (capture/replay.hpp): a capture's own times, intervals, the line rate.

#include <doctest/doctest.h>

#include <mbus/capture/replay.hpp>

using namespace mbus;
using capture::micros;

TEST_CASE("a capture replays at its recorded times scaled by the speed") {
    capture::replay_config r;
    r.chunks = {{micros{500'000}, {0x7E}}, {micros{2'500'000}, {0x7E, 0x01}}, {micros{4'500'000}, {0x02}}};
    r.end = micros{6'000'000};
    CHECK(capture::offsets(r) == std::vector<micros>{micros{500'000}, micros{2'500'000}, micros{4'500'000}});
    CHECK(capture::period(r) == micros{6'000'000}); // the recorded length: the quiet time after the last
    r.speed = 10;
    CHECK(capture::scaled(r, micros{2'500'000}) == micros{250'000});
    r.end.reset(); // killed: ends at its last chunk plus that chunk's line time (11 bits at 2400 baud)
    CHECK(capture::period(r) == micros{4'500'000 + 4583});
    CHECK(capture::total_bytes(r) == 4);
}

TEST_CASE("chunks without times go an interval apart or back to back at the baud rate") {
    capture::replay_config r;
    r.format = capture::replay_format::hex;
    r.chunks = {{std::nullopt, bytes(24, 0x7E)}, {std::nullopt, bytes(48, 0x7E)}, {std::nullopt, {0x01}}};
    r.baud = 2400;
    // 24 characters of 11 bits at 2400 baud: 110 ms; 48: 220 ms.
    CHECK(capture::offsets(r) == std::vector<micros>{micros{0}, micros{110'000}, micros{330'000}});
    CHECK(capture::period(r) == micros{330'000 + 4583});
    r.interval = micros{2'500'000};
    CHECK(capture::offsets(r) == std::vector<micros>{micros{0}, micros{2'500'000}, micros{5'000'000}});
    CHECK(capture::period(r) == micros{7'500'000});
    CHECK(capture::name_of(r.format) == "hex");
}
