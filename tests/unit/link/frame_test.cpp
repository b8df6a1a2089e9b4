#include <doctest/doctest.h>

#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>

#include <sstream>

using namespace mbus;
using namespace mbus::link;

namespace {
// Every proper prefix of a valid frame asks for more bytes.
void check_prefixes_need_more(const bytes& wire) {
    for (std::size_t n = 0; n < wire.size(); ++n) {
        CAPTURE(n);
        CHECK(decode(bytes_view(wire).first(n)).error() == errc::need_more);
    }
}
} // namespace

TEST_CASE("link ACK is the single byte E5") {
    const bytes wire{0xE5};
    CHECK(encode(frame::ack()).value() == wire);
    const auto r = decode(wire);
    REQUIRE(r);
    CHECK(r->value == frame::ack());
    CHECK(r->size == 1);
    CHECK(describe(r->value) == "ACK");
    check_prefixes_need_more(wire);
}

TEST_CASE("link short frame REQ_UD2 to address 5") {
    const bytes wire{0x10, 0x5B, 0x05, 0x60, 0x16}; // start, C=REQ_UD2 FCV=1, A=5, CS=5B+05, stop
    const auto f = frame::short_frame(c_field::req_ud2, 5);
    CHECK(checksum(f) == 0x60);
    CHECK(encode(f).value() == wire);
    const auto r = decode(wire);
    REQUIRE(r);
    CHECK(r->value == f);
    CHECK(r->size == 5);
    check_prefixes_need_more(wire);
    CHECK(describe(f) == "REQ_UD2 a=5 fcb=0 fcv=1");
}

TEST_CASE("link control frame is a long frame without data") {
    const bytes wire{0x68, 0x03, 0x03, 0x68, // start, L=3, L=3, start
                     0x53, 0xFE, 0x50,       // C=SND_UD, A=FE, CI=50 application reset
                     0xA1, 0x16};            // CS=53+FE+50 mod 256, stop
    const auto f = frame::long_frame(c_field::snd_ud, 0xFE, 0x50);
    CHECK(f.kind == frame_kind::control);
    CHECK(encode(f).value() == wire);
    const auto r = decode(wire);
    REQUIRE(r);
    CHECK(r->value == f);
    CHECK(r->size == 9);
    check_prefixes_need_more(wire);
    CHECK(describe(f) == "SND_UD a=254 fcb=0 fcv=1 ci=50 len=0");
}

TEST_CASE("link long frame select by secondary address") {
    const bytes wire{0x68, 0x0B, 0x0B, 0x68, // start, L=11, L=11, start
                     0x73, 0xFD, 0x52,       // C=SND_UD FCB=1, A=FD selected, CI=52 select
                     0x01, 0x00, 0x00, 0x00, // ID 00000001, LSB first
                     0xDA, 0xDA, 0xFA, 0x1B, // manufacturer DADA, version FA, medium 1B
                     0x8C, 0x16};            // CS, stop
    const auto f =
        frame::long_frame(0x73, address::selected, 0x52, {0x01, 0x00, 0x00, 0x00, 0xDA, 0xDA, 0xFA, 0x1B});
    CHECK(f.kind == frame_kind::long_frame);
    CHECK(encode(f).value() == wire);
    const auto r = decode(wire);
    REQUIRE(r);
    CHECK(r->value == f);
    CHECK(r->size == wire.size());
    check_prefixes_need_more(wire);
    CHECK(describe(f) == "SND_UD a=253 fcb=1 fcv=1 ci=52 len=8");
}

TEST_CASE("link decode ignores bytes after the frame") {
    const bytes wire{0x10, 0x40, 0x00, 0x40, 0x16, // SND_NKE to 0
                     0xE5, 0x68};                  // whatever follows
    const auto r = decode(wire);
    REQUIRE(r);
    CHECK(r->value == frame::short_frame(c_field::snd_nke, 0));
    CHECK(r->size == 5);
}

