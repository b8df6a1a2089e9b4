#include <doctest/doctest.h>

#include <mbus/han/cosem.hpp>

using namespace mbus;
using han::data;
using han::data_type;

namespace {
result<data> decode_all(const bytes& in) {
    std::size_t used = 0;
    auto d = han::decode_data(in, used);
    if (d && used != in.size()) return han::errc::trailing_bytes;
    return d;
}
bytes encode(const data& d) {
    bytes out;
    REQUIRE(han::encode_data(d, out));
    return out;
}
} // namespace

TEST_CASE("han cosem decodes the integer types with their sign") {
    const bytes in{
        0x02, 0x08,                                     // structure[8]
        0x06, 0x00, 0x00, 0x16, 0x9C,                   // double-long-unsigned 5788
        0x05, 0xFF, 0xFF, 0xFF, 0xFE,                   // double-long -2
        0x12, 0x08, 0xF1,                               // long-unsigned 2289
        0x10, 0xFF, 0x9C,                               // long -100
        0x11, 0xFF,                                     // unsigned 255
        0x0F, 0xFF,                                     // integer -1 (an Aidon scaler)
        0x16, 0x1B,                                     // enum 27 (W)
        0x15, 0,    0,    0,    0,    0, 0, 0x01, 0x00, // long64-unsigned 256 (Kaifa CT meters' energy)
    };
    const auto d = decode_all(in).value();
    const auto& items = *d.items();
    REQUIRE(items.size() == 8);
    CHECK(items[0] == data::unsigned_integer(data_type::uint32, 5788));
    CHECK(items[1] == data::integer(data_type::int32, -2));
    CHECK(items[2].as_integer() == 2289);
    CHECK(items[3].as_integer() == -100);
    CHECK(items[4].as_integer() == 255);
    CHECK(items[5].as_integer() == -1);
    CHECK(items[6] == data::unsigned_integer(data_type::enumeration, 27));
    CHECK(items[7].as_number() == 256.0);
    CHECK(encode(d) == in);
}

TEST_CASE("han cosem strings and long lengths") {
    bytes in{0x0A, 0x81, 0x80}; // visible-string, length 128 in the long form
    in.insert(in.end(), 128, 'x');
    const auto d = decode_all(in).value();
    CHECK(d.octets_value()->size() == 128);
    CHECK(encode(d) == in);

    const bytes octets{0x09, 0x06, 0x01, 0x00, 0x01, 0x07, 0x00, 0xFF}; // OBIS 1.0.1.7.0.255
    CHECK(decode_all(octets).value() ==
          data::octets(data_type::octet_string, {0x01, 0x00, 0x01, 0x07, 0x00, 0xFF}));
}

TEST_CASE("han cosem reports bad values") {
    CHECK(decode_all({0x06, 0x00, 0x00}).error() == han::errc::truncated);
    CHECK(decode_all({0x09, 0x05, 0x41}).error() == han::errc::truncated);
    CHECK(decode_all({0x02, 0x03, 0x00}).error() == han::errc::truncated);
    CHECK(decode_all({0x07}).error() == han::errc::unknown_data_type);
    bytes deep(40, 0x02);
    for (std::size_t i = 1; i < deep.size(); i += 2)
        deep[i] = 0x01; // structure[1] of structure[1] ...
    CHECK(decode_all(deep).error() == han::errc::too_deep);

    bytes out;
    CHECK_FALSE(han::encode_data(data::unsigned_integer(data_type::uint16, 70000), out));
    CHECK_FALSE(han::encode_data(data::integer(data_type::int8, -129), out));
}

TEST_CASE("han cosem date-time as meters send it") {
    // Kaifa's list 3 clock with deviation FFC4 (corpus amshan_kaifa_se_list): -60 minutes is UTC+1.
    const bytes raw{0x07, 0xE5, 0x09, 0x16, 0x03, 0x11, 0x23, 0x1E, 0xFF, 0xFF, 0xC4, 0x00};
    const auto t = han::date_time::decode(raw).value();
    CHECK(t.year == 2021);
    CHECK(t.month == 9);
    CHECK(t.day == 22);
    CHECK(t.day_of_week == 3);
    CHECK(t.deviation == -60);
    CHECK(t.iso() == "2021-09-22T17:35:30+01:00");
    CHECK(t.plausible());
    CHECK(t.encode() == raw);

    // Kamstrup's: deviation 8000 (not specified), hundredths FF.
    const bytes kamstrup{0x07, 0xE1, 0x08, 0x10, 0x03, 0x10, 0x00, 0x05, 0xFF, 0x80, 0x00, 0x00};
    CHECK(han::date_time::decode(kamstrup)->iso() == "2017-08-16T16:00:05");
    CHECK_FALSE(han::date_time::decode(bytes(11)));
}
