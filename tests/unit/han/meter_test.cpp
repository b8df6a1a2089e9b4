#include <doctest/doctest.h>

#include <mbus/core/bytes.hpp>
#include <mbus/han/meter.hpp>

#include "support/corpus.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>

using namespace mbus;
using json = nlohmann::json;

TEST_CASE("han meter push of made-up values decodes back to them") {
    const auto spec = han::norwegian_list(han::make::aidon, 3).value();
    REQUIRE(spec.items.size() == 18);
    std::map<std::string, han::push_value> values{{"1.1.0.2.129.255", std::string("AIDON_V0001")},
                                                  {"0.0.96.1.0.255", std::string("7359992890497997")},
                                                  {"0.0.96.1.7.255", std::string("6534")},
                                                  {"1.0.1.7.0.255", 4027.0},
                                                  {"1.0.2.7.0.255", 0.0},
                                                  {"1.0.3.7.0.255", 0.0},
                                                  {"1.0.4.7.0.255", 472.0},
                                                  {"1.0.31.7.0.255", 0.5},
                                                  {"1.0.51.7.0.255", 0.3},
                                                  {"1.0.71.7.0.255", 16.8},
                                                  {"1.0.32.7.0.255", 233.0},
                                                  {"1.0.52.7.0.255", 233.4},
                                                  {"1.0.72.7.0.255", 231.1},
                                                  {"1.0.1.8.0.255", 109552250.0},
                                                  {"1.0.2.8.0.255", 0.0},
                                                  {"1.0.3.8.0.255", 130480.0},
                                                  {"1.0.4.8.0.255", 15319720.0}};
    han::date_time now{2025, 12, 14, 7, 16, 0, 0, 0xFF, 0, 0};
    const auto frame = han::encode_push(spec, values, now).value();
    const auto f = han::decode_hdlc(frame).value();
    const auto a = han::decode_apdu(han::strip_llc(f.information).value()).value();
    const auto l = han::objects_of(a.notification.body).value();
    CHECK(l.make() == "Aidon");
    CHECK(l.find(*han::obis::parse("1.0.52.7.0.255"))->number() == doctest::Approx(233.4));
    CHECK(l.find(*han::obis::parse("1.0.1.8.0.255"))->number() == doctest::Approx(109552250.0));
    CHECK(l.find(*han::obis::parse("0.0.1.0.0.255"))->text() == "2025-12-14T16:00:00+00:00");

    values.erase("1.0.4.7.0.255");
    CHECK(han::encode_push(spec, values, now).error() == han::errc::bad_value);
    CHECK_FALSE(han::norwegian_list(han::make::kamstrup, 3));
}

// Outside truth: fed the values a corpus frame carries (in physical units, through the vendor's
// resolution), the encoder gives that frame byte for byte: same header, types, order and layout.
TEST_CASE("han meter push gives real meters' frames byte for byte") {
    const auto dir = test::corpus_dir();
    REQUIRE(dir);
    const auto entries = json::parse(test::read_file(*dir / "han" / "frames.json"));
    const std::map<std::string, std::pair<han::make, int>> cases{
        {"amshan_hdlc_aidon_list1_unescaped_7d", {han::make::aidon, 1}},
        {"amsreader_aidon_no_list3_gh1119_1", {han::make::aidon, 3}},
        {"amsreader_aidon_no_list3_gh1119_4", {han::make::aidon, 3}},
        {"roarfred_kaifa_list1_readme", {han::make::kaifa, 1}},
        {"amshan_hdlc_kaifa_list1_unescaped_7e", {han::make::kaifa, 1}},
        {"roarfred_kaifa_list2_capture", {han::make::kaifa, 2}},
        {"amsreader_kaifa_no_list2_gh493", {han::make::kaifa, 2}},
        {"roarfred_kaifa_list3_capture", {han::make::kaifa, 3}},
        {"kamstrup_doc_ex1_list1_3p4q", {han::make::kamstrup, 1}},
        {"amsreader_kamstrup_no_list1_gh862", {han::make::kamstrup, 1}},
        {"kamstrup_doc_ex2_list2_3p4q", {han::make::kamstrup, 2}},
        {"amsreader_kamstrup_no_list2_em001", {han::make::kamstrup, 2}},
    };
    std::size_t same = 0;
    for (const auto& e : entries) {
        const auto c = cases.find(e["name"].get<std::string>());
        if (c == cases.end()) continue;
        CAPTURE(c->first);
        const auto spec = han::norwegian_list(c->second.first, c->second.second).value();
        const auto wire = from_hex(e["hex"].get<std::string>()).value();
        const auto f = han::decode_hdlc(wire).value();
        const auto n = han::decode_apdu(han::strip_llc(f.information).value()).value().notification;
        const auto l = han::objects_of(n.body).value();
        REQUIRE(l.objects.size() == spec.items.size());
        std::map<std::string, han::push_value> values;
        han::date_time now = n.time().value_or(han::date_time{});
        for (std::size_t i = 0; i < spec.items.size(); ++i) {
            const auto& o = l.objects[i];
            const auto& item = spec.items[i];
            if (const auto* v = o.value.octets_value()) {
                if (v->size() == 12 && o.code->code[2] == 1 && o.code->code[3] == 0) {
                    now = han::date_time::decode(*v).value();
                    values[item.code.str()] = now;
                } else {
                    values[item.code.str()] = std::string(v->begin(), v->end());
                }
            } else {
                values[item.code.str()] = *o.value.as_number() * std::pow(10.0, item.resolution);
            }
        }
        if (n.time()) now = *n.time(); // the APDU's time where the make sends one
        const auto out = han::encode_push(spec, values, now);
        REQUIRE(out);
        CHECK(to_hex(*out) == to_hex(wire));
        same += *out == wire ? 1U : 0U;
    }
    CHECK(same == cases.size());
    std::cout << "corpus: han pushes encoded from values as real meters sent them " << same << "/"
              << cases.size() << "\n";
}

