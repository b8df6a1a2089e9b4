#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/link/frame.hpp>

#include "support/corpus.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

using namespace mbus;
using namespace mbus::app;

namespace {

variable_data as_variable(const result<user_data>& r) {
    REQUIRE(r);
    REQUIRE(std::holds_alternative<variable_data>(*r));
    return std::get<variable_data>(*r);
}

// decode then encode gives the same CI and bytes.
void check_round_trip(byte ci, const bytes& data) {
    const auto r = decode(ci, data);
    REQUIRE(r);
    const auto e = encode(*r);
    CHECK(e.ci == ci);
    CHECK(e.data == data);
}

// CI 78 (no header) keeps the malformed-record vectors short.
std::error_code records_error(const bytes& records) { return decode(ci::variable_none, records).error(); }

// The text after "mbus_frame_data_parse: " in a corpus .err.txt, or empty.
std::string libmbus_data_parse_error(const std::filesystem::path& err_file) {
    if (!std::filesystem::exists(err_file)) return {};
    std::istringstream in(test::read_file(err_file));
    const std::string prefix = "mbus_frame_data_parse: ";
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    return {};
}

} // namespace

TEST_CASE("app decodes a CI 72 telegram with every record layout") {
    const bytes data{
        0x78, 0x56, 0x34, 0x12, // id 12345678 (BCD, LSB first)
        0x2D, 0x2C,             // manufacturer KAM (0x2C2D, LSB first)
        0x01,                   // version
        0x04,                   // medium heat
        0x2A,                   // access number
        0x00,                   // status
        0x34, 0x12,             // signature 0x1234 (LSB first)
        0x04, 0x06,             // DIF int32, VIF energy kWh
        0x01, 0x02, 0x00, 0x00, //   data
        0x8C, 0x10, 0x06,       // DIF BCD8 + extension, DIFE tariff 1, VIF energy kWh
        0x21, 0x43, 0x65, 0x87, //   data 87654321
        0x0D, 0xFD, 0x11,       // DIF variable length, VIF FD, VIFE customer
        0x03, 0x43, 0x42, 0x41, //   LVAR 3, "CBA" (text is sent last character first)
        0x02, 0xFC, 0x03,       // DIF int16, VIF FC plain text, text length 3
        0x48, 0x52, 0x25,       //   text "%RH" reversed, right after the VIF
        0x74,                   //   VIFE 74 (after the text, as libmbus reads it)
        0x01, 0x02,             //   data
        0x2F,                   // idle filler
        0x0F, 0x01, 0x02, 0x03, // manufacturer-specific data to the end
    };
    const auto r = decode(ci::variable_long, data);
    const auto& v = as_variable(r);
    CHECK(v.ci == ci::variable_long);
    REQUIRE(v.header.address);
    CHECK(*v.header.address == secondary_address{0x12345678, 0x2C2D, 0x01, 0x04});
    CHECK(v.header.access_number == 0x2A);
    CHECK(v.header.status == 0x00);
    CHECK(v.header.signature == 0x1234);
    REQUIRE(v.records.size() == 6);

    CHECK(v.records[0] == record{dib{0x04, {}}, vib{0x06, {}, {}}, {0x01, 0x02, 0x00, 0x00}});
    CHECK(v.records[1] == record{dib{0x8C, {0x10}}, vib{0x06, {}, {}}, {0x21, 0x43, 0x65, 0x87}});
    CHECK(v.records[2] == record{dib{0x0D, {}}, vib{0xFD, {}, {0x11}}, {0x03, 0x43, 0x42, 0x41}});
    CHECK(bytes(value_bytes(v.records[2]).begin(), value_bytes(v.records[2]).end()) ==
          bytes{0x43, 0x42, 0x41});
    CHECK(v.records[3] == record{dib{0x02, {}}, vib{0xFC, {0x48, 0x52, 0x25}, {0x74}}, {0x01, 0x02}});
    CHECK(v.records[4] == record{dib{0x2F, {}}, std::nullopt, {}});
    CHECK(v.records[5] == record{dib{0x0F, {}}, std::nullopt, {0x01, 0x02, 0x03}});
    check_round_trip(ci::variable_long, data);
}

