// link/frame_view.hpp: decode_view reads what decode reads, with the same errors, without copying
// the data; append_description writes describe()'s line.

#include <doctest/doctest.h>

#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/frame_view.hpp>

#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::link;

namespace {

const bytes rsp_ud{
    0x68, 0x06, 0x06, 0x68, // start, L = 6 twice, start
    0x08, 0x05, 0x72,       // RSP_UD from 5, CI 72
    0x01, 0x02, 0x03,       // three data bytes
    0x85,                   // checksum 08 + 05 + 72 + 01 + 02 + 03
    0x16,                   // stop
};

} // namespace

TEST_CASE("frame view: the fields of decode, the data as a view into the wire") {
    const auto v = decode_view(rsp_ud);
    REQUIRE(v);
    CHECK(v->size == rsp_ud.size());
    CHECK(v->value.kind == frame_kind::long_frame);
    CHECK(v->value.c == 0x08);
    CHECK(v->value.a == 0x05);
    CHECK(v->value.ci == 0x72);
    REQUIRE(v->value.data.size() == 3);
    CHECK(v->value.data.data() == rsp_ud.data() + 7); // not a copy
    CHECK(v->value.to_frame() == decode(rsp_ud)->value);
    std::string line = "< ";
    append_description(line, v->value);
    CHECK(line == "< RSP_UD a=5 ci=72 len=3");
}

TEST_CASE("frame view: every kind and every error as decode gives them") {
    const std::vector<bytes> wires{
        {0xE5},                                                 // ACK
        {0x10, 0x7B, 0x05, 0x80, 0x16},                         // REQ_UD2 to 5, FCB set
        {0x10, 0x40, 0xFD, 0x3D, 0x16},                         // SND_NKE to FD
        {0x68, 0x03, 0x03, 0x68, 0x53, 0x01, 0x50, 0xA4, 0x16}, // control frame: SND_UD CI 50
        {0x68, 0x03, 0x03, 0x68, 0x73, 0x01, 0x50, 0xC4, 0x16}, // the same with FCB
        {0x68, 0x03, 0x03, 0x68, 0x88, 0x01, 0x50, 0xD9, 0x16}, // C 88: no name, bit 7 set
        {0x10, 0x7B, 0x05, 0x81, 0x16},                         // bad checksum
        {0x10, 0x7B, 0x05, 0x80, 0x17},                         // bad stop
        {0x68, 0x03, 0x04, 0x68},                               // the two L differ
        {0x68, 0x02, 0x02, 0x68},                               // L below 3
        {0x68, 0x03, 0x03, 0x69},                               // bad second start
        {0x42},                                                 // bad start
        {},                                                     // nothing yet
    };
    auto all = wires;
    all.push_back(rsp_ud);
    for (std::size_t cut = 0; cut < rsp_ud.size(); ++cut) // every prefix wants more
        all.emplace_back(rsp_ud.begin(), rsp_ud.begin() + static_cast<std::ptrdiff_t>(cut));
    for (const auto& w : all) {
        CAPTURE(to_hex(w));
        const auto d = decode(w);
        const auto v = decode_view(w);
        REQUIRE(d.has_value() == v.has_value());
        if (!d) {
            CHECK(d.error() == v.error());
            continue;
        }
        CHECK(v->size == d->size);
        CHECK(v->value.to_frame() == d->value);
        std::string line;
        append_description(line, v->value);
        CHECK(line == describe(d->value));
        const auto back = view_of(d->value);
        CHECK(back.to_frame() == d->value);
    }
    // Words for a few of them, as the log has always written them.
    std::string line;
    append_description(line, decode_view(wires[3])->value);
    CHECK(line == "SND_UD a=1 fcb=0 fcv=1 ci=50 len=0");
    line.clear();
    append_description(line, decode_view(wires[5])->value);
    CHECK(line == "C=88 a=1 ci=50 len=0");
}
