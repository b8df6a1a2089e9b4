#include <doctest/doctest.h>

#include <mbus/core/text.hpp>

TEST_CASE("lower folds ASCII letters only") {
    CHECK(mbus::lower("Volume_Flow") == "volume_flow");
    CHECK(mbus::lower("REQ_UD2 10^-3 m3") == "req_ud2 10^-3 m3");
    CHECK(mbus::lower("") == "");
    CHECK(mbus::lower("\xC3\x84") == "\xC3\x84"); // UTF-8 A umlaut: bytes kept
}

TEST_CASE("printable escapes control characters and keeps the rest") {
    using namespace std::string_literals;
    CHECK(mbus::printable("heat-1") == "heat-1");
    CHECK(mbus::printable("a\nerror: forged") == "a\\nerror: forged");
    CHECK(mbus::printable("\r\t") == "\\r\\t");
    CHECK(mbus::printable("a\0b"s) == "a\\0b"); // NUL kept as an escape, not an end
    CHECK(mbus::printable("\x1B[31m") == "\\x1B[31m");
    CHECK(mbus::printable("\x7F\x01") == "\\x7F\\x01");
    CHECK(mbus::printable("\xC3\x84 C:\\x") == "\xC3\x84 C:\\x"); // UTF-8 and backslashes stay
    CHECK(mbus::printable("") == "");
}

TEST_CASE("edit_distance counts the edits between two words, case-blind when asked") {
    CHECK(mbus::edit_distance("run", "run") == 0);
    CHECK(mbus::edit_distance("runn", "run") == 1);
    CHECK(mbus::edit_distance("scna", "scan") == 2);
    CHECK(mbus::edit_distance("", "read") == 4);
    CHECK(mbus::edit_distance("Address", "address") == 1);
    CHECK(mbus::edit_distance("Address", "address", true) == 0);
}