TEST_CASE("app decodes the short and empty headers") {
    const bytes short_header{
        0x07,                   // access number
        0x10,                   // status
        0x00, 0x00,             // signature
        0x01, 0xFD, 0x1B, 0x05, // DIF int8, VIF FD, VIFE digital input, data
    };
    const auto& s = as_variable(decode(ci::variable_short, short_header));
    CHECK_FALSE(s.header.address);
    CHECK(s.header.access_number == 0x07);
    CHECK(s.header.status == 0x10);
    REQUIRE(s.records.size() == 1);
    CHECK(s.records[0].data == bytes{0x05});
    check_round_trip(ci::variable_short, short_header);

    const bytes no_header{0x01, 0xFD, 0x1B, 0x05}; // the same record without a header
    const auto& n = as_variable(decode(ci::variable_none, no_header));
    CHECK(n.header == header{});
    CHECK(n.records.size() == 1);
    check_round_trip(ci::variable_none, no_header);
}

TEST_CASE("app reads LVAR as libmbus does") {
    SUBCASE("a length up to BF") {
        const bytes data{0x0D, 0x13, 0x02, 0x41, 0x42}; // DIF variable, VIF volume, LVAR 2, "BA"
        const auto& v = as_variable(decode(ci::variable_none, data));
        REQUIRE(v.records.size() == 1);
        CHECK(v.records[0].data == bytes{0x02, 0x41, 0x42});
        check_round_trip(ci::variable_none, data);
    }
    SUBCASE("C0 to C9 and E0 to EF count bytes and F0 to FA count four times LVAR minus EC") {
        const bytes binary{0x0D, 0x13, 0xE2, 0x01, 0x02}; // LVAR E2: two bytes
        const bytes bcd{0x0D, 0x13, 0xC2, 0x01, 0x02};    // LVAR C2: four digits in two bytes
        bytes binary16{0x0D, 0x13, 0xF0};                 // LVAR F0: sixteen bytes
        binary16.resize(binary16.size() + 16, 0xAA);
        CHECK(as_variable(decode(ci::variable_none, binary)).records[0].data.size() == 3);
        CHECK(as_variable(decode(ci::variable_none, bcd)).records[0].data.size() == 3);
        CHECK(as_variable(decode(ci::variable_none, binary16)).records[0].data.size() == 17);
        check_round_trip(ci::variable_none, binary);
        check_round_trip(ci::variable_none, bcd);
        check_round_trip(ci::variable_none, binary16);
        binary16.pop_back();
        CHECK(records_error(binary16) == errc::premature_end_at_data);
    }
    SUBCASE("reserved LVAR FB is not consumed and starts the next record") {
        const bytes data{
            0x0D, 0x13,       // DIF variable, VIF volume; LVAR FB is left for the next record
            0xFB, 0x00, 0x13, // DIF BCD6 + extension, DIFE 00, VIF volume
            0x01, 0x02, 0x03, //   data
        };
        const auto& v = as_variable(decode(ci::variable_none, data));
        REQUIRE(v.records.size() == 2);
        CHECK(v.records[0].data.empty());
        CHECK(value_bytes(v.records[0]).empty());
        CHECK(v.records[1].dib == dib{0xFB, {0x00}});
        check_round_trip(ci::variable_none, data);
    }
}

TEST_CASE("app data lengths follow the DIF") {
    CHECK(data_length(0x00) == 0);
    CHECK(data_length(0x01) == 1);
    CHECK(data_length(0x05) == 4);
    CHECK(data_length(0x06) == 6);
    CHECK(data_length(0x07) == 8);
    CHECK(data_length(0x08) == 0); // selection for readout
    CHECK(data_length(0x0E) == 6);
    CHECK(data_length(0xC4) == 4);                     // storage and extension bits do not count
    const bytes readout{0x08, 0x13, 0x48, 0xFD, 0x17}; // selection for readout: DIF VIF, no data, twice
    const auto& v = as_variable(decode(ci::variable_none, readout));
    REQUIRE(v.records.size() == 2);
    CHECK(v.records[0].data.empty());
    CHECK(v.records[1].dib.dif == 0x48);
    check_round_trip(ci::variable_none, readout);
}

