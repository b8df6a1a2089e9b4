#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/meaning_errc.hpp>

using namespace mbus;
using namespace mbus::app;

TEST_CASE("manufacturer code packs three letters") {
    CHECK(manufacturer_code("KAM").value() == 0x2C2D); // ((11)<<10)|((1)<<5)|(13)
    CHECK(manufacturer_code("kam").value() == 0x2C2D);
    CHECK(manufacturer_code("AAA").value() == 0x0421);
    CHECK(manufacturer_code("ZZZ").value() == 0x6B5A);
    CHECK(manufacturer_code("HYD").value() == 0x2324);
    CHECK(manufacturer_code("KA").error() == meaning_errc::invalid_manufacturer);
    CHECK(manufacturer_code("KAMS").error() == meaning_errc::invalid_manufacturer);
    CHECK(manufacturer_code("K4M").error() == meaning_errc::invalid_manufacturer);
    CHECK(manufacturer_code("K@M").error() == meaning_errc::invalid_manufacturer);
    CHECK(manufacturer_letters(0x2C2D) == "KAM");
    CHECK(manufacturer_letters(0x0000) == "@@@");
    CHECK(valid_manufacturer(0x2C2D));
    CHECK_FALSE(valid_manufacturer(0x0000));
    CHECK_FALSE(valid_manufacturer(0x6B5B)); // third field 27
    CHECK_FALSE(valid_manufacturer(0xAC2D)); // bit 15
    for (unsigned a = 'A'; a <= 'Z'; a += 5)
        for (unsigned b = 'A'; b <= 'Z'; b += 3)
            for (unsigned c = 'A'; c <= 'Z'; ++c) {
                const std::string s{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
                const auto code = manufacturer_code(s);
                REQUIRE(code);
                CHECK(manufacturer_letters(*code) == s);
                CHECK(valid_manufacturer(*code));
            }
}

TEST_CASE("identification number is eight BCD digits") {
    CHECK(id_from_string("12345678").value() == 0x12345678u);
    CHECK(id_from_string("00000001").value() == 0x00000001u);
    CHECK(id_from_string("1234567").error() == meaning_errc::invalid_id);
    CHECK(id_from_string("123456789").error() == meaning_errc::invalid_id);
    CHECK(id_from_string("1234567A").error() == meaning_errc::invalid_id);
    CHECK(id_from_string("1234FFFF").error() == meaning_errc::invalid_id);
    CHECK(id_from_string("1234FFFF", true).value() == 0x1234FFFFu);
    CHECK(id_to_string(0x30303030) == "30303030");
    CHECK(id_to_string(0x00000042) == "00000042");
    CHECK(id_to_string(0x1234FFFF) == "1234FFFF");
    CHECK(valid_id(0x99999999));
    CHECK_FALSE(valid_id(0x9999999A));
    CHECK(id_number(0x06855817) == 6855817u);
    CHECK_FALSE(id_number(0x0685581F));
}
