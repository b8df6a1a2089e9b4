// describe_in_place.hpp: the meaning of records read in place. The value-type describe()
// functions are these on the value's bytes, so each is checked here against something else: the
// encoder (a DIB described encodes back to its bytes), and over the corpus the text and values that
// the meaning corpus test expects.

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/record_spec.hpp>

#include <fmt/format.h>

#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::app;

TEST_CASE("describe_dib: what a DIB read in place means encodes back to its bytes") {
    // Every DIF with no DIFE, one, two, three and ten, padded ones included (min_dife).
    const std::vector<std::vector<byte>> chains{
        {}, {0x00}, {0x30}, {0x8F, 0x7F}, {0x80, 0x00}, {0x81, 0x80, 0x00}, std::vector<byte>(10, 0x80)};
    int checked = 0;
    for (unsigned dif = 0; dif < 0x100; ++dif) {
        for (auto dife : chains) {
            if (!dife.empty()) dife.back() = static_cast<byte>(dife.back() & 0x7F);
            dib d;
            d.dif = static_cast<byte>(dife.empty() ? dif & 0x7F : dif | 0x80);
            d.dife = dife;
            CAPTURE(dif);
            CAPTURE(dife.size());
            const auto m = describe_dib(d.dif, d.dife);
            CHECK(m == describe(d));
            if ((dif & 0x0F) == 0x0F) {
                CHECK(m.min_dife == 0);
                continue;
            }
            CHECK(encode_dib(m).value() == d);
            ++checked;
        }
    }
    CHECK(checked == 240 * 7);
    CHECK(describe_dib(0x84, std::vector<byte>{0x00}).min_dife == 1);
    CHECK(describe_dib(0x84, std::vector<byte>{0x01}).min_dife == 0);
}

TEST_CASE("describe_fields and append_text: a record read in place as describe reads its value") {
    // Energy 154 kWh at storage 1, tariff 2; a date; a VIB with combinable VIFEs (per hour, 10^-3
    // correction); a plain-text unit; manufacturer data; an idle filler.
    const bytes records = from_hex("C4 20 06 9A 00 00 00"
                                   "42 6C 01 31"
                                   "04 86 A2 73 10 27 00 00"
                                   "04 7C 03 48 52 25 2A 00 00 00"
                                   "2F"
                                   "0F 01 02")
                              .value();
    record_cursor c{records};
    std::vector<std::string> lines;
    while (const auto r = c.next()) {
        const auto m = describe_fields(*r);
        REQUIRE(m);
        CHECK(m->text.empty());
        std::string line = "> ";
        append_text(line, *m);
        const auto whole = describe(r->to_record());
        REQUIRE(whole);
        CHECK(line == "> " + whole->text);
        auto same = *whole;
        same.text.clear();
        CHECK(*m == same);
        lines.push_back(line.substr(2));
    }
    CHECK_FALSE(c.error());
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "Energy (storage 1, tariff 2) = 154000 Wh");
    CHECK(lines[1] == "Date (storage 1) = 2024-01-01");
    CHECK(lines[2] == "Energy [per hour] [multiplicative correction factor 10^-3] = 10000 Wh/h");
    CHECK(lines[3] == "Plain-text unit = 42 %RH");
    CHECK(lines[4] == "Idle filler");
    CHECK(lines[5] == "Manufacturer specific data: 01 02");
}

TEST_CASE("append_text writes numbers as fmt's \"{}\" does, and where the record sits") {
    const auto m =
        describe_fields(record_cursor{from_hex("04 06 00 00 00 00").value()}.next().value()).value();
    for (const double x : {0.0, -0.0, 1.0, 0.1, 1e-5, 123456789.0, 1e15, 1e16, 1.9707682098053248e+16,
                           -2.5e-7, 3.14159, 1e300, 5e-324}) {
        auto one = m;
        one.scaled = x;
        std::string text;
        append_text(text, one);
        CHECK(text == fmt::format("Energy = {} Wh", x));
    }
    auto where = m;
    where.dib.function = function_kind::maximum;
    where.dib.storage = 12345678901;
    where.dib.tariff = 3;
    where.dib.subunit = 1023;
    where.scaled = 1.5;
    std::string text;
    append_text(text, where);
    CHECK(text == "Energy (maximum, storage 12345678901, tariff 3, subunit 1023) = 1.5 Wh");
}