TEST_CASE("link decode rejects malformed frames") {
    SUBCASE("bad start") {
        CHECK(decode(bytes{0x00}).error() == errc::bad_start);
        CHECK(decode(bytes{0x16, 0xE5}).error() == errc::bad_start);
    }
    SUBCASE("L below 3") {
        CHECK(decode(bytes{0x68, 0x02}).error() == errc::length_mismatch);
        CHECK(decode(bytes{0x68, 0x00, 0x00, 0x68, 0x08, 0x16}).error() == errc::length_mismatch);
    }
    SUBCASE("L bytes differ") { CHECK(decode(bytes{0x68, 0x03, 0x04}).error() == errc::length_mismatch); }
    SUBCASE("fourth byte not 68") {
        CHECK(decode(bytes{0x68, 0x03, 0x03, 0x69}).error() == errc::bad_second_start);
    }
    SUBCASE("short frame checksum is checked before the stop byte arrives") {
        CHECK(decode(bytes{0x10, 0x08, 0x0B, 0xFF}).error() == errc::bad_checksum);
        CHECK(decode(bytes{0x10, 0x08, 0x0B, 0xFF, 0x16}).error() == errc::bad_checksum);
    }
    SUBCASE("long frame checksum") {
        // control frame, C=08 A=0B CI=72, CS should be 85
        CHECK(decode(bytes{0x68, 0x03, 0x03, 0x68, 0x08, 0x0B, 0x72, 0x00, 0x16}).error() ==
              errc::bad_checksum);
    }
    SUBCASE("bad stop") {
        CHECK(decode(bytes{0x10, 0x5B, 0x05, 0x60, 0x17}).error() == errc::bad_stop);
        CHECK(decode(bytes{0x68, 0x03, 0x03, 0x68, 0x08, 0x0B, 0x72, 0x85, 0xE5}).error() == errc::bad_stop);
    }
}

TEST_CASE("link encode limits long frames to 252 data bytes") {
    const auto biggest = frame::long_frame(c_field::rsp_ud, 1, 0x72, bytes(252, 0x2F));
    const auto wire = encode(biggest);
    REQUIRE(wire);
    CHECK(wire->size() == 261); // 68 L L 68, C A CI, 252 data, CS 16
    CHECK((*wire)[1] == 0xFF);  // L = 255
    CHECK((*wire)[2] == 0xFF);
    const auto r = decode(*wire);
    REQUIRE(r);
    CHECK(r->value == biggest);
    CHECK(encode(frame::long_frame(c_field::rsp_ud, 1, 0x72, bytes(253, 0x2F))).error() == errc::too_long);
}

TEST_CASE("link every L from 3 to 255 round trips") {
    for (std::size_t len = 0; len <= 252; ++len) {
        bytes data(len);
        for (std::size_t i = 0; i < len; ++i)
            data[i] = static_cast<byte>(i * 7 + 3);
        const auto f = frame::long_frame(c_field::rsp_ud, 9, 0x72, data);
        const auto wire = encode(f);
        REQUIRE(wire);
        CHECK(frame_size(*wire).value() == len + 9);
        const auto r = decode(*wire);
        REQUIRE(r);
        CHECK(r->value == f);
        CHECK(r->size == wire->size());
        CHECK(decode(bytes_view(*wire).first(wire->size() - 1)).error() == errc::need_more);
    }
}

TEST_CASE("link frame_size reads only start and length bytes") {
    CHECK(frame_size(bytes{}).error() == errc::need_more);
    CHECK(frame_size(bytes{0xE5}).value() == 1);
    CHECK(frame_size(bytes{0x10}).value() == 5);
    CHECK(frame_size(bytes{0x68}).error() == errc::need_more);
    CHECK(frame_size(bytes{0x68, 0x03, 0x03}).error() == errc::need_more);
    CHECK(frame_size(bytes{0x68, 0x03, 0x03, 0x68}).value() == 9);
    CHECK(frame_size(bytes{0x68, 0xFF, 0xFF, 0x68}).value() == 261);
    CHECK(frame_size(bytes{0x68, 0xFF, 0xFE, 0x68}).error() == errc::length_mismatch);
    CHECK(frame_size(bytes{0x42}).error() == errc::bad_start);
}

