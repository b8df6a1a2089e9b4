// app/libmbus_tables: libmbus 0.10.0's lookup tables, wording and quirks kept.

#include <doctest/doctest.h>

#include <mbus/app/libmbus_tables.hpp>

using namespace mbus;
using namespace mbus::app;

namespace {
// Manufacturer codes: three letters of 5 bits each, ((c1 - 64) << 10) | ((c2 - 64) << 5) | (c3 - 64).
constexpr std::uint16_t kam = 0x2C2D; // K=11 A=1 M=13
constexpr std::uint16_t amt = 0x05B4; // A=1 M=13 T=20
constexpr std::uint16_t sbc = 0x4C43; // S=19 B=2 C=3
constexpr std::uint16_t efe = 0x14C5; // E=5 F=6 E=5
} // namespace

TEST_CASE("libmbus decodes manufacturer codes to three letters") {
    CHECK(libmbus::manufacturer(kam) == "KAM");
    CHECK(libmbus::manufacturer(amt) == "AMT");
    CHECK(libmbus::manufacturer(sbc) == "SBC");
    CHECK(libmbus::manufacturer(0x0000) == "@@@"); // no letters: 0 + 64 each
}

TEST_CASE("libmbus product names depend on manufacturer version medium and ID") {
    CHECK(libmbus::product_name(kam, 0x08, 0x04, 0x12345678) == "Kamstrup Multical 601");
    CHECK(libmbus::product_name(kam, 0x09, 0x04, 0x12345678) == ""); // a version it does not list
    CHECK(libmbus::product_name(amt, 0x85, 0x04, 0) == "Aquametro CALEC MB");
    CHECK(libmbus::product_name(amt, 0x10, 0x04, 0) == "Aquametro AMTRON");
    // SBC goes by the most significant byte of the ID, not the version.
    CHECK(libmbus::product_name(sbc, 0x00, 0x02, 0x11000000) == "Saia-Burgess AWD3");
    CHECK(libmbus::product_name(sbc, 0x11, 0x02, 0x12000000) == "");
    // EFE version 0 differs by medium: 06 warm water.
    CHECK(libmbus::product_name(efe, 0x00, 0x06, 0) == "Engelmann WaterStar");
    CHECK(libmbus::product_name(efe, 0x00, 0x04, 0) == "Engelmann / Elster SensoStar 2");
    CHECK(libmbus::product_name(0x0000, 0x00, 0x00, 0) == "");
}

TEST_CASE("libmbus medium names keep its wording") {
    CHECK(libmbus::medium(0x07) == "Water");
    CHECK(libmbus::medium(0x06) == "Warm water (30-90\u00B0C)");
    CHECK(libmbus::medium(0x22) == "Reserved");
    CHECK(libmbus::medium(0x40) == "Unknown medium (0x40)");
}

TEST_CASE("libmbus fixed structure medium and units") {
    // Medium code: bits 7-6 of the first medium/unit byte are its low bits, those of the second its high.
    CHECK(libmbus::fixed_medium(0x40, 0x00) == "Oil");      // code 1
    CHECK(libmbus::fixed_medium(0x00, 0x40) == "Heat");     // code 4
    CHECK(libmbus::fixed_medium(0xC0, 0xC0) == "Reserved"); // code 15
    CHECK(libmbus::fixed_medium_name(0x0E) == "H.C.A. Mode 2");
    CHECK(libmbus::fixed_medium_name(0x17) == "Water"); // only the low 4 bits count
    CHECK(libmbus::fixed_unit(0x05) == "kWh");
    CHECK(libmbus::fixed_unit(0x0D) == "MJ");            // swapped with 0E in libmbus
    CHECK(libmbus::fixed_unit(0x0E) == "100 kJ");        // kept
    CHECK(libmbus::fixed_unit(0xFF) == "without units"); // bits 7-6 are the medium's
}

TEST_CASE("libmbus application error texts") {
    CHECK(libmbus::error_text(0x00) == "Unspecified error");
    CHECK(libmbus::error_text(0x05) == "More than 10 DIFE\u00B4s");
    CHECK(libmbus::error_text(0x09) == "Too many readouts");
    CHECK(libmbus::error_text(0x0A) == "Unknown error (0x0A)");
}

TEST_CASE("libmbus unit prefixes") {
    CHECK(libmbus::unit_prefix(0) == "");
    CHECK(libmbus::unit_prefix(-3) == "m");
    CHECK(libmbus::unit_prefix(-6) == "my");
    CHECK(libmbus::unit_prefix(1) == "10 ");
    CHECK(libmbus::unit_prefix(3) == "k");
    CHECK(libmbus::unit_prefix(-9) == "1e-9 ");
    CHECK(libmbus::unit_prefix(7) == "1e7 ");
}

