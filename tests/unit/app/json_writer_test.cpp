// app/detail/json_writer.hpp: the pieces the JSON writers share, each against the DOM's dump().

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/detail/json_writer.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/record_view.hpp>

#include <string>
#include <variant>

using namespace mbus;
using namespace mbus::app;

TEST_CASE("printable takes printable ASCII only") {
    CHECK(detail::printable(""));
    CHECK(detail::printable("m^3/h ~ {}"));
    CHECK_FALSE(detail::printable("\x1F"));
    CHECK_FALSE(detail::printable("\x7F"));
    CHECK_FALSE(detail::printable("caf\xC3\xA9"));
}

TEST_CASE("fixed_unit names the fixed structure's unit codes by their six bits") {
    CHECK(detail::fixed_unit(0x00) == "h,m,s");
    CHECK(detail::fixed_unit(0x05) == "kWh");
    CHECK(detail::fixed_unit(0x45) == "kWh"); // the medium bits above are not the unit's
    CHECK(detail::fixed_unit(0x29) == "l");
    CHECK(detail::fixed_unit(0x3F) == "without units");
}

TEST_CASE("put_header writes the DOM's header text") {
    header h;
    h.access_number = 0x2A;
    h.status = 0x84; // power low, manufacturer bit 7
    h.signature = 0x1234;
    std::string out = "[";
    detail::put_header(out, h);
    CHECK(out == "[" + to_json(h).dump());
    CHECK(out.find("\"status_flags\":[\"power_low\",\"manufacturer_bit_7\"]") != std::string::npos);

    h.address = secondary_address{0x12345678, 0x2C2D, 8, 4};
    out.clear();
    detail::put_header(out, h);
    CHECK(out == to_json(h).dump());
    CHECK(out.find("\"manufacturer\":\"KAM\"") != std::string::npos);
}

TEST_CASE("put_record writes the DOM's record text, appended") {
    // Energy 154 Wh (int32); a volume in BCD at storage 1; manufacturer data (DIF 0F).
    const bytes data{0x04, 0x03, 0x9A, 0x00, 0x00, 0x00, //
                     0x4C, 0x13, 0x78, 0x56, 0x34, 0x12, //
                     0x0F, 0x01, 0x02};
    const auto ud = decode(ci::variable_none, data);
    REQUIRE(ud);
    const auto& records = std::get<variable_data>(*ud).records;
    REQUIRE(records.size() == 3);
    for (std::size_t i = 0; i < records.size(); ++i) {
        std::string out = "x";
        detail::put_record(out, view_of(records[i]), i);
        CAPTURE(i);
        CHECK(out == "x" + to_json(records[i], i).dump());
    }
    std::string out;
    detail::put_record(out, view_of(records[0]), 0);
    CHECK(out.find("\"value\":154.0") != std::string::npos);
}
