#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/libmbus_xml.hpp>
#include <mbus/link/frame.hpp>

#include "support/corpus.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

using namespace mbus;
using namespace mbus::app;

namespace {

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& expected, const std::string& actual) {
    std::istringstream e(expected), a(actual);
    std::string le, la;
    for (int line = 1;; ++line) {
        const bool more_e = static_cast<bool>(std::getline(e, le));
        const bool more_a = static_cast<bool>(std::getline(a, la));
        if (!more_e && !more_a) return "texts are equal";
        if (!more_e || !more_a || le != la)
            return "line " + std::to_string(line) + ": expected [" + (more_e ? le : "<end>") + "] got [" +
                   (more_a ? la : "<end>") + "]";
    }
}

// The stderr line a .gen.err.txt records.
std::string recorded_error(const std::filesystem::path& p) {
    std::istringstream in(test::read_file(p));
    for (std::string line; std::getline(in, line);)
        if (line == "stderr:" && std::getline(in, line)) return line;
    return {};
}

// Our output for one frame against the corpus file for it: NAME.gen.xml (or .gen.norm.xml), else
// NAME.gen.err.txt (or .gen.norm.err.txt). Returns whether they match; prints the first difference.
bool matches_corpus(const std::filesystem::path& hex_path, bool normalized) {
    const auto dir = hex_path.parent_path();
    const auto name = hex_path.stem().string();
    const auto base = dir / (name + (normalized ? ".gen.norm" : ".gen"));
    const auto wire = from_hex(test::read_file(hex_path));
    REQUIRE(wire);
    const auto out = libmbus_parse_hex(*wire, normalized);
    const auto xml_path = std::filesystem::path(base.string() + ".xml");
    const auto err_path = std::filesystem::path(base.string() + ".err.txt");
    if (std::filesystem::exists(xml_path)) {
        const auto expected = test::read_file(xml_path);
        if (out.ok() && out.xml == expected) return true;
        std::cout << "mismatch " << name << (normalized ? " -n" : "") << ": "
                  << (out.ok() ? first_difference(expected, out.xml) : "error " + out.error) << "\n";
        return false;
    }
    REQUIRE(std::filesystem::exists(err_path));
    const auto expected = recorded_error(err_path);
    if (!out.ok() && out.error == expected) return true;
    std::cout << "mismatch " << name << (normalized ? " -n" : "") << ": expected error [" << expected
              << "] got " << (out.ok() ? "XML" : "[" + out.error + "]") << "\n";
    return false;
}

std::string xml_of(const bytes& wire, bool normalized = false) {
    const auto out = libmbus_parse_hex(wire, normalized);
    REQUIRE_MESSAGE(out.ok(), out.error);
    return out.xml;
}

} // namespace

TEST_CASE("libmbus xml corpus test frames") {
    const auto dir = test::corpus_dir();
    REQUIRE(dir);
    int plain = 0, norm = 0, frames = 0;
    for (const auto& hex : test::files_with_suffix(*dir / "libmbus" / "test-frames", ".hex")) {
        ++frames;
        CAPTURE(hex.filename().string());
        plain += matches_corpus(hex, false) ? 1 : 0;
        norm += matches_corpus(hex, true) ? 1 : 0;
    }
    std::cout << "corpus: libmbus xml " << plain << "/" << frames << "\n";
    std::cout << "corpus: libmbus xml normalized " << norm << "/" << frames << "\n";
    CHECK(frames == 76);
    CHECK(plain == frames);
    CHECK(norm == frames);
}

TEST_CASE("libmbus xml corpus error and unsupported frames") {
    const auto dir = test::corpus_dir();
    REQUIRE(dir);
    for (const char* folder : {"error-frames", "unsupported-frames"}) {
        int matched = 0, total = 0;
        for (const auto& hex : test::files_with_suffix(*dir / "libmbus" / folder, ".hex")) {
            CAPTURE(hex.filename().string());
            total += 2;
            matched += matches_corpus(hex, false) ? 1 : 0;
            matched += matches_corpus(hex, true) ? 1 : 0;
        }
        std::cout << "corpus: libmbus xml " << folder << " " << matched << "/" << total
                  << " (plain and normalized, XML or libmbus's error)\n";
        CHECK(matched == total);
    }
}

TEST_CASE("libmbus xml of a small variable data telegram") {
    const bytes wire{
        0x68, 0x1D, 0x1D, 0x68, // start, L=29 twice, start
        0x08, 0x05, 0x72,       // RSP_UD, address 5, CI variable data
        0x78, 0x56, 0x34, 0x12, // id 12345678
        0x2D, 0x2C, 0x08, 0x04, // KAM, version 8 (Multical 601), medium heat
        0x01, 0x00, 0x00, 0x00, // access 1, status 0, signature 0
        0x04, 0x06,             // DIF int32, VIF energy kWh
        0xE8, 0x03, 0x00, 0x00, //   1000
        0x82, 0x10, 0x5B,       // DIF int16 + DIFE (tariff 1), VIF flow temperature in deg C
        0x55, 0x00,             //   85
        0x0F, 0x01, 0x02,       // manufacturer-specific data
        0x42, 0x16,             // checksum, stop
    };
    REQUIRE(link::decode(wire));
    const auto plain = xml_of(wire);
    CHECK(plain.find("<Id>12345678</Id>") != std::string::npos);
    CHECK(plain.find("<ProductName>Kamstrup Multical 601</ProductName>") != std::string::npos);
    CHECK(plain.find("<Medium>Heat: Outlet</Medium>") != std::string::npos);
    CHECK(plain.find("<Unit>Energy (kWh)</Unit>\n        <Value>1000</Value>") != std::string::npos);
    CHECK(plain.find(
              "<Tariff>1</Tariff>\n        <Device>0</Device>\n        <Unit>Flow temperature (deg C)</Unit>"
              "\n        <Value>85</Value>") != std::string::npos);
    CHECK(plain.find("<Function>Manufacturer specific</Function>\n        <Value>02 01</Value>") !=
          std::string::npos);

    const auto norm = xml_of(wire, true);
    CHECK(
        norm.find(
            "<Unit>Wh</Unit>\n        <Quantity>Energy</Quantity>\n        <Value>1000000.000000</Value>") !=
        std::string::npos);
    CHECK(norm.find("<Unit>\u00B0C</Unit>\n        <Quantity>Flow temperature</Quantity>\n        "
                    "<Value>85.000000</Value>") != std::string::npos);
}

