// app::errc: the raw codec's errors, with libmbus's words where libmbus has them, and decode giving them.

#include "support/errc.hpp"

#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using app::errc;

TEST_CASE("app errc codes and messages") {
    test::check_errc<errc>(
        "mbus.app",
        {
            {errc::header_too_short, "Variable header too short."},
            {errc::premature_end_at_dif, "Premature end of record at DIF."},
            {errc::premature_end_at_vif, "Premature end of record at VIF."},
            {errc::premature_end_at_plain_vif, "Premature end of record at variable length VIF."},
            {errc::premature_end_at_data, "Premature end of record at data."},
            {errc::too_many_dife, "Too many DIFE."},
            {errc::too_many_vife, "Too many VIFE."},
            {errc::plain_vif_too_long, "Too long variable length VIF."},
            {errc::fixed_data_wrong_size, "Invalid length for fixed data."},
            {errc::unsupported_ci, "Unknown control information"},
            {errc::value_out_of_range, "value out of range for the data type"},
            {errc::invalid_value, "value of a kind the data type cannot hold"},
            {errc::no_data, "Got zero data_size."},
            {errc::wrong_direction, "Wrong direction in frame (master to slave)"},
            {errc::no_xml, "Failed to generate XML representation of MBUS frame"},
        },
        "unknown application layer error");
}

TEST_CASE("app errc comes from decode") {
    const bytes short_header{
        0x78, 0x56, 0x34, 0x12, // ID 12345678
        0x2D, 0x2C,             // manufacturer KAM
        0x01, 0x07,             // version 1, medium water
        0x00, 0x00, 0x00,       // access number, status, one signature byte of two
    };
    const auto r = app::decode(app::ci::variable_long, short_header);
    CHECK(r.error() == errc::header_too_short);
    CHECK(r.error().message() == "Variable header too short.");
    CHECK(app::decode(app::ci::variable_long, bytes{}).error() == errc::no_data);
}
