// link::errc: the codes of frame decoding and the stream parser, their messages, and decode giving them.

#include "support/errc.hpp"

#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using link::errc;

TEST_CASE("link errc codes and messages") {
    test::check_errc<errc>("mbus.link",
                           {
                               {errc::need_more, "incomplete frame: more bytes needed"},
                               {errc::bad_start, "not a frame start (E5, 10 or 68)"},
                               {errc::length_mismatch, "long frame length bytes differ or are below 3"},
                               {errc::bad_second_start, "long frame fourth byte is not 68"},
                               {errc::bad_checksum, "checksum mismatch"},
                               {errc::bad_stop, "stop byte is not 16"},
                               {errc::too_long, "long frame with more than 252 data bytes"},
                               {errc::gap_timeout, "inter-byte gap dropped a partial frame"},
                           },
                           "unknown link error");
}

TEST_CASE("link errc comes from decode") {
    CHECK(link::decode(bytes{0x10, 0x5B}).error() == errc::need_more); // start, C: no A yet
    CHECK(link::decode(bytes{0x42}).error() == errc::bad_start);       // no start byte
    CHECK(link::decode(bytes{0x10, 0x5B, 0x05, 0x61, 0x16}).error() == errc::bad_checksum); // CS 60 due
    CHECK(link::decode(bytes{0x10, 0x5B, 0x05, 0x60, 0x17}).error() == errc::bad_stop);     // stop 16 due
    CHECK(link::decode(bytes{0x68, 0x03, 0x04, 0x68}).error() == errc::length_mismatch);    // L 03 and 04
}
