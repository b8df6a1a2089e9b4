#include <doctest/doctest.h>

#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/value.hpp>

#include <chrono>
#include <cmath>
#include <limits>

using namespace mbus;
using namespace mbus::app;

TEST_CASE("value decodes signed integers LSB first") {
    CHECK(decode_value(data_coding::int8, bytes{0x80}).value() == value{std::int64_t{-128}});
    CHECK(decode_value(data_coding::int8, bytes{0x7F}).value() == value{std::int64_t{127}});
    CHECK(decode_value(data_coding::int16, bytes{0x72, 0x0B}).value() == value{std::int64_t{2930}});
    CHECK(decode_value(data_coding::int24, bytes{0xFE, 0xFF, 0xFF}).value() == value{std::int64_t{-2}});
    CHECK(decode_value(data_coding::int32, bytes{0x9A, 0x00, 0x00, 0x00}).value() ==
          value{std::int64_t{154}});
    CHECK(decode_value(data_coding::int48, bytes{0x00, 0x00, 0x00, 0x00, 0x00, 0x80}).value() ==
          value{std::int64_t{-140737488355328}});
    // Kamstrup FF0F (libmbus issue 81): int64 AF 8F 01 04 00 00 00 00.
    CHECK(decode_value(data_coding::int64, bytes{0xAF, 0x8F, 0x01, 0x04, 0, 0, 0, 0}).value() ==
          value{std::int64_t{67211183}});
    CHECK(decode_value(data_coding::int64, bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}).value() ==
          value{std::numeric_limits<std::int64_t>::max()});
    CHECK(decode_value(data_coding::int32, bytes{0x01, 0x02}).error() == meaning_errc::wrong_data_size);
}

TEST_CASE("value encodes integers with range checks") {
    CHECK(encode_value(data_coding::int16, std::int64_t{2930}).value() == bytes{0x72, 0x0B});
    CHECK(encode_value(data_coding::int8, std::int64_t{-128}).value() == bytes{0x80});
    CHECK(encode_value(data_coding::int8, std::int64_t{128}).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::int8, std::int64_t{-129}).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::int24, std::int64_t{8388607}).value() == bytes{0xFF, 0xFF, 0x7F});
    CHECK(encode_value(data_coding::int24, std::int64_t{8388608}).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::int48, std::int64_t{-1}).value() == bytes(6, 0xFF));
    CHECK(encode_value(data_coding::int64, std::numeric_limits<std::int64_t>::min()).value() ==
          bytes{0, 0, 0, 0, 0, 0, 0, 0x80});
    CHECK(encode_value(data_coding::int32, 1.5).error() == errc::invalid_value);
    CHECK(encode_value(data_coding::int32, std::string("12")).error() == errc::invalid_value);
    // Raw bytes of the right size pass as they are (for faults); a wrong size does not.
    CHECK(encode_value(data_coding::int32, bytes{1, 2, 3, 4}).value() == bytes{1, 2, 3, 4});
    CHECK(encode_value(data_coding::int32, bytes{1, 2, 3}).error() == errc::value_out_of_range);
}

TEST_CASE("value real32 is IEEE 754 single LSB first") {
    CHECK(decode_value(data_coding::real32, bytes{0x00, 0x00, 0xC8, 0x41}).value() == value{25.0});
    CHECK(encode_value(data_coding::real32, -2.5).value() == bytes{0x00, 0x00, 0x20, 0xC0});
    CHECK(encode_value(data_coding::real32, std::int64_t{25}).value() == bytes{0x00, 0x00, 0xC8, 0x41});
    // Rounded to the nearest float, not refused: that is what real32 is.
    const auto r = decode_value(data_coding::real32, encode_value(data_coding::real32, 21.4).value()).value();
    CHECK(std::get<double>(r) == static_cast<double>(21.4f));
    CHECK(encode_value(data_coding::real32, 1e39).error() == errc::value_out_of_range);
    const auto nan = encode_value(data_coding::real32, std::numeric_limits<double>::quiet_NaN());
    REQUIRE(nan);
    CHECK(std::isnan(std::get<double>(decode_value(data_coding::real32, *nan).value())));
}

