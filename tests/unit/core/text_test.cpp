#include <doctest/doctest.h>

#include <mbus/core/text.hpp>

TEST_CASE("lower folds ASCII letters only") {
    CHECK(mbus::lower("Volume_Flow") == "volume_flow");
    CHECK(mbus::lower("REQ_UD2 10^-3 m3") == "req_ud2 10^-3 m3");
    CHECK(mbus::lower("") == "");
    CHECK(mbus::lower("\xC3\x84") == "\xC3\x84"); // UTF-8 A umlaut: bytes kept
}