TEST_CASE("link C field names cover both directions and FCB FCV") {
    CHECK(c_field_name(0x40) == "SND_NKE");
    CHECK(c_field_name(0x53) == "SND_UD");
    CHECK(c_field_name(0x73) == "SND_UD");
    CHECK(c_field_name(0x43) == "SND_UD");
    CHECK(c_field_name(0x5B) == "REQ_UD2");
    CHECK(c_field_name(0x7B) == "REQ_UD2");
    CHECK(c_field_name(0x5A) == "REQ_UD1");
    CHECK(c_field_name(0x7A) == "REQ_UD1");
    CHECK(c_field_name(0x08) == "RSP_UD");
    CHECK(c_field_name(0x28) == "RSP_UD");
    CHECK(c_field_name(0x18) == "RSP_UD");
    CHECK(c_field_name(0x49).empty());
    CHECK(c_field_name(0x00).empty());
    CHECK(c_field_name(0xC8).empty()); // bit 7 is reserved
}

TEST_CASE("link describe gives one log line per frame") {
    CHECK(describe(frame::short_frame(0x7B, 5)) == "REQ_UD2 a=5 fcb=1 fcv=1");
    CHECK(describe(frame::short_frame(0x40, 253)) == "SND_NKE a=253 fcb=0 fcv=0");
    CHECK(describe(frame::short_frame(0x5A, 1)) == "REQ_UD1 a=1 fcb=0 fcv=1");
    CHECK(describe(frame::long_frame(0x08, 5, 0x72, bytes(60, 0))) == "RSP_UD a=5 ci=72 len=60");
    CHECK(describe(frame::long_frame(0x28, 5, 0x72, bytes(2, 0))) == "RSP_UD a=5 acd=1 ci=72 len=2");
    CHECK(describe(frame::short_frame(0x49, 7)) == "C=49 a=7 fcb=0 fcv=0");

    std::ostringstream os;
    os << frame::long_frame(0x08, 1, 0x70, {0x08});
    CHECK(os.str() == "RSP_UD a=1 ci=70 len=1 data=08");
}

TEST_CASE("link errors have messages in their own category") {
    const std::error_code ec = errc::bad_checksum;
    CHECK(std::string(ec.category().name()) == "mbus.link");
    CHECK(ec.message() == "checksum mismatch");
    CHECK(std::error_code(errc::gap_timeout).message() == "inter-byte gap dropped a partial frame");
}

TEST_CASE("link checksum: the word-at-a-time sum equals the byte-by-byte sum at every length") {
    // Lengths 0..252 cover every tail (0-7 bytes after the words) and the longest data; bytes FF
    // fill every lane to its top, the other pattern varies them.
    for (const int pattern : {0, 1}) {
        for (std::size_t n = 0; n <= 252; ++n) {
            CAPTURE(pattern);
            CAPTURE(n);
            bytes data(n);
            for (std::size_t i = 0; i < n; ++i)
                data[i] = pattern == 0 ? byte{0xFF} : static_cast<byte>(i * 37 + 11);
            const auto f = frame::long_frame(c_field::rsp_ud, 0xFD, 0x72, data);
            unsigned expected = 0x08 + 0xFD + 0x72;
            for (const byte b : data)
                expected += b;
            CHECK(checksum(f) == static_cast<byte>(expected & 0xFF));
            const auto wire = encode(f);
            REQUIRE(wire);
            const auto back = decode(*wire);
            REQUIRE(back);
            CHECK(back->value == f);
            bytes bad = *wire;
            bad[bad.size() - 2] = static_cast<byte>(bad[bad.size() - 2] + 1);
            CHECK(decode(bad).error() == errc::bad_checksum);
        }
    }
}
