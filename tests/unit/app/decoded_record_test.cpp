// decoded_record.hpp: lean records. Checked against libmbus's own decode of a corpus frame (its
// normalized XML, ../shared/corpus/libmbus/test-frames/ACW_Itron-CYBLE-M-Bus-14.norm.xml), and
// against describe_fields() on every record of the corpus (which meaning_corpus_test checks
// against the corpus's expected decodes): the same numbers, units and values, record by record.

#include "support/corpus.hpp"

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/decoded_record.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/link/frame.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::app;

namespace {

// The frame's records; the views point into `frame`'s data, which the caller keeps.
std::vector<decoded_record> records_of(const bytes& wire, link::frame& frame) {
    auto f = link::decode(wire);
    REQUIRE(f);
    frame = std::move(f->value);
    const auto v = decode_variable_view(frame.ci, frame.data);
    REQUIRE(v);
    std::vector<decoded_record> out;
    CHECK_FALSE(decode_records(*v, out));
    return out;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

} // namespace

TEST_CASE("decode_records: the Itron CYBLE frame as libmbus decodes it (its normalized XML)") {
    const bytes wire =
        from_hex("68 56 56 68 08 01 72 23 15 01 09 77 04 14 07 25 00 00 00 0C 78 23 15 01 09 0D "
                 "7C 08 44 49 20 2E 74 73 75 63 0A 35 35 37 36 37 30 41 4C 39 30 04 6D 1A 0E "
                 "CD 13 02 7C 09 65 6D 69 74 20 2E 74 61 62 D4 09 04 13 1F 00 00 00 04 93 7F "
                 "00 00 00 00 44 13 1F 00 00 00 0F 00 01 1F A9 16")
            .value();
    link::frame frame;
    const auto r = records_of(wire, frame);
    REQUIRE(r.size() == 8);
    for (const auto& x : r)
        CHECK_FALSE(x.error);
    // <Quantity>Fabrication No</Quantity> <Value>9011523.000000</Value>: 8-digit BCD.
    CHECK(r[0].vib.q == quantity::fabrication_number);
    CHECK(r[0].kind_of_value == value_kind::integer);
    CHECK(r[0].integer == 9011523);
    // <Quantity>cust. ID</Quantity> <Value>09LA076755</Value>: plain-text unit, text value.
    CHECK(r[1].vib.q == quantity::plain_text_unit);
    CHECK(r[1].unit_text() == "cust. ID");
    CHECK(r[1].kind_of_value == value_kind::text);
    CHECK(r[1].text() == "09LA076755");
    // <Value>2014-03-13T14:26:00Z</Value>: type F.
    REQUIRE(r[2].kind_of_value == value_kind::date_time);
    CHECK(r[2].moment.full_year() == 2014);
    CHECK(r[2].moment.month == 3);
    CHECK(r[2].moment.day == 13);
    CHECK(r[2].moment.hour == 14);
    CHECK(r[2].moment.minute == 26);
    // <Quantity>bat. time</Quantity> <Value>2516.000000</Value>.
    CHECK(r[3].unit_text() == "bat. time");
    CHECK(r[3].integer == 2516);
    // <Unit>m^3</Unit> <Quantity>Volume</Quantity> <Value>0.031000</Value> (VIF 13: 10^-3 m3).
    CHECK(r[4].vib.q == quantity::volume);
    CHECK(r[4].quantity_text == "Volume");
    CHECK(r[4].unit_symbol == "m3");
    CHECK(r[4].vib.exponent == -3);
    CHECK(r[4].integer == 31);
    REQUIRE(r[4].has_scaled);
    CHECK(r[4].scaled == doctest::Approx(0.031));
    // VIF 93 VIFE 7F (manufacturer-specific VIFE follows): still a volume, 0.
    CHECK(r[5].vib.q == quantity::volume);
    CHECK(r[5].scaled == 0.0);
    // <StorageNumber>1</StorageNumber> <Value>0.031000</Value>.
    CHECK(r[6].storage == 1);
    CHECK(r[6].scaled == doctest::Approx(0.031));
    // <Function>Manufacturer specific</Function> <Value>00 01 1F</Value>.
    CHECK(r[7].kind == record_kind::manufacturer_data);
    CHECK(r[7].kind_of_value == value_kind::binary);
    CHECK(to_hex(r[7].field) == to_hex(from_hex("00 01 1F").value()));
    // The views point into the frame: nothing was copied.
    CHECK(r[7].field.data() >= frame.data.data());
    CHECK(r[7].field.data() < frame.data.data() + frame.data.size());
}

TEST_CASE("decode_record: BCD signs, invalid digits, LVAR readings and errors as decode_value") {
    // Fixed BCD F123 = -123; BCD with E digits; LVAR C2 / D2 BCD; LVAR D2 with a leading F is
    // invalid (the sign is in the LVAR); LVAR E2 binary; a reserved LVAR (CA), which the cursor
    // leaves unread: the record has no data (wrong_data_size) and CA, read as the next DIF, ends
    // the telegram with a cursor error.
    const bytes records = from_hex("0A 13 23 F1"
                                   "0A 13 EE EE"
                                   "0D 13 C2 34 12"
                                   "0D 13 D2 34 12"
                                   "0D 13 D2 34 F2"
                                   "0D 13 E2 AB CD"
                                   "0D 13 CA")
                              .value();
    record_cursor c{records};
    std::vector<decoded_record> got;
    while (const auto r = c.next()) {
        decode_record(*r, got.emplace_back());
        const auto m = describe_fields(*r);
        if (m) {
            CHECK_FALSE(got.back().error);
            CHECK(got.back().to_value() == m->raw);
        } else {
            CHECK(got.back().error == m.error());
        }
    }
    CHECK(c.error());
    REQUIRE(got.size() == 7);
    CHECK(got[0].integer == -123);
    CHECK(got[1].kind_of_value == value_kind::invalid_bcd);
    CHECK(got[1].bcd_digits() == "EEEE");
    CHECK(got[2].integer == 1234);
    CHECK(got[3].integer == -1234);
    CHECK(got[4].bcd_digits() == "-F234");
    CHECK(to_hex(got[5].field) == "AB CD");
    CHECK(got[6].error == make_error_code(meaning_errc::wrong_data_size));
    CHECK(got[6].kind_of_value == value_kind::none);
}

TEST_CASE("decode_records agrees with describe_fields on every record of the corpus") {
    const auto dir = test::corpus_dir();
    if (!dir) {
        MESSAGE("corpus missing (../shared/corpus): comparison skipped");
        return;
    }
    std::size_t frames = 0;
    std::size_t records = 0;
    std::size_t errors = 0;
    std::vector<decoded_record> out;
    for (const char* folder : {"libmbus/test-frames", "libmbus/error-frames", "libmbus/unsupported-frames"}) {
        for (const auto& p : test::files_with_suffix(*dir / folder, ".hex")) {
            const auto wire = from_hex(test::read_file(p));
            if (!wire) continue;
            const auto f = link::decode(*wire);
            if (!f) continue;
            const auto v = decode_variable_view(f->value.ci, f->value.data);
            if (!v) continue;
            ++frames;
            const auto e = decode_records(*v, out);
            auto c = v->cursor();
            std::size_t i = 0;
            while (const auto r = c.next()) {
                CAPTURE(p.filename().string());
                CAPTURE(i);
                REQUIRE(i < out.size());
                const auto& d = out[i++];
                CHECK(d.wire.data() == r->wire.data());
                CHECK(d.wire.size() == r->wire.size());
                const auto m = describe_fields(*r);
                if (!m) {
                    ++errors;
                    CHECK(d.error == m.error());
                    continue;
                }
                ++records;
                REQUIRE_FALSE(d.error);
                CHECK(d.kind == m->kind);
                CHECK(d.function == m->dib.function);
                CHECK(d.coding == m->dib.coding);
                CHECK(d.storage == m->dib.storage);
                CHECK(d.tariff == m->dib.tariff);
                CHECK(d.subunit == m->dib.subunit);
                CHECK(d.to_value() == m->raw);
                CHECK(d.has_scaled == m->scaled.has_value());
                if (m->scaled) CHECK(same_bits(d.scaled, *m->scaled));
                if (m->vib) {
                    const auto& w = *m->vib;
                    CHECK(d.vib.code == w.code);
                    CHECK(d.vib.q == w.q);
                    CHECK(d.vib.u == w.u);
                    CHECK(d.vib.exponent == w.exponent);
                    CHECK(d.vib.has_additive == w.additive_exponent.has_value());
                    if (w.additive_exponent) CHECK(d.vib.additive_exponent == *w.additive_exponent);
                    CHECK(d.vib.time_point == w.time_point);
                    CHECK(d.unit_text() == w.unit_text);
                    CHECK(d.quantity_text == description(w.q));
                    CHECK(d.unit_symbol == symbol(w.u));
                }
            }
            CHECK(i == out.size());
            CHECK(e == c.error());
        }
    }
    MESSAGE(frames << " frames, " << records << " records compared, " << errors << " with meaning errors");
    CHECK(frames >= 80);
    CHECK(records >= 900);
}