TEST_CASE("app takes ten DIFE and ten VIFE but not eleven") {
    bytes ten_dife{0x84}; // DIF int32 + extension
    for (int k = 0; k < 9; ++k)
        ten_dife.push_back(0x80);                              // DIFE 1-9, each with extension
    ten_dife.insert(ten_dife.end(), {0x00, 0x13, 1, 2, 3, 4}); // DIFE 10, VIF volume, data
    CHECK(as_variable(decode(ci::variable_none, ten_dife)).records[0].dib.dife.size() == 10);
    check_round_trip(ci::variable_none, ten_dife);

    bytes eleven_dife{0x84};
    for (int k = 0; k < 10; ++k)
        eleven_dife.push_back(0x80); // DIFE 1-10, the tenth asks for more
    eleven_dife.insert(eleven_dife.end(), {0x00, 0x13, 1, 2, 3, 4});
    CHECK(records_error(eleven_dife) == errc::too_many_dife);

    bytes ten_vife{0x01, 0x93}; // DIF int8, VIF volume + extension
    for (int k = 0; k < 9; ++k)
        ten_vife.push_back(0xFF);                  // VIFE 1-9, each with extension
    ten_vife.insert(ten_vife.end(), {0x7F, 0x05}); // VIFE 10, data
    CHECK(as_variable(decode(ci::variable_none, ten_vife)).records[0].vib->vife.size() == 10);
    check_round_trip(ci::variable_none, ten_vife);

    bytes eleven_vife{0x01, 0x93};
    for (int k = 0; k < 10; ++k)
        eleven_vife.push_back(0xFF);
    eleven_vife.insert(eleven_vife.end(), {0x7F, 0x05});
    CHECK(records_error(eleven_vife) == errc::too_many_vife);
}

TEST_CASE("app malformed records give libmbus errors") {
    SUBCASE("DIF asks for a DIFE at the end") { CHECK(records_error({0x8B}) == errc::premature_end_at_dif); }
    SUBCASE("DIFE asks for another at the end") {
        CHECK(records_error({0x8B, 0x8B}) == errc::premature_end_at_dif);
    }
    SUBCASE("DIF without VIF") { CHECK(records_error({0x0B}) == errc::premature_end_at_vif); }
    SUBCASE("VIF asks for a VIFE at the end") {
        CHECK(records_error({0x0B, 0x86}) == errc::premature_end_at_vif);
    }
    SUBCASE("plain text shorter than its length") {
        CHECK(records_error({0x02, 0x7C, 0x05, 0x41}) == errc::premature_end_at_plain_vif);
    }
    SUBCASE("plain text length over 128") {
        CHECK(records_error({0x02, 0x7C, 0x81, 0x41}) == errc::plain_vif_too_long);
    }
    SUBCASE("data shorter than the DIF says") {
        CHECK(records_error({0x04, 0x13, 0x01, 0x02}) == errc::premature_end_at_data);
    }
    SUBCASE("variable length record without LVAR") {
        CHECK(records_error({0x0D, 0x13}) == errc::premature_end_at_data);
    }
    SUBCASE("LVAR longer than the rest") {
        CHECK(records_error({0x0D, 0x13, 0x03, 0x41}) == errc::premature_end_at_data);
    }
    SUBCASE("header too short") {
        CHECK(decode(ci::variable_long, bytes(11, 0)).error() == errc::header_too_short);
        CHECK(decode(ci::variable_short, bytes(3, 0)).error() == errc::header_too_short);
        CHECK(decode(ci::variable_long, bytes{}).error() == errc::no_data);
    }
    SUBCASE("fixed data not 16 bytes") {
        CHECK(decode(ci::fixed, bytes(15, 0)).error() == errc::fixed_data_wrong_size);
        CHECK(decode(ci::fixed, bytes(17, 0)).error() == errc::fixed_data_wrong_size);
        CHECK(decode(ci::fixed, bytes{}).error() == errc::no_data);
    }
    CHECK(make_error_code(errc::premature_end_at_dif).message() == "Premature end of record at DIF.");
    CHECK(make_error_code(errc::plain_vif_too_long).message() == "Too long variable length VIF.");
}

TEST_CASE("app decodes a fixed data structure") {
    const bytes data{
        0x78, 0x56, 0x34, 0x12, // id 12345678
        0x05,                   // access number
        0x00,                   // status: BCD counters, actual values
        0x69, 0x31,             // medium and unit of counter 1 and 2
        0x65, 0x00, 0x00, 0x00, // counter 1
        0x69, 0x00, 0x00, 0x00, // counter 2
    };
    const auto r = decode(ci::fixed, data);
    REQUIRE(r);
    CHECK(std::get<fixed_data>(*r) == fixed_data{ci::fixed, 0x12345678, 0x05, 0x00, 0x3169, 0x65, 0x69});
    check_round_trip(ci::fixed, data);
    check_round_trip(ci::fixed_msb, data);
}