TEST_CASE("value BCD with sign and error digits") {
    // Kamstrup fabrication number 17 58 85 06 = 06855817.
    CHECK(decode_value(data_coding::bcd8, bytes{0x17, 0x58, 0x85, 0x06}).value() ==
          value{std::int64_t{6855817}});
    CHECK(encode_value(data_coding::bcd8, std::int64_t{6855817}).value() == bytes{0x17, 0x58, 0x85, 0x06});
    // A most significant digit F makes it negative: F2 34 (LSB first 34 F2) = -234.
    CHECK(decode_value(data_coding::bcd4, bytes{0x34, 0xF2}).value() == value{std::int64_t{-234}});
    CHECK(encode_value(data_coding::bcd4, std::int64_t{-234}).value() == bytes{0x34, 0xF2});
    CHECK(encode_value(data_coding::bcd2, std::int64_t{-9}).value() == bytes{0xF9});
    CHECK(encode_value(data_coding::bcd2, std::int64_t{-10}).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::bcd2, std::int64_t{99}).value() == bytes{0x99});
    CHECK(encode_value(data_coding::bcd2, std::int64_t{100}).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::bcd12, std::int64_t{999999999999}).value() == bytes(6, 0x99));
    CHECK(encode_value(data_coding::bcd12, std::int64_t{1000000000000}).error() == errc::value_out_of_range);
    // pyMeterBus test_hyd: error-state record with digits BD EB DD (LSB first) is DDEBBD.
    const auto bad = decode_value(data_coding::bcd6, bytes{0xBD, 0xEB, 0xDD}).value();
    CHECK(bad == value{invalid_bcd{"DDEBBD"}});
    CHECK(encode_value(data_coding::bcd6, bad).value() == bytes{0xBD, 0xEB, 0xDD});
    CHECK(encode_value(data_coding::bcd4, invalid_bcd{"EEEE"}).value() == bytes{0xEE, 0xEE});
    CHECK(encode_value(data_coding::bcd4, invalid_bcd{"EEE"}).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::bcd4, invalid_bcd{"EEEG"}).error() == errc::invalid_value);
}

