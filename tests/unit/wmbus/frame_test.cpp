#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/wmbus/frame.hpp>

using namespace mbus;
using wmbus::frame_format;
using wmbus::layout;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }

// OMS Specification Vol. 2 (release E, 2023-12), Annex N.2.1 "wM-Bus Meter with Security profile
// A": a format A frame with its CRCs, as reproduced in lvogt/wireless-mbus-parser (MIT),
// test/legacy.spec.ts at c0d417ffd22dff426baf22895845ff19394ae8a2 ("OMS Examples").
const bytes oms_n21 =
    hex("2E4493157856341233033363"         // L 2E, C 44, M 9315 (ELS), A 78563412 33 03; CRC 3363
        "7A2A0020255923C95AAA26D1B2E7493B" // block 2: CI 7A, ACC 2A, ST 00, CFG 2520, 11 encrypted
        "C2AD"                             // CRC of block 2
        "013EC4A6F6D3529B520EDFF0EA6DEFC9" // block 3
        "55B2"                             // CRC
        "9D6D69EBF3EC8A");                 // block 4 (5 bytes) and its CRC EC8A

// The same source, "Frame type B" and "Frame type B without CRC": format B (L counts the CRC).
const bytes oms_b = hex("14"           // L = 20: every byte after it, CRC included
                        "44"           // C SND_NR
                        "AE0C"         // M 0CAE (CEN)
                        "78563412"     // ID 12345678
                        "01"           // version
                        "07"           // device type water
                        "8C2027"       // ELL: CI 8C, CC 20, ACC 27
                        "780B13436587" // CI 78, record 0B 13 876543 (volume, l)
                        "7AC5");       // CRC over the 19 bytes before it
const bytes oms_b_plain = hex("1244AE0C7856341201078C2027780B13436587");
} // namespace

TEST_CASE("wmbus format A frame from OMS Annex N decodes with its CRCs checked") {
    REQUIRE(wmbus::detect_layout(oms_n21) == layout::a);
    const auto f = wmbus::decode(oms_n21, frame_format::a);
    REQUIRE(f);
    CHECK(f->c == wmbus::c_field::snd_nr);
    CHECK(app::manufacturer_letters(f->manufacturer) == "ELS");
    CHECK(app::id_to_string(f->id) == "12345678");
    CHECK(f->version == 0x33);
    CHECK(f->device_type == 0x03); // gas
    CHECK(f->data.size() == 0x2E - 9);
    CHECK(f->data.front() == 0x7A);
    // Back to the air: the CRCs the OMS example carries.
    CHECK(wmbus::encode(*f, frame_format::a).value() == oms_n21);
}

TEST_CASE("wmbus format B frame from OMS examples decodes both ways") {
    REQUIRE(wmbus::detect_layout(oms_b) == layout::b);
    REQUIRE(wmbus::detect_layout(oms_b_plain) == layout::no_crc);
    const auto b = wmbus::decode(oms_b, frame_format::b);
    const auto plain = wmbus::decode_plain(oms_b_plain);
    REQUIRE(b);
    REQUIRE(plain);
    CHECK(*b == *plain);
    CHECK(app::manufacturer_letters(b->manufacturer) == "CEN");
    CHECK(wmbus::strip_crcs(oms_b, frame_format::b).value() == oms_b_plain);
    CHECK(wmbus::add_crcs(oms_b_plain, frame_format::b).value() == oms_b);
    CHECK(wmbus::encode_plain(*b).value() == oms_b_plain);
}

TEST_CASE("wmbus CRC error names the block") {
    auto bad = oms_n21;
    bad[30] ^= 0x01; // first byte of block 3 (bytes 30..45, CRC at 46)
    CHECK(wmbus::decode(bad, frame_format::a).error() == wmbus::errc::crc_mismatch);
    const auto fault = wmbus::first_crc_fault(bad, frame_format::a);
    REQUIRE(fault);
    CHECK(fault->block == 3);
    CHECK(fault->offset == 46);
    CHECK(fault->received == 0x55B2);
    const auto text = wmbus::describe(bad, layout::a, wmbus::errc::crc_mismatch);
    CHECK(text.find("CRC error in block 3") != std::string::npos);
    CHECK(text.find("frame has 55B2") != std::string::npos);

    auto bad_b = oms_b;
    bad_b.back() ^= 0xFF;
    CHECK(wmbus::decode(bad_b, frame_format::b).error() == wmbus::errc::crc_mismatch);
    CHECK(wmbus::first_crc_fault(bad_b, frame_format::b)->block == 1);
    // Without a valid CRC the same bytes read as a frame without CRCs, as readers would.
    CHECK(wmbus::detect_layout(bad_b) == layout::no_crc);
}

TEST_CASE("wmbus truncated and over-long frames are errors naming the sizes") {
    const bytes cut(oms_n21.begin(), oms_n21.end() - 3);
    CHECK(wmbus::decode(cut, frame_format::a).error() == wmbus::errc::truncated);
    CHECK(wmbus::describe(cut, layout::a, wmbus::errc::truncated) ==
          "truncated frame: L field 2E announces 55 bytes (format A), got 52");
    auto longer = oms_b_plain;
    longer.push_back(0x00);
    CHECK(wmbus::decode_plain(longer).error() == wmbus::errc::length_mismatch);
    CHECK(wmbus::decode_plain(bytes{}).error() == wmbus::errc::truncated);
    CHECK(wmbus::decode_plain(hex("05440000")).error() == wmbus::errc::length_mismatch); // L < 9
    CHECK(!wmbus::detect_layout(hex("2E44")));
}

TEST_CASE("wmbus format B long frames carry two CRCs and format A one per block") {
    wmbus::frame f;
    f.manufacturer = app::manufacturer_code("KAM").value();
    f.id = 0x12345678;
    f.version = 0x1B;
    f.device_type = 0x16;
    f.data.assign(150, 0x2F);
    f.data[0] = 0x78;
    const auto b = wmbus::encode(f, frame_format::b).value();
    CHECK(b.size() == 1 + 9 + 150 + 4);
    CHECK(b[0] == b.size() - 1);
    CHECK(wmbus::detect_layout(b) == layout::b);
    CHECK(wmbus::decode(b, frame_format::b).value() == f);
    auto bad = b;
    bad[140] ^= 0x10; // block 3
    CHECK(wmbus::first_crc_fault(bad, frame_format::b)->block == 2);

    const auto a = wmbus::encode(f, frame_format::a).value();
    // 10 + 150 bytes: first block, 9 full blocks of 16 and one of 6, each with a CRC.
    CHECK(a.size() == 160 + 2 * 11);
    CHECK(wmbus::detect_layout(a) == layout::a);
    CHECK(wmbus::decode(a, frame_format::a).value() == f);

    f.data.assign(250, 0x2F);
    CHECK(wmbus::encode(f, frame_format::a).error() == wmbus::errc::frame_too_long);
}