TEST_CASE("app application errors and other CIs") {
    CHECK(std::get<application_error>(decode(ci::app_error, bytes{}).value()) == application_error{});
    CHECK(std::get<application_error>(decode(ci::app_error, bytes{0x01}).value()) == application_error{0x01});
    check_round_trip(ci::app_error, {});
    check_round_trip(ci::app_error, {0x07});
    CHECK(std::get<other_data>(decode(ci::app_error, bytes{0x01, 0x02}).value()) ==
          other_data{ci::app_error, {0x01, 0x02}});
    check_round_trip(ci::app_error, {0x01, 0x02});
    const bytes set_address{0x01, 0x7A, 0x08}; // CI 51: DIF int8, VIF bus address, new address 8
    CHECK(std::get<other_data>(decode(ci::data_send, set_address).value()) ==
          other_data{ci::data_send, set_address});
    check_round_trip(ci::data_send, set_address);
}

TEST_CASE("app secondary address bytes") {
    const bytes wire{0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x04}; // id, KAM, version, medium
    const secondary_address a{0x12345678, 0x2C2D, 0x01, 0x04};
    CHECK(encode_address(a) == wire);
    CHECK(decode_address(wire) == a);
    const secondary_address wild{0xFFFFFFFF, 0xFFFF, 0xFF, 0xFF};
    CHECK(decode_address(encode_address(wild)) == wild);
    std::ostringstream os;
    os << a;
    CHECK(os.str() == "12345678 KAM ver=01 med=04");
}

TEST_CASE("app corpus libmbus frames decode and round-trip") {
    const auto dir = test::corpus_dir();
    REQUIRE(dir);
    int frames = 0, link_rejected = 0, decoded = 0, round_trips = 0, errors_expected = 0, errors_matched = 0;
    for (const char* folder : {"test-frames", "error-frames", "unsupported-frames"}) {
        for (const auto& hex_path : test::files_with_suffix(*dir / "libmbus" / folder, ".hex")) {
            ++frames;
            const auto name = hex_path.stem().string();
            CAPTURE(name);
            const auto wire = from_hex(test::read_file(hex_path));
            REQUIRE(wire);
            const auto f = link::decode(*wire);
            if (!f) {
                ++link_rejected; // libmbus's mbus_parse rejects these too (bad length, bad start)
                CHECK(std::string(folder) == "unsupported-frames");
                continue;
            }
            const auto r = decode(f->value.ci, f->value.data);
            const auto expected = libmbus_data_parse_error(hex_path.parent_path() / (name + ".gen.err.txt"));
            const bool libmbus_app_error = !expected.empty() && expected.rfind("Wrong direction", 0) != 0;
            if (libmbus_app_error) {
                ++errors_expected;
                CHECK_FALSE(r);
                if (!r && r.error().message() == expected) ++errors_matched;
                CHECK(r.error().message() == expected);
                continue;
            }
            CHECK(r);
            if (!r) continue;
            ++decoded;
            const auto e = encode(*r);
            CHECK(e.ci == f->value.ci);
            CHECK(e.data == f->value.data);
            if (e.ci == f->value.ci && e.data == f->value.data) ++round_trips;
        }
    }
    std::cout << "corpus: libmbus app decode " << decoded << "/" << (frames - link_rejected - errors_expected)
              << ", round trip " << round_trips << "/" << decoded << ", errors " << errors_matched << "/"
              << errors_expected << " (link rejected " << link_rejected << " of " << frames << ")\n";
    CHECK(frames == 103);
    CHECK(errors_expected == 11);
}

TEST_CASE("app corpus pymeterbus and meters long frames round-trip") {
    const auto dir = test::corpus_dir();
    REQUIRE(dir);
    int long_frames = 0, round_trips = 0;
    for (const char* file : {"pymeterbus/frames.json", "meters/frames.json"}) {
        const auto list = nlohmann::json::parse(test::read_file(*dir / file));
        for (const auto& entry : list) {
            if (entry.contains("kind") && entry["kind"] != "frame") continue;
            const auto wire = from_hex(entry["hex"].get<std::string>());
            if (!wire) continue;
            const auto f = link::decode(*wire);
            if (!f || f->value.kind != link::frame_kind::long_frame) continue;
            const auto r = decode(f->value.ci, f->value.data);
            if (!r) continue; // pyMeterBus keeps some telegrams that libmbus's rules reject
            ++long_frames;
            CAPTURE(entry["name"].get<std::string>());
            const auto e = encode(*r);
            CHECK(e.data == f->value.data);
            if (e.data == f->value.data && e.ci == f->value.ci) ++round_trips;
        }
    }
    std::cout << "corpus: pymeterbus+meters app round trip " << round_trips << "/" << long_frames << "\n";
    CHECK(long_frames > 0);
}