TEST_CASE("value variable length by LVAR") {
    // pyMeterBus plain-text frame: LVAR 05, "1.6.3" sent last character first.
    const bytes text{0x05, '3', '.', '6', '.', '1'};
    CHECK(decode_value(data_coding::variable, text).value() == value{std::string("1.6.3")});
    CHECK(encode_value(data_coding::variable, std::string("1.6.3")).value() == text);
    // C2: positive BCD of 2 bytes; D2: negative.
    CHECK(decode_value(data_coding::variable, bytes{0xC2, 0x34, 0x12}).value() == value{std::int64_t{1234}});
    CHECK(decode_value(data_coding::variable, bytes{0xD2, 0x34, 0x12}).value() == value{std::int64_t{-1234}});
    CHECK(encode_value(data_coding::variable, std::int64_t{-1234}).value() == bytes{0xD2, 0x34, 0x12});
    CHECK(encode_value(data_coding::variable, std::int64_t{123}).value() == bytes{0xC2, 0x23, 0x01});
    CHECK(encode_value(data_coding::variable, std::int64_t{0}).value() == bytes{0xC1, 0x00});
    CHECK(decode_value(data_coding::variable, bytes{0xC1, 0xAE}).value() == value{invalid_bcd{"AE"}});
    CHECK(decode_value(data_coding::variable, bytes{0xD1, 0xAE}).value() == value{invalid_bcd{"-AE"}});
    CHECK(encode_value(data_coding::variable, invalid_bcd{"-AE"}).value() == bytes{0xD1, 0xAE});
    // E3: 3 bytes binary.
    CHECK(decode_value(data_coding::variable, bytes{0xE3, 1, 2, 3}).value() == value{bytes{1, 2, 3}});
    CHECK(encode_value(data_coding::variable, bytes{1, 2, 3}).value() == bytes{0xE3, 1, 2, 3});
    CHECK(encode_value(data_coding::variable, bytes(15, 0)).value().front() == 0xEF);
    // F0-F4: 4*(LVAR-EC) bytes in the 2013 edition and in libmbus (libmbus example_binary16_lvar).
    bytes f0{0xF0};
    f0.resize(17, 0xAA);
    CHECK(decode_value(data_coding::variable, f0).value() == value{bytes(16, 0xAA)});
    CHECK(encode_value(data_coding::variable, bytes(16, 0xAA)).value() == f0);
    CHECK(encode_value(data_coding::variable, bytes(32, 0)).value().front() == 0xF4);
    // F5: 48 bytes (2013), 36 (libmbus), 5 (2004): all decode, none is sent.
    for (const std::size_t n : {48u, 36u, 5u}) {
        bytes f5{0xF5};
        f5.resize(n + 1, 0x01);
        CHECK(decode_value(data_coding::variable, f5).value() == value{bytes(n, 0x01)});
    }
    CHECK(decode_value(data_coding::variable, bytes{0xFA, 1, 2}).error() == meaning_errc::bad_lvar);
    CHECK(encode_value(data_coding::variable, bytes(17, 0)).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::variable, bytes(48, 0)).error() == errc::value_out_of_range);
    CHECK(encode_value(data_coding::variable, std::string(0xC0, 'x')).error() == errc::value_out_of_range);
    // Reserved LVARs, and the C2 + 4 bytes that libmbus's length rule would have split off.
    CHECK(decode_value(data_coding::variable, bytes{0xFB}).error() == meaning_errc::bad_lvar);
    CHECK(decode_value(data_coding::variable, bytes{0xCA}).error() == meaning_errc::bad_lvar);
    CHECK(decode_value(data_coding::variable, bytes{0xC2, 1, 2, 3, 4}).error() == meaning_errc::bad_lvar);
    CHECK(decode_value(data_coding::variable, bytes{}).error() == meaning_errc::wrong_data_size);
}

TEST_CASE("value type G date") {
    // MULTICAL 603: 01 31 = 2024-01-01 (day 1, year 24 split 000 / 0011, month 1).
    const auto d = decode_value(data_coding::int16, bytes{0x01, 0x31}, true).value();
    CHECK(d == value{date{24, 1, 1}});
    CHECK(to_string(d) == "2024-01-01");
    // MULTICAL 601: 5F 1C = 2010-12-31.
    CHECK(to_string(decode_value(data_coding::int16, bytes{0x5F, 0x1C}, true).value()) == "2010-12-31");
    // 00 00 is "not set"; it stays a date with zero fields and encodes back.
    const auto zero = decode_value(data_coding::int16, bytes{0x00, 0x00}, true).value();
    CHECK(zero == value{date{0, 0, 0}});
    CHECK(encode_value(data_coding::int16, zero).value() == bytes{0x00, 0x00});
    CHECK(encode_value(data_coding::int16, make_date(2024, 1, 1).value()).value() == bytes{0x01, 0x31});
    CHECK(encode_value(data_coding::int32, date{24, 1, 1}).error() == errc::invalid_value);
    CHECK(encode_value(data_coding::int16, date{24, 16, 1}).error() == errc::value_out_of_range);
    // Without the time-point hint the same bytes are an integer.
    CHECK(decode_value(data_coding::int16, bytes{0x01, 0x31}).value() == value{std::int64_t{0x3101}});
}

