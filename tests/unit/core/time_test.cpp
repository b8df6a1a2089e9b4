// core/time: bit and character times on the wire, the basis of every EN 13757-2 timing window.

#include <mbus/core/time.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using std::chrono::microseconds;

TEST_CASE("time bit time at the M-Bus rates") {
    CHECK(bit_time(300) == microseconds(3333));
    CHECK(bit_time(2400) == microseconds(416));
    CHECK(bit_time(9600) == microseconds(104));
    CHECK(bit_time(38400) == microseconds(26));
}

TEST_CASE("time an 8E1 character is eleven bits") {
    // start + 8 data + parity + stop; computed from 11 s so as not to multiply the rounded bit time.
    CHECK(char_time(2400) == microseconds(4583));
    CHECK(char_time(300) == microseconds(36666));
    CHECK(char_time(9600) == microseconds(1145));
    CHECK(char_time(2400) > 11 * bit_time(2400));
}

TEST_CASE("time zero baud does not divide by zero") {
    CHECK(bit_time(0) == microseconds(1'000'000));
    CHECK(char_time(0) == microseconds(11'000'000));
}

TEST_CASE("time is usable at compile time and on the steady clock") {
    static_assert(char_time(2400) == microseconds(4583));
    static_assert(clock::is_steady);
    const duration d = char_time(2400);
    CHECK(d == microseconds(4583));
}
