#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/record_view.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>

#include "support/corpus.hpp"

#include <iostream>
#include <vector>

using namespace mbus;
using namespace mbus::app;

namespace {

bytes hex(std::string_view h) { return from_hex(h).value(); }
bytes copy(bytes_view v) { return bytes(v.begin(), v.end()); }

// The records of `data` through the cursor, and its error.
struct read_all {
    std::vector<record> records;
    std::error_code error;
};
read_all through_cursor(bytes_view data) {
    read_all out;
    record_cursor c{data};
    while (const auto r = c.next())
        out.records.push_back(r->to_record());
    out.error = c.error();
    return out;
}

} // namespace

TEST_CASE("record_view: fields are views into the user data") {
    // Energy int32 (EN 13757-3 example shape), then DIF 84 DIFE 10 (tariff 1), VIF FC with plain
    // text "%RH" (sent reversed) and VIFE 74, then a variable-length text "ABC".
    const bytes data = hex("04 06 9A 00 00 00  84 10 FC 03 48 52 25 74 01 02 03 04  0D FD 0C 03 43 42 41");
    record_cursor c{data};
    const auto a = c.next();
    REQUIRE(a);
    CHECK(a->dif == 0x04);
    CHECK(a->dife.empty());
    CHECK(a->has_vib);
    CHECK(a->vif == 0x06);
    CHECK(a->vife.empty());
    CHECK(copy(a->data) == hex("9A 00 00 00"));
    CHECK(copy(a->wire) == hex("04 06 9A 00 00 00"));
    CHECK(a->data.data() == data.data() + 2); // not a copy

    const auto b = c.next();
    REQUIRE(b);
    CHECK(b->dif == 0x84);
    CHECK(copy(b->dife) == hex("10"));
    CHECK(b->vif == 0xFC);
    CHECK(copy(b->plain_text) == hex("48 52 25"));
    CHECK(copy(b->vife) == hex("74"));
    CHECK(b->vife0() == 0x74);
    CHECK(copy(b->data) == hex("01 02 03 04"));
    CHECK(copy(b->wire) == hex("84 10 FC 03 48 52 25 74 01 02 03 04"));

    const auto t = c.next();
    REQUIRE(t);
    CHECK(t->dif == 0x0D);
    CHECK(copy(t->vife) == hex("0C"));
    CHECK(copy(t->data) == hex("03 43 42 41")); // from the LVAR byte on, as record::data
    CHECK(copy(value_bytes(*t)) == hex("43 42 41"));

    CHECK_FALSE(c.next());
    CHECK_FALSE(c.error());
}

TEST_CASE("record_view: special DIFs") {
    const bytes data = hex("2F 2F 0F 01 02 03");
    record_cursor c{data};
    for (int i = 0; i < 2; ++i) {
        const auto f = c.next();
        REQUIRE(f);
        CHECK(f->dif == 0x2F);
        CHECK_FALSE(f->has_vib);
        CHECK(f->data.empty());
        CHECK(f->wire.size() == 1);
    }
    const auto m = c.next();
    REQUIRE(m);
    CHECK(m->dif == 0x0F);
    CHECK_FALSE(m->has_vib);
    CHECK(copy(m->data) == hex("01 02 03"));
    CHECK_FALSE(c.next());
    CHECK_FALSE(c.error());
}

TEST_CASE("record_view: errors are decode()'s, and the cursor stops at them") {
    const std::vector<std::pair<const char*, errc>> cases{
        {"84", errc::premature_end_at_dif},
        {"04", errc::premature_end_at_vif},
        {"04 86", errc::premature_end_at_vif},
        {"04 06 01 02", errc::premature_end_at_data},
        {"04 7C 05 41", errc::premature_end_at_plain_vif},
        {"84 80 80 80 80 80 80 80 80 80 80 00 06 00 00 00 00", errc::too_many_dife},
        {"04 86 80 80 80 80 80 80 80 80 80 80 00 00 00 00 00", errc::too_many_vife},
    };
    for (const auto& [h, e] : cases) {
        CAPTURE(h);
        const bytes data = hex(h);
        const auto r = through_cursor(data);
        CHECK(r.error == make_error_code(e));
        CHECK(r.records.empty());
        const auto d = decode(ci::variable_none, data);
        REQUIRE_FALSE(d);
        CHECK(d.error() == make_error_code(e));
    }
    // A good record before the bad one is given, then the cursor ends.
    const auto r = through_cursor(hex("02 FD 17 00 00  04 06 01"));
    CHECK(r.records.size() == 1);
    CHECK(r.error == make_error_code(errc::premature_end_at_data));
}

TEST_CASE("record_view: variable_view reads the header as decode() does") {
    const bytes data = hex("78 56 34 12 2D 2C 08 04  05 00 00 00  04 06 9A 00 00 00");
    const auto v = decode_variable_view(ci::variable_long, data);
    REQUIRE(v);
    const auto d = decode(ci::variable_long, data);
    REQUIRE(d);
    CHECK(v->header == std::get<variable_data>(*d).header);
    CHECK(v->records.size() == 6);
    CHECK(decode_variable_view(ci::variable_long, {}).error() == make_error_code(errc::no_data));
    CHECK(decode_variable_view(ci::variable_short, hex("01 02")).error() ==
          make_error_code(errc::header_too_short));
    CHECK(decode_variable_view(ci::fixed, data).error() == make_error_code(errc::unsupported_ci));
}

TEST_CASE("record_view: the cursor reads every libmbus corpus frame as decode() does") {
    const auto dir = test::corpus_dir();
    if (!dir) {
        MESSAGE("corpus missing (../shared/corpus): record_view corpus test skipped");
        return;
    }
    int frames = 0;
    int same = 0;
    for (const char* folder : {"test-frames", "error-frames", "unsupported-frames"}) {
        for (const auto& p : test::files_with_suffix(*dir / "libmbus" / folder, ".hex")) {
            const auto wire = from_hex(test::read_file(p));
            if (!wire) continue;
            const auto f = link::decode(*wire);
            if (!f || f->value.kind != link::frame_kind::long_frame) continue;
            const byte ci = f->value.ci;
            if (ci != ci::variable_long && ci != ci::variable_short && ci != ci::variable_none) continue;
            CAPTURE(p.filename().string());
            ++frames;
            const auto d = decode(ci, f->value.data);
            const auto v = decode_variable_view(ci, f->value.data);
            if (!v) { // a header error, which decode() gives too
                CHECK_FALSE(d);
                const bool agree = !d && d.error() == v.error();
                CHECK(agree);
                same += agree ? 1 : 0;
                continue;
            }
            const auto r = through_cursor(v->records);
            if (d) {
                const auto& expected = std::get<variable_data>(*d);
                CHECK_FALSE(r.error);
                CHECK(r.records == expected.records);
                same += !r.error && r.records == expected.records ? 1 : 0;
            } else {
                CHECK(r.error == d.error());
                same += r.error == d.error() ? 1 : 0;
            }
        }
    }
    std::cout << "corpus: libmbus record views " << same << "/" << frames << "\n";
    CHECK(frames > 70);
    CHECK(same == frames);
}