TEST_CASE("libmbus xml escapes text and keeps ISO-8859-1 bytes") {
    const bytes wire{
        0x68, 0x16, 0x16, 0x68,       // start, L=22 twice, start
        0x08, 0x01, 0x72,             // RSP_UD, address 1, CI 72
        0x01, 0x00, 0x00, 0x00,       // id 1
        0x00, 0x00, 0x00, 0x07,       // manufacturer 0, version 0, water
        0x00, 0x00, 0x00, 0x00,       // access, status, signature
        0x0D, 0x78,                   // DIF variable length, VIF fabrication number
        0x04, 0xB0, 0x3C, 0x01, 0x26, // LVAR 4, "&", 0x01, "<", 0xB0 (sent last character first)
        0x1F, 0x16,                   // checksum, stop
    };
    REQUIRE(link::decode(wire));
    const auto plain = xml_of(wire);
    CHECK(plain.find("<Value>&amp; &lt;\xB0</Value>") != std::string::npos);
}

TEST_CASE("libmbus xml errors as mbus_parse_hex prints them") {
    CHECK(libmbus_parse_hex(bytes{0x68, 0x03, 0x03, 0x68, 0x08, 0x01, 0x72, 0x7B, 0x16}, false).error ==
          "mbus_frame_data_parse: Got zero data_size.");
    CHECK(libmbus_parse_hex(bytes{0x68, 0x03, 0x03, 0x68, 0x08, 0x01, 0x7A, 0x83, 0x16}, false).error ==
          "mbus_frame_data_parse: Unknown control information 0x7a");
    CHECK(libmbus_parse_hex(bytes{0x10, 0x5B, 0xFD, 0x58, 0x16}, false).error ==
          "mbus_frame_data_parse: Wrong direction in frame (master to slave)");
    CHECK(libmbus_parse_hex(bytes{0x10, 0x5B, 0xFD, 0x59, 0x16}, false).error ==
          "mbus_parse: Invalid checksum (0x59 != 0x58)");
    CHECK(libmbus_parse_hex(bytes{0x10, 0x08, 0xFD, 0x05, 0x16}, false).error ==
          "mbus_parse: Unknown Control Code 0x08");
    CHECK(libmbus_parse_hex(bytes{0x68, 0x03, 0x03}, false).error == "mbus_parse: need 6 more bytes");
    CHECK(libmbus_parse_hex(bytes{0xE5}, false).error ==
          "mbus_frame_data_parse: Unknown control information 0x00");
    CHECK(libmbus_parse_hex(bytes{0x68, 0x04, 0x04, 0x68, 0x08, 0x01, 0x70, 0x08, 0x81, 0x16}, true).error ==
          "Failed to generate XML representation of MBUS frame: ");
}

TEST_CASE("libmbus xml from decoded user data") {
    const auto ud = decode(ci::variable_short, bytes{0x01, 0x00, 0x00, 0x00});
    REQUIRE(ud);
    CHECK(to_libmbus_xml(*ud, false).error() == errc::unsupported_ci);
    CHECK(to_libmbus_xml(user_data{application_error{0x08}}, true).error() == errc::no_xml);
    const auto e = to_libmbus_xml(user_data{application_error{0x08}}, false);
    REQUIRE(e);
    CHECK(e->find("<Error>Application busy</Error>") != std::string::npos);
}

TEST_CASE("libmbus xml: real32 values as C's printf(\"%f\") prints them, and 8-digit BCD with a sign") {
    // The plain XML prints a real32 with "%f" (mbus_data_record_decode); the writer uses
    // std::to_chars, so compare with the C library's own conversion for values whose rounding,
    // size or sign is delicate.
    const float values[] = {0.0F,   -0.0F,       1.5F,          -2.25F,           0.1F,
                            1e-7F,  123456.789F, 3.4028235e38F, -1.17549435e-38F, 0.0000005F,
                            2.5e-6F};
    for (const float v : values) {
        std::uint32_t u = 0;
        std::memcpy(&u, &v, sizeof u);
        bytes data{0x78,
                   0x56,
                   0x34,
                   0x12,
                   0x24,
                   0x40,
                   0x01,
                   0x07,
                   0x55,
                   0x00,
                   0x00,
                   0x00, // header
                   0x05,
                   0x13,
                   static_cast<byte>(u),
                   static_cast<byte>(u >> 8),
                   static_cast<byte>(u >> 16),
                   static_cast<byte>(u >> 24),
                   0x0C,
                   0x13,
                   0x78,
                   0x56,
                   0x34,
                   0xF2}; // BCD8 with a high nibble F: "-2345678"
        const auto out = to_libmbus_xml(link::frame::long_frame(0x08, 0x05, 0x72, data), false);
        REQUIRE(out.ok());
        char expected[512];
        std::snprintf(expected, sizeof expected, "<Value>%f</Value>", static_cast<double>(v));
        CAPTURE(expected);
        CHECK(out.xml.find(expected) != std::string::npos);
        CHECK(out.xml.find("<Value>-2345678</Value>") != std::string::npos);
    }
}