TEST_CASE("value type F date and time") {
    // MULTICAL 603: 2E 2B 0F 31 = 2024-01-15 11:46, hundred-year bits 01.
    const bytes mc603{0x2E, 0x2B, 0x0F,
                      0x31}; // min 46, hour 11 + HY 1, day 15 + year low 0, month 1 + year high 3
    const auto v = decode_value(data_coding::int32, mc603, true).value();
    const auto& t = std::get<date_time>(v);
    CHECK(t.hundred_year == 1);
    CHECK(t.full_year() == 2024);
    CHECK(to_string(v) == "2024-01-15T11:46");
    CHECK(encode_value(data_coding::int32, v).value() == mc603);
    // Sharky 775: 34 10 74 22 = 2019-02-20 16:52 with hundred-year 0.
    const auto s = decode_value(data_coding::int32, bytes{0x34, 0x10, 0x74, 0x22}, true).value();
    CHECK(to_string(s) == "2019-02-20T16:52");
    CHECK(std::get<date_time>(s).hundred_year == 0);
    // IV (bit 7) and SU (bit 15).
    const auto flags =
        std::get<date_time>(decode_value(data_coding::int32, bytes{0xAE, 0x8B, 0x0F, 0x31}, true).value());
    CHECK(flags.invalid);
    CHECK(flags.summer_time);
    CHECK(flags.minute == 46);
    // Reserved bit 6 set: not a type F pattern, the integer is kept.
    CHECK(std::holds_alternative<std::int64_t>(
        decode_value(data_coding::int32, bytes{0x6E, 0x0B, 0x0F, 0x31}, true).value()));
    auto with_seconds = make_date_time(2024, 1, 15, 11, 46, 5).value();
    CHECK(encode_value(data_coding::int32, with_seconds).error() == errc::invalid_value);
    with_seconds.second = 0;
    CHECK(encode_value(data_coding::int32, with_seconds).value() == bytes{0x2E, 0x0B, 0x0F, 0x31});
}

TEST_CASE("value type I and type J") {
    auto t = make_date_time(2024, 1, 15, 11, 46, 5).value();
    t.day_of_week = 1; // Monday
    t.week = 3;
    const bytes wire{0x05, 0x2E, 0x2B,
                     0x0F, 0x31, 0x03}; // sec 5, min 46, hour 11 + weekday 1, day 15, month 1 + year, week 3
    CHECK(encode_value(data_coding::int48, t).value() == wire);
    CHECK(decode_value(data_coding::int48, wire, true).value() == value{t});
    CHECK(to_string(t) == "2024-01-15T11:46:05");
    auto f = t;
    f.invalid = true;
    CHECK(encode_value(data_coding::int48, f).error() == errc::invalid_value);

    const time_of_day j{23, 59, 58};
    CHECK(encode_value(data_coding::int24, j).value() == bytes{58, 59, 23}); // second, minute, hour
    CHECK(decode_value(data_coding::int24, bytes{58, 59, 23}, true).value() == value{j});
    CHECK(to_string(j) == "23:59:58");
}

TEST_CASE("value scaling and calendar helpers") {
    CHECK(scaled_value(std::int64_t{3949}, -2) == 39.49);
    CHECK(scaled_value(std::int64_t{154}, 3) == 154000.0);
    CHECK(scaled_value(std::int64_t{1128}, -3) == 1.128);
    CHECK(scaled_value(2.5, 1) == 25.0);
    CHECK_FALSE(scaled_value(std::string("x"), 0));
    CHECK_FALSE(scaled_value(date{}, 0));
    CHECK(raw_from_scaled(39.49, -2).value() == 3949);
    CHECK(raw_from_scaled(154000.0, 3).value() == 154);
    CHECK(raw_from_scaled(-2.5, 0).value() == -3); // half away from zero
    CHECK(raw_from_scaled(1e300, 0).error() == errc::value_out_of_range);
    CHECK(raw_from_scaled(std::numeric_limits<double>::quiet_NaN(), 0).error() == errc::value_out_of_range);

    CHECK(make_date(2080, 12, 31).value() == date{80, 12, 31});
    CHECK(make_date(1981, 1, 1).value() == date{81, 1, 1});
    CHECK(make_date(2081, 1, 1).error() == errc::value_out_of_range);
    CHECK(make_date(2024, 13, 1).error() == errc::value_out_of_range);
    CHECK(full_year(99) == 1999);
    CHECK(full_year(24, 1) == 2024);
    CHECK(full_year(5, 2) == 2105);

    using namespace std::chrono;
    const wall_time at = sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59} + seconds{30};
    const auto dt = date_time_from(at).value();
    CHECK(to_string(dt) == "2024-02-29T23:59:30");
}
