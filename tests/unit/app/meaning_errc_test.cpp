// app::meaning_errc: the errors of the meaning layer, and the identity helpers giving them.

#include "support/errc.hpp"

#include <mbus/app/errc.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/meaning_errc.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using app::meaning_errc;

TEST_CASE("app meaning errc codes and messages") {
    test::check_errc<meaning_errc>(
        "mbus.app.meaning",
        {
            {meaning_errc::unknown_quantity, "unknown quantity"},
            {meaning_errc::unknown_unit, "unknown unit"},
            {meaning_errc::unit_mismatch, "the unit does not measure this quantity"},
            {meaning_errc::no_vif_code, "no VIF code for this quantity, unit and exponent"},
            {meaning_errc::wrong_data_size, "data length does not match the data type"},
            {meaning_errc::bad_lvar, "reserved or inconsistent LVAR"},
            {meaning_errc::dib_out_of_range, "storage, tariff or subunit needs more than 10 DIFE"},
            {meaning_errc::vife_out_of_range, "VIFE code above 7F"},
            {meaning_errc::missing_vife, "VIF FD or FB without its VIFE"},
            {meaning_errc::not_a_data_record, "not a data record (DIF 0F, 1F or 2F)"},
            {meaning_errc::invalid_manufacturer, "manufacturer must be three letters A-Z"},
            {meaning_errc::invalid_id, "identification number must be eight decimal digits"},
            {meaning_errc::unknown_medium, "unknown medium"},
        },
        "unknown meaning error");
}

TEST_CASE("app meaning errc is a category apart from the codec's") {
    // Same numbers, different layers: a caller can tell a table miss from a malformed telegram.
    CHECK(std::error_code(meaning_errc::unknown_quantity) != std::error_code(app::errc::header_too_short));
    CHECK(app::manufacturer_code("K4M").error() == meaning_errc::invalid_manufacturer);
    CHECK(app::id_from_string("1234567").error() == meaning_errc::invalid_id);
}
