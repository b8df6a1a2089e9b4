// sim/fault_bytes: the byte surgery of corrupting faults, on annotated frames.

#include <doctest/doctest.h>

#include <mbus/link/frame.hpp>
#include <mbus/sim/fault_bytes.hpp>

using namespace mbus;
using namespace mbus::sim;

namespace {

const bytes ack{0xE5};
const bytes snd_nke{0x10, 0x40, 0x05, 0x45, 0x16}; // start, C = SND_NKE, A = 5, CS, stop

const bytes rsp_ud{0x68, 0x0F, 0x0F, 0x68, // start, L = 15 twice, start
                   0x08, 0x05, 0x72,       // C = RSP_UD, A = 5, CI = 72 (long header)
                   0x78, 0x56, 0x34, 0x12, // ID 12345678
                   0x2D, 0x2C,             // manufacturer KAM
                   0x01, 0x07,             // version 1, medium water
                   0x01,                   // access number 1
                   0x00,                   // status
                   0x00, 0x00,             // signature
                   0xF5, 0x16};            // CS, stop

const bytes rsp_ud_short_header{0x68, 0x07, 0x07, 0x68, // start, L = 7 twice, start
                                0x08, 0x05, 0x7A,       // C = RSP_UD, A = 5, CI = 7A (short header)
                                0x01, 0x00, 0x00, 0x00, // access number 1, status, signature
                                0x88, 0x16};            // CS, stop

const bytes rsp_ud_no_header{0x68, 0x04, 0x04, 0x68, // start, L = 4 twice, start
                             0x08, 0x05, 0x78,       // C = RSP_UD, A = 5, CI = 78 (no header)
                             0x2F,                   // an idle filler record
                             0xB4, 0x16};            // CS, stop

// The result is one valid frame (checksum fits) followed by nothing.
bool decodes_whole(const bytes& wire) {
    const auto d = link::decode(wire);
    return d && d->size == wire.size();
}

} // namespace

TEST_CASE("fault_bytes adds to the checksum of short and long frames") {
    CHECK(add_to_checksum(snd_nke, 1) == bytes{0x10, 0x40, 0x05, 0x46, 0x16}); // CS 45 + 1
    auto long_cs = rsp_ud;
    long_cs[19] = 0xF4; // CS F5 - 1
    CHECK(add_to_checksum(rsp_ud, -1) == long_cs);
    CHECK(add_to_checksum(snd_nke, 0xBB) == bytes{0x10, 0x40, 0x05, 0x00, 0x16}); // mod 256
    CHECK_FALSE(add_to_checksum(ack, 1));                                         // an E5 has no checksum
    CHECK_FALSE(add_to_checksum(bytes{0x10, 0x40, 0x05, 0x45}, 1));               // too short for a frame
}

TEST_CASE("fault_bytes replaces the stop byte") {
    CHECK(replace_stop(snd_nke, 0x17) == bytes{0x10, 0x40, 0x05, 0x45, 0x17});
    CHECK(replace_stop(rsp_ud, 0x00)->back() == 0x00);
    CHECK_FALSE(replace_stop(ack, 0x17));
}

TEST_CASE("fault_bytes changes either or both length bytes of long frames") {
    const auto both = add_to_length(rsp_ud, 1, length_field::both);
    REQUIRE(both);
    CHECK(bytes(both->begin(), both->begin() + 4) == bytes{0x68, 0x10, 0x10, 0x68}); // L = 16 twice
    const auto first = add_to_length(rsp_ud, 1, length_field::first);
    REQUIRE(first);
    CHECK((*first)[1] == 0x10);
    CHECK((*first)[2] == 0x0F);
    const auto second = add_to_length(rsp_ud, -16, length_field::second);
    REQUIRE(second);
    CHECK((*second)[1] == 0x0F);
    CHECK((*second)[2] == 0xFF); // 0F - 16 mod 256
    CHECK(first->size() == rsp_ud.size());
    CHECK_FALSE(add_to_length(snd_nke, 1, length_field::both)); // a short frame has no L
    CHECK_FALSE(add_to_length(ack, 1, length_field::both));
}

TEST_CASE("fault_bytes replaces the address with a checksum that fits") {
    CHECK(replace_address(snd_nke, 0x07) == bytes{0x10, 0x40, 0x07, 0x47, 0x16}); // A = 7, CS 40 + 07
    auto moved = rsp_ud;
    moved[5] = 0x07;  // A = 7
    moved[19] = 0xF7; // CS two more
    CHECK(replace_address(rsp_ud, 0x07) == moved);
    // Bytes after the frame (another fault's garbage) stay behind it.
    bytes with_tail = snd_nke;
    with_tail.push_back(0xAA);
    CHECK(replace_address(with_tail, 0x07) == bytes{0x10, 0x40, 0x07, 0x47, 0x16, 0xAA});
    CHECK_FALSE(replace_address(ack, 0x07));
    CHECK_FALSE(replace_address(*add_to_checksum(snd_nke, 1), 0x07)); // no frame to decode
}

TEST_CASE("fault_bytes replaces the access number of long and short headers") {
    const auto changed = replace_access_number(rsp_ud, 0x99);
    REQUIRE(changed);
    CHECK((*changed)[15] == 0x99); // access number after ID, manufacturer, version, medium
    CHECK((*changed)[19] == 0x8D); // CS
    CHECK(decodes_whole(*changed));
    CHECK(replace_access_number(rsp_ud_short_header, 0x02) ==
          bytes{0x68, 0x07, 0x07, 0x68, 0x08, 0x05, 0x7A, 0x02, 0x00, 0x00, 0x00, 0x89, 0x16});
    CHECK_FALSE(replace_access_number(rsp_ud_no_header, 0x02)); // CI 78 has no access number
    CHECK_FALSE(replace_access_number(snd_nke, 0x02));
    CHECK_FALSE(replace_access_number(ack, 0x02));
}

TEST_CASE("fault_bytes sets status bits and keeps those already set") {
    const auto alarm = or_status(rsp_ud, 0x04);
    REQUIRE(alarm);
    CHECK((*alarm)[16] == 0x04); // status
    CHECK((*alarm)[19] == 0xF9); // CS
    const auto both = or_status(*alarm, 0x14);
    REQUIRE(both);
    CHECK((*both)[16] == 0x14);
    CHECK(decodes_whole(*both));
    CHECK_FALSE(or_status(rsp_ud_no_header, 0x04));
}

TEST_CASE("fault_bytes builds a CI 70 application error frame") {
    CHECK(app_error_frame(0x08, 0x05, 0x02) == bytes{0x68, 0x04, 0x04, 0x68, // start, L = 4 twice, start
                                                     0x08, 0x05, 0x70,       // C = RSP_UD, A = 5, CI = 70
                                                     0x02,                   // status: too long, truncated
                                                     0x7F, 0x16});           // CS, stop
}