// The shapes of the lists by phase count, as the corpus's 1-phase frames show them: Aidon and Kaifa drop
// L2 and L3 (aidon_doc_list2_1p: 9 objects; amsreader_kaifa_se_list3_1p_gh242: 14), Kamstrup keeps
// their places as null pairs (amshan_kamstrup_no_list2_1p_real: 18 places, 4 of them null).
TEST_CASE("han push lists of 1-phase meters, variants and each make's clock form") {
    const auto count = [](han::make m, han::variant v, int list, unsigned phases) {
        const auto s = han::push_list(m, v, list, phases);
        REQUIRE(s);
        std::size_t absent = 0;
        for (const auto& i : s->items)
            absent += i.absent ? 1U : 0U;
        return std::pair{s->items.size(), absent};
    };
    CHECK(count(han::make::aidon, han::variant::no, 2, 1) == std::pair<std::size_t, std::size_t>{9, 0});
    CHECK(count(han::make::aidon, han::variant::no, 1, 1) == std::pair<std::size_t, std::size_t>{1, 0});
    CHECK(count(han::make::kaifa, han::variant::no, 3, 1) == std::pair<std::size_t, std::size_t>{14, 0});
    CHECK(count(han::make::kamstrup, han::variant::no, 2, 1) == std::pair<std::size_t, std::size_t>{18, 4});
    CHECK(count(han::make::kamstrup, han::variant::no, 1, 3) == std::pair<std::size_t, std::size_t>{13, 0});
    // Swedish Kamstrup energy in Wh, Norwegian in 10 Wh (amsreader issue #239).
    CHECK(han::push_list(han::make::kamstrup, han::variant::se, 2, 3)->items.back().resolution == 0);
    CHECK(han::push_list(han::make::kamstrup, han::variant::no, 2, 3)->items.back().resolution == 1);
    CHECK_FALSE(han::push_list(han::make::aidon, han::variant::se, 2, 3));
    CHECK_FALSE(han::push_list(han::make::aidon, han::variant::dk, 1, 3));
    CHECK_FALSE(han::push_list(han::make::kamstrup, han::variant::dk, 4, 3));
    // Sweden's Aidon list, Kamstrup's push 1 (3 phases 33 objects, 1 phase 19), Kaifa's coded list 4.
    CHECK(count(han::make::aidon, han::variant::se, 1, 3) == std::pair<std::size_t, std::size_t>{27, 0});
    CHECK(count(han::make::kamstrup, han::variant::dk, 3, 3) == std::pair<std::size_t, std::size_t>{33, 0});
    CHECK(count(han::make::kamstrup, han::variant::ch, 3, 1) == std::pair<std::size_t, std::size_t>{19, 0});
    CHECK(han::push_list(han::make::kaifa, han::variant::se, 4, 3)->encoding ==
          han::datetime_encoding::absent);
    CHECK(han::header_of(han::make::kaifa, han::variant::se).frame.source == bytes{0x00, 0x01});
    CHECK_FALSE(han::push_list(han::make::kaifa, han::variant::no, 2, 2));
    CHECK(han::line_of(han::make::kamstrup).bits_per_char() == 10);
    CHECK(han::line_of(han::make::aidon).bits_per_char() == 11);

    // 2025-12-14 16:00:00, a Sunday (ISO day 7), as amsreader_aidon_no_list3_gh1119_1 carries it.
    const han::date_time sunday{2025, 12, 14, 7, 16, 0, 0, 0x12, -60, 0x80};
    CHECK(to_hex(han::clock_of(han::make::aidon, sunday).encode(), "") == "07E90C0E00100000FF000000");
    // The same instant as Kamstrup and Kaifa write their clocks (ff 8000 00).
    CHECK(to_hex(han::clock_of(han::make::kamstrup, sunday).encode(), "") == "07E90C0E07100000FF800000");
}
