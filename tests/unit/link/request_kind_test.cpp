#include <doctest/doctest.h>

#include <mbus/link/frame.hpp>
#include <mbus/link/request_kind.hpp>

using namespace mbus;
using namespace mbus::link;

namespace {
frame wire_frame(const bytes& wire) {
    auto r = decode(wire);
    REQUIRE(r);
    return r->value;
}
} // namespace

TEST_CASE("request kind of short frames follows the C field whatever FCB and FCV") {
    CHECK(kind_of(wire_frame({0x10, 0x40, 0x05, 0x45, 0x16})) == request_kind::snd_nke); // start C A CS stop
    CHECK(kind_of(wire_frame({0x10, 0x5B, 0x05, 0x60, 0x16})) == request_kind::req_ud2); // FCV 1 FCB 0
    CHECK(kind_of(wire_frame({0x10, 0x7B, 0x05, 0x80, 0x16})) == request_kind::req_ud2); // FCV 1 FCB 1
    CHECK(kind_of(wire_frame({0x10, 0x4B, 0x05, 0x50, 0x16})) == request_kind::req_ud2); // FCV 0
    CHECK(kind_of(wire_frame({0x10, 0x7A, 0x05, 0x7F, 0x16})) == request_kind::req_ud1);
    CHECK(kind_of(wire_frame({0x10, 0x08, 0x05, 0x0D, 0x16})) == request_kind::other); // a slave's C field
    CHECK(kind_of(wire_frame({0xE5})) == request_kind::other);
}

TEST_CASE("request kind tells a select from other SND_UD by its CI") {
    const bytes select{0x68, 0x0B, 0x0B, 0x68,                         // start, L twice, start
                       0x53, 0xFD, 0x52,                               // SND_UD, A FD, CI 52
                       0x78, 0x56, 0x34, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, // id 12345678, any
                       0xB2, 0x16};                                    // CS, stop
    CHECK(kind_of(wire_frame(select)) == request_kind::select);
    CHECK(kind_of(frame::long_frame(0x53, 0xFD, ci_select_msb, bytes(8, 0xFF))) == request_kind::select);
    CHECK(kind_of(frame::long_frame(0x73, 0x05, 0x51, {0x01, 0xFD, 0x17, 0x00})) == request_kind::snd_ud);
    CHECK(kind_of(frame::long_frame(0x53, 0x05, 0x50)) == request_kind::snd_ud); // application reset
    CHECK(kind_of(frame::long_frame(0x08, 0x05, 0x52, bytes(8, 0))) == request_kind::other); // RSP_UD
}

TEST_CASE("request kind names parse back case-blind") {
    for (std::size_t i = 0; i < request_kind_count; ++i) {
        const auto k = static_cast<request_kind>(i);
        CHECK(parse_request_kind(name(k)) == k);
    }
    CHECK(name(request_kind::req_ud2) == "REQ_UD2");
    CHECK(parse_request_kind("snd_nke") == request_kind::snd_nke);
    CHECK(parse_request_kind("Select") == request_kind::select);
    CHECK_FALSE(parse_request_kind("any"));
    CHECK_FALSE(parse_request_kind("REQ_UD"));
}