TEST_CASE("libmbus primary VIF units") {
    CHECK(libmbus::vif_unit(0x03) == "Energy (Wh)");    // 10^(3-3) Wh
    CHECK(libmbus::vif_unit(0x06) == "Energy (kWh)");   // 10^(6-3) Wh
    CHECK(libmbus::vif_unit(0x13) == "Volume (m m^3)"); // 10^(3-6) m^3
    CHECK(libmbus::vif_unit(0x93) == "Volume (m m^3)"); // the extension bit does not count
    CHECK(libmbus::vif_unit(0x22) == "On time (hours)");
    CHECK(libmbus::vif_unit(0x5A) == "Flow temperature (1e-1 deg C)");
    CHECK(libmbus::vif_unit(0x6D) == "Time Point (time & date)");
    CHECK(libmbus::vif_unit(0x78) == "Fabrication number");
    CHECK(libmbus::vif_unit(0x7D) == "Unknown (VIF=0x7D)");
}

TEST_CASE("libmbus VIB units follow FB FD and plain text extensions") {
    CHECK(libmbus::vib_unit(vib{0x06, {}, {}}) == "Energy (kWh)");
    CHECK(libmbus::vib_unit(vib{0xFD, {}, {0x08}}) == "Access Number (transmission count)");
    CHECK(libmbus::vib_unit(vib{0xFD, {}, {0x48}}) == "1e-1  V"); // 10^(8-9) V, libmbus's spacing
    CHECK(libmbus::vib_unit(vib{0xFD, {}, {0x26}}) == "Storage interval hour(s)");
    CHECK(libmbus::vib_unit(vib{0xFD, {}, {}}) == "Missing VIF extension");
    CHECK(libmbus::vib_unit(vib{0xFB, {}, {0x00}}) == "Energy (0.1 MWh)");
    CHECK(libmbus::vib_unit(vib{0xFB, {}, {0x01}}) == "Energy (MWh)");
    CHECK(libmbus::vib_unit(vib{0xFB, {}, {0x02}}) == "Reserved (0x02)");
    // Plain-text unit: the bytes arrive last character first.
    CHECK(libmbus::vib_unit(vib{0x7C, {'h', 'W', 'k'}, {}}) == "kWh");
    CHECK(libmbus::vib_unit(vib{0xFC, {'l'}, {0x73}}) == "m l"); // 10^(3-6) and the text
}

TEST_CASE("libmbus record functions by DIF bits 4 and 5") {
    CHECK(libmbus::function(0x04) == "Instantaneous value");
    CHECK(libmbus::function(0x14) == "Maximum value");
    CHECK(libmbus::function(0x24) == "Minimum value");
    CHECK(libmbus::function(0x34) == "Value during error state");
}

TEST_CASE("libmbus normalisation tables give exponent unit and quantity") {
    const auto* volume = libmbus::find_vif(0x13);
    REQUIRE(volume);
    CHECK(volume->exponent == 1e-3);
    CHECK(std::string(volume->unit) == "m^3");
    CHECK(std::string(volume->quantity) == "Volume");
    const auto* minutes = libmbus::find_vif(0x21);
    REQUIRE(minutes);
    CHECK(minutes->exponent == 60.0);
    CHECK(std::string(minutes->unit) == "s");
    const auto* feet = libmbus::find_vif(0x200 | 0x21); // after FB
    REQUIRE(feet);
    CHECK(std::string(feet->unit) == "feet^3");
    CHECK(feet->exponent == 1e-1);
    const auto* retry = libmbus::find_vif(0x100 | 0x1E); // after FD
    REQUIRE(retry);
    CHECK(std::string(retry->quantity) == "Retry");
    CHECK_FALSE(libmbus::find_vif(0x7B)); // not in libmbus's table
    CHECK_FALSE(libmbus::find_vif(0x300));
}

TEST_CASE("libmbus strings and binary values are printed last byte first") {
    const bytes text{0x62, 0x61, 0x00, 0x63}; // 'b' 'a' NUL 'c': reversed "c" NUL "ab"
    CHECK(libmbus::reversed_c_string(text) == "c");
    const bytes ab{0x62, 0x61}; // 'b' 'a'
    CHECK(libmbus::reversed_c_string(ab) == "ab");
    CHECK(libmbus::reversed_c_string({}) == "");
    const bytes bin{0x01, 0xAB, 0x10};
    CHECK(libmbus::hex_reversed(bin) == "10 AB 01");
    CHECK(libmbus::hex_reversed({}) == "");
}
