#include <doctest/doctest.h>

#include <mbus/link/frame.hpp>
#include <mbus/link/stream_parser.hpp>
#include <mbus/sim/wire.hpp>

#include <chrono>
#include <vector>

using namespace mbus;
using namespace mbus::sim;

namespace {
received_byte ok(byte b) { return {b, false, false}; }
received_byte parity(byte b) { return {b, true, false}; }
received_byte framing(byte b) { return {b, false, true}; }
received_byte both(byte b) { return {b, true, true}; }

std::vector<received_byte> collide2(const transmission& a, const transmission& b) {
    const std::vector<transmission> s{a, b};
    return collide(s);
}
} // namespace

TEST_CASE("wire serialises 8E1 characters LSB first with even parity") {
    // E5 = 1110 0101: start 0, data 1 0 1 0 0 1 1 1, five ones so parity 1, stop 1
    CHECK(serialise_char(0xE5) ==
          std::vector<bool>{false, true, false, true, false, false, true, true, true, true, true});
    // 00: no ones, parity 0
    CHECK(serialise_char(0x00) ==
          std::vector<bool>{false, false, false, false, false, false, false, false, false, false, true});
}

TEST_CASE("wire one sender arrives unchanged") {
    SUBCASE("every byte value") {
        bytes all(256);
        for (std::size_t i = 0; i < all.size(); ++i)
            all[i] = static_cast<byte>(i);
        const std::vector<transmission> s{{all, 0}};
        const auto rx = collide(s);
        CHECK(values(rx) == all);
        CHECK(received_intact(rx, all));
    }
    SUBCASE("a telegram at a fractional offset") {
        const bytes rsp = link::encode(link::frame::long_frame(0x08, 1, 0x70, {0x00})).value();
        const std::vector<transmission> s{{rsp, 3.4}};
        CHECK(received_intact(collide(s), rsp));
    }
    SUBCASE("nobody sends") { CHECK(collide({}).empty()); }
}

TEST_CASE("wire two aligned E5 look like one E5") {
    const auto rx = collide2({{0xE5}, 0}, {{0xE5}, 0});
    CHECK(rx == std::vector<received_byte>{ok(0xE5)});
    CHECK(received_intact(rx, bytes{0xE5}));
}

TEST_CASE("wire skewed E5 and E5 garble") {
    struct row {
        double skew;
        std::vector<received_byte> rx;
    };
    // The receiver samples mid-bit, so a skew below half a bit does not show.
    const std::vector<row> rows{
        {0.25, {ok(0xE5)}},
        {0.75, {parity(0xC0)}},
        // One bit late, the second start bit lands on the first data bit:
        // bits 1-8 become 0 0 0 0 0 0 1 1 (C0, two ones), parity 1&1: odd, stop 1&1.
        {1.0, {parity(0xC0)}},
        {1.5, {parity(0xC0)}},
        {2.0, {ok(0x85)}},
        {3.0, {parity(0x21)}},
        {5.0, {framing(0xA5)}}, // masters report A5 for E5 collisions (libmbus issue 131)
        {8.0, {both(0x65), ok(0xFE)}},
        // The second start bit sits on the first stop bit; the second E5 is read from its edge.
        {10.0, {framing(0xE5), parity(0xF9)}},
        {11.0, {ok(0xE5), ok(0xE5)}}, // back to back: no overlap, two clean E5
    };
    for (const auto& r : rows) {
        CAPTURE(r.skew);
        const auto rx = collide2({{0xE5}, 0}, {{0xE5}, r.skew});
        CHECK(rx == r.rx);
        // Only the order of the senders in time matters, not their order in the list.
        CHECK(collide2({{0xE5}, r.skew}, {{0xE5}, 0}) == rx);
    }
}

TEST_CASE("wire negative and shifted offsets mean the same line") {
    CHECK(collide2({{0xE5}, -1.0}, {{0xE5}, 0}) == std::vector<received_byte>{parity(0xC0)});
    CHECK(collide2({{0xE5}, 100.0}, {{0xE5}, 101.0}) == std::vector<received_byte>{parity(0xC0)});
}

