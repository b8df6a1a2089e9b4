// master/readout: a received RSP_UD decoded, whether more telegrams follow, and how readouts print.

#include <mbus/app/errc.hpp>
#include <mbus/master/errc.hpp>
#include <mbus/master/readout.hpp>

#include <doctest/doctest.h>

#include "support/printed.hpp"

using namespace mbus;
using mbus::test::printed;

namespace {

// The user data of an RSP_UD with CI 72: the 12-byte header, then `records`.
bytes long_header_then(const bytes& records) {
    bytes data{0x78, 0x56, 0x34, 0x12, // ID 12345678
               0x2D, 0x2C,             // manufacturer KAM
               0x01, 0x07,             // version 1, medium water
               0x01, 0x00,             // access number 1, status
               0x00, 0x00};            // signature
    for (const byte b : records) // not insert(): GCC 12 -O2 reports a false array-bounds error for it here
        data.push_back(b);
    return data;
}

} // namespace

TEST_CASE("make_telegram decodes the header and records of an RSP_UD") {
    const bytes volume{0x0C, 0x13, 0x78, 0x56, 0x34, 0x12}; // DIF BCD8, VIF volume in l, 12345678
    const auto t = master::make_telegram(link::frame::long_frame(0x08, 0x05, 0x72, long_header_then(volume)));
    REQUIRE(t.data);
    CHECK_FALSE(t.decode_error);
    const auto* v = t.variable();
    REQUIRE(v);
    CHECK(v->header.address->id == 0x12345678);
    REQUIRE(v->records.size() == 1);
    CHECK(v->records[0].dib.dif == 0x0C);
    CHECK(v->records[0].data == bytes{0x78, 0x56, 0x34, 0x12});
    CHECK_FALSE(t.more_follows());
    CHECK(printed(t).starts_with("RSP_UD a=5 ci=72 len=18: "));
}

TEST_CASE("a telegram whose last record is DIF 1F announces more") {
    const bytes more{0x0C, 0x13, 0x78, 0x56, 0x34, 0x12, // volume
                     0x1F};                              // DIF 1F: more records follow
    const auto t = master::make_telegram(link::frame::long_frame(0x08, 0x05, 0x72, long_header_then(more)));
    REQUIRE(t.variable());
    CHECK(t.more_follows());
    const bytes idle{0x2F}; // DIF 2F, an idle filler, is not the announcement
    CHECK_FALSE(master::make_telegram(link::frame::long_frame(0x08, 0x05, 0x72, long_header_then(idle)))
                    .more_follows());
    CHECK_FALSE(master::make_telegram(link::frame::long_frame(0x08, 0x05, 0x72, long_header_then({})))
                    .more_follows()); // no records at all
}

TEST_CASE("a telegram that does not decode keeps its frame and says why") {
    const bytes cut{0x78, 0x56, 0x34}; // a long header cut after 3 bytes
    const auto f = link::frame::long_frame(0x08, 0x05, 0x72, cut);
    const auto t = master::make_telegram(f);
    CHECK(t.frame == f);
    CHECK_FALSE(t.data);
    CHECK_FALSE(t.variable());
    CHECK_FALSE(t.more_follows());
    REQUIRE(t.decode_error);
    CHECK(t.decode_error.category() == app::app_category());
    CHECK(printed(t) == "RSP_UD a=5 ci=72 len=3: undecodable (" + t.decode_error.message() + ")");
}

TEST_CASE("an application error telegram is no variable data") {
    const auto t = master::make_telegram(link::frame::long_frame(0x08, 0x05, 0x70, {0x02})); // CI 70 status 2
    REQUIRE(t.data);
    CHECK_FALSE(t.variable());
    CHECK_FALSE(t.more_follows());
}

TEST_CASE("a readout is true without an error and prints each telegram") {
    master::readout r;
    CHECK(r);
    CHECK(printed(r) == "0 telegram(s)");
    r.telegrams.push_back(master::make_telegram(link::frame::long_frame(0x08, 0x05, 0x70, {0x02})));
    r.error = master::errc::timeout;
    CHECK_FALSE(r);
    CHECK(printed(r) == "1 telegram(s), stopped: " + r.error.message() + "\n  " + printed(r.telegrams[0]));
}
