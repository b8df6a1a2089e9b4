#include <doctest/doctest.h>

#include <mbus/wmbus/receiver_errc.hpp>
#include <mbus/wmbus/receiver_text.hpp>

#include <string>

using namespace mbus;
using namespace mbus::wmbus;
using namespace std::chrono;

namespace {
// The sample line in wmbusmeters' src/wmbus_rtlwmbus.cc (rtl_wmbus output of a C1 telegram).
const std::string sample =
    "C1;1;1;2019-02-09 "
    "07:14:18.000;117;102;94740459;0x49449344590474943508780dff5f3500827f0000f10007b06effff530100"
    "005f2c620100007f2118010000008000800080008000000000000000000e003f005500d4ff2f046d10086922\n";
} // namespace

TEST_CASE("rtl_wmbus line: wmbusmeters' sample reads and is written back identically") {
    const auto got = parse_text_line(sample);
    REQUIRE_MESSAGE(got.has_value(), got.error().message());
    CHECK(got->rtlwmbus);
    CHECK(got->fields.mode == "C1");
    CHECK(got->fields.crc_ok);
    CHECK(got->fields.rssi == 117);
    CHECK(got->fields.current_rssi == 102);
    CHECK(got->fields.when == sys_days{2019y / February / 9} + 7h + 14min + 18s);
    REQUIRE(got->telegram.size() == 0x49 + 1); // L = 0x49 and the telegram has no CRCs
    CHECK(got->telegram[1] == 0x44);

    CHECK(rtlwmbus_line(got->telegram, got->fields).value() == sample);
}

TEST_CASE("rtl_wmbus line: the fields a reader reads, and a CRC failure flagged") {
    const bytes t = from_hex("0D 44 2D 2C 78 56 34 12 1B 16 7A 01 00 00").value();
    rtlwmbus_fields f;
    f.when = sys_days{2026y / December / 6} + 15h + 4min + 5s + 123ms;
    f.rssi = -60;
    CHECK(rtlwmbus_line(t, f).value() ==
          "T1;1;1;2026-12-06 15:04:05.123;-60;0;12345678;0x0d442d2c785634121b167a010000\n");
    f.crc_ok = false;
    f.mode = "C1";
    CHECK(rtlwmbus_line(t, f).value().starts_with("C1;0;1;"));
    CHECK(rtlwmbus_line(bytes_view(t).first(7), f).error() == receiver_errc::telegram_length);
}

TEST_CASE("plain hex lines") {
    const bytes t = from_hex("0D 44 2D 2C 78 56 34 12 1B 16 7A 01 00 00").value();
    CHECK(hex_line(t) == "0D442D2C785634121B167A010000\n");
    const auto back = parse_text_line(hex_line(t));
    REQUIRE(back.has_value());
    CHECK_FALSE(back->rtlwmbus);
    CHECK(back->telegram == t);
}

TEST_CASE("text lines that are neither form are errors") {
    CHECK(parse_text_line("hello").error() == receiver_errc::bad_line);
    CHECK(parse_text_line("").error() == receiver_errc::bad_line);
    CHECK(parse_text_line("X1;1;1;2019-02-09 07:14:18.000;1;1;00000000;0x00").error() ==
          receiver_errc::bad_line);
    // The ID field must be the telegram's A field.
    CHECK(parse_text_line("T1;1;1;2019-02-09 07:14:18.000;1;1;00000000;0x0d442d2c785634121b167a010000")
              .error() == receiver_errc::bad_line);
    CHECK(parse_text_line("T1;1;1;2019-02-30 07:14:18.000;1;1;12345678;0x0d442d2c785634121b167a010000")
              .error() == receiver_errc::bad_line);
}