TEST_CASE("wire a long reply colliding with an E5 garbles its start") {
    const bytes rsp{0x68, 0x04, 0x04, 0x68, // start, L, L, start
                    0x08, 0x01, 0x70, 0x00, // RSP_UD, A=1, CI=70 application error, status
                    0x79, 0x16};            // CS, stop
    const auto rx = collide2({rsp, 0}, {{0xE5}, 0});
    // 68 AND E5 = 60, with 68's parity bit (1) AND E5's (1) = 1 over two ones: odd.
    std::vector<received_byte> expected{parity(0x60)};
    for (std::size_t i = 1; i < rsp.size(); ++i)
        expected.push_back(ok(rsp[i]));
    CHECK(rx == expected);
    const std::vector<transmission> s{{rsp, 0}, {{0xE5}, 0}};
    CHECK_FALSE(intact_sender(rx, s));

    // A master reading these bytes finds no frame at all.
    link::stream_parser p(std::chrono::milliseconds(50));
    auto ev = p.feed(values(rx), time_point{});
    for (auto& e : p.finish())
        ev.push_back(e);
    REQUIRE_FALSE(ev.empty());
    for (const auto& e : ev)
        CHECK_FALSE(e.is_frame());

    SUBCASE("the E5 two bits into the reply") { CHECK(collide2({rsp, 2}, {{0xE5}, 0})[0] == framing(0xA1)); }
}

TEST_CASE("wire intact_sender names the sender the master sees unharmed") {
    const bytes rsp{0x10, 0x08, 0x05, 0x0D, 0x16}; // short RSP_UD from 5
    SUBCASE("far apart senders both arrive but neither alone") {
        const std::vector<transmission> s{{{0xE5}, 0}, {rsp, 20}};
        const auto rx = collide(s);
        CHECK(values(rx) == bytes{0xE5, 0x10, 0x08, 0x05, 0x0D, 0x16});
        CHECK_FALSE(intact_sender(rx, s));
    }
    SUBCASE("a silent second sender") {
        const std::vector<transmission> s{{{}, 0}, {rsp, 0.3}};
        CHECK(intact_sender(collide(s), s) == std::optional<std::size_t>{1});
    }
    SUBCASE("identical aligned replies look like the first sender") {
        const std::vector<transmission> s{{rsp, 0}, {rsp, 0}};
        CHECK(intact_sender(collide(s), s) == std::optional<std::size_t>{0});
    }
    SUBCASE("errors count even when the values match") {
        CHECK_FALSE(received_intact(std::vector<received_byte>{framing(0xE5)}, bytes{0xE5}));
        CHECK_FALSE(received_intact(std::vector<received_byte>{ok(0xE5), ok(0xE5)}, bytes{0xE5}));
    }
}

TEST_CASE("wire level converter delivers 00 for as long as answers overlap") {
    const std::vector<transmission> two_e5{{{0xE5}, 0}, {{0xE5}, 3}};
    // 14 bit times of collision: one 00, as the field's converter gave for two Sharky 775.
    CHECK(level_convert(two_e5, collision_fill::zeros) == std::vector<received_byte>{ok(0x00)});
    CHECK(level_convert(two_e5, collision_fill::line_break) == std::vector<received_byte>{framing(0x00)});
    // Two telegrams of 3 bytes, 5 bits apart: 38 bit times, three 00.
    const std::vector<transmission> frames{{{0x10, 0x20, 0x30}, 5}, {{0x11, 0x21, 0x31}, 0}};
    CHECK(values(level_convert(frames, collision_fill::zeros)) == bytes{0x00, 0x00, 0x00});
    // Answers that do not overlap are no collision: each comes through as sent, in time order.
    const std::vector<transmission> apart{{{0xE5}, 20}, {{0x68}, 0}};
    CHECK(level_convert(apart, collision_fill::zeros) == std::vector<received_byte>{ok(0x68), ok(0xE5)});
    // Aligned identical E5 still draw twice the current: the converter sees the collision.
    const std::vector<transmission> aligned{{{0xE5}, 0}, {{0xE5}, 0}};
    CHECK(level_convert(aligned, collision_fill::zeros) == std::vector<received_byte>{ok(0x00)});
    CHECK(level_convert({}, collision_fill::zeros).empty());
}
