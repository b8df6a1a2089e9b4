// Frames in words, and the one decode of what a master received.

#include "support.hpp"

#include <mbus/runtime/summary.hpp>

using namespace mbus;

namespace {

const bytes rsp_ud_wire{
    0x68, 0x15, 0x15, 0x68, // start, L = 21 twice, start
    0x08, 0x05, 0x72,       // RSP_UD from 5, CI 72
    0x78, 0x56, 0x34, 0x12, // ID 12345678
    0x2D, 0x2C, 0x01, 0x07, // KAM, version 1, water
    0x00, 0x00, 0x00, 0x00, // access number, status, signature
    0x0C, 0x13,             // 8-digit BCD volume in litres
    0x78, 0x56, 0x34, 0x12, // 12345678
    0x27, 0x16,             // checksum, stop
};

// The same telegram with a DIF 1F record at its end: more telegrams follow.
const bytes rsp_ud_more{
    0x68, 0x16, 0x16, 0x68, // start, L = 22 twice, start
    0x08, 0x05, 0x72,       // RSP_UD from 5, CI 72
    0x78, 0x56, 0x34, 0x12, // ID 12345678
    0x2D, 0x2C, 0x01, 0x07, // KAM, version 1, water
    0x00, 0x00, 0x00, 0x00, // access number, status, signature
    0x0C, 0x13,             // 8-digit BCD volume in litres
    0x78, 0x56, 0x34, 0x12, // 12345678
    0x1F,                   // DIF 1F: more records follow in the next telegram
    0x46, 0x16,             // checksum, stop
};

} // namespace

TEST_CASE("summarize adds identity and record count to an RSP_UD") {
    const auto f = link::decode(rsp_ud_wire);
    REQUIRE(f);
    CHECK(runtime::summarize(f->value) ==
          "RSP_UD a=5 ci=72 len=18 [id=12345678 man=KAM ver=1 medium=water records=1]");
    CHECK(runtime::summarize(link::frame::short_frame(0x5B, 5)) == "REQ_UD2 a=5 fcb=0 fcv=1");
}

TEST_CASE("decode_wire shows every frame of a reply and undecodable bytes") {
    CHECK(runtime::decode_wire(bytes{0xE5}).summary == "ACK");
    CHECK(runtime::decode_wire(bytes{0xE5}).frame);
    CHECK(runtime::decode_wire(bytes{0xE5, 0xE5}).summary == "ACK + ACK");
    CHECK_FALSE(runtime::decode_wire(bytes{0xE5, 0xE5}).frame); // two frames are not one intact frame
    auto broken = rsp_ud_wire;
    broken[25] ^= 0xFF; // the checksum
    const auto d = runtime::decode_wire(broken);
    CHECK(d.summary == "? 27 bytes (" + make_error_code(link::errc::bad_checksum).message() + ")");
    CHECK_FALSE(d.frame);
    CHECK(runtime::decode_wire(bytes{0xE5, 0x00}).summary.starts_with("ACK + ? 1 bytes ("));
}

TEST_CASE("decode_wire tells whether more telegrams follow") {
    const auto last = runtime::decode_wire(rsp_ud_wire);
    REQUIRE(last.frame);
    CHECK_FALSE(last.more_follows);
    const auto more = runtime::decode_wire(rsp_ud_more);
    REQUIRE(more.frame);
    CHECK(more.more_follows);
    CHECK(more.summary == "RSP_UD a=5 ci=72 len=19 [id=12345678 man=KAM ver=1 medium=water records=2]");
}
