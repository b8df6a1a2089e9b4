// core::errc: the codes of the hex helpers, their messages, and from_hex giving them.

#include "support/errc.hpp"

#include <mbus/core/bytes.hpp>
#include <mbus/core/errc.hpp>

#include <doctest/doctest.h>

using namespace mbus;

TEST_CASE("core errc codes and messages") {
    test::check_errc<errc>("mbus.core",
                           {
                               {errc::invalid_hex, "invalid hex digit"},
                               {errc::odd_hex_digits, "odd number of hex digits"},
                               {errc::empty_input, "no bytes in input"},
                           },
                           "unknown core error");
}

TEST_CASE("core errc comes from from_hex") {
    CHECK(from_hex("10 5B 0G").error() == errc::invalid_hex);
    CHECK(from_hex(" \n").error() == errc::empty_input);
    CHECK(from_hex("10 5B 0").error() == std::error_code{}); // a lone digit at the end is a byte
    CHECK(from_hex("10 5B 01").error() == std::error_code{});
}
