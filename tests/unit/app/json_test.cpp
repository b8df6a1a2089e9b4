#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/record_spec.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::app;
using nlohmann::json;

namespace {
record rec(std::string_view q, std::string_view u, data_coding c, value v) {
    const auto qu = lookup_quantity(q, u).value();
    record_spec s;
    s.q = qu.q;
    s.u = qu.u;
    s.exponent = qu.exponent;
    s.coding = c;
    s.v = std::move(v);
    return encode_record(s).value();
}
} // namespace

TEST_CASE("json shows header and records of a variable data telegram") {
    variable_data t;
    t.ci = ci::variable_long;
    t.header.address = secondary_address{0x12345678, manufacturer_code("KAM").value(), 0x08, 0x04};
    t.header.access_number = 4;
    t.header.status = 0x05; // application busy + power low
    t.header.signature = 0;
    t.records.push_back(rec("energy", "kWh", data_coding::int32, std::int64_t{154}));
    t.records.push_back(rec("date", "", data_coding::int16, make_date(2024, 1, 1).value()));
    t.records.push_back(rec("software_version", "", data_coding::variable, std::string{'\x01', '\xFF'}));
    t.records.push_back(manufacturer_data_record({0x01, 0x02}, true));

    const auto j = to_json(user_data{t});
    CHECK(j["ci"] == "72");
    CHECK(j["structure"] == "variable");
    CHECK(j["header"]["id"] == "12345678");
    CHECK(j["header"]["manufacturer"] == "KAM");
    CHECK(j["header"]["manufacturer_code"] == "2C2D");
    CHECK(j["header"]["version"] == 8);
    CHECK(j["header"]["medium"] == 4);
    CHECK(j["header"]["medium_name"] == "heat_outlet");
    CHECK(j["header"]["status_flags"] == json::array({"application_busy", "power_low"}));
    CHECK(j["more_records_follow"] == true);
    REQUIRE(j["records"].size() == 4);

    const auto& e = j["records"][0];
    CHECK(e["hex"] == "04069A000000");
    CHECK(e["dif"] == "04");
    CHECK(e["vif"] == "06");
    CHECK(e["function"] == "instantaneous");
    CHECK(e["quantity"] == "energy");
    CHECK(e["unit"] == "Wh");
    CHECK(e["exponent"] == 3);
    CHECK(e["raw"] == 154);
    CHECK(e["value"] == 154000.0);
    CHECK(e["text"] == "Energy = 154000 Wh");

    CHECK(j["records"][1]["raw"] == "2024-01-01");
    CHECK(j["records"][1]["value"].is_null());
    // Text that is not printable ASCII goes out as its wire bytes in hex (nlohmann cannot dump it).
    CHECK(j["records"][2]["raw"] == "FF01");
    CHECK(j["records"][2]["raw_format"] == "hex");
    CHECK(j["records"][3]["kind"] == "more_records_follow");
    CHECK(j["records"][3]["more_records_follow"] == true);
    CHECK(j["records"][3]["data"] == "0102");
    CHECK_NOTHROW((void)j.dump());
}

TEST_CASE("json reports a record it cannot describe") {
    variable_data t;
    t.ci = ci::variable_none;
    record r = rec("energy", "kWh", data_coding::int32, std::int64_t{1});
    r.vib->vif = 0xFD; // FD without its VIFE
    r.vib->vife.clear();
    t.records.push_back(r);
    const auto j = to_json(user_data{t});
    CHECK(j["header"].is_null());
    CHECK(j["records"][0]["error"] == "VIF FD or FB without its VIFE");
    CHECK_FALSE(j["records"][0].contains("quantity"));
}

TEST_CASE("json shows fixed data application errors and other CI") {
    fixed_data f;
    f.id = 0x12345678;
    f.access_number = 1;
    f.status = 0x00; // BCD counters, actual values
    f.medium_unit =
        0x29 | 0xC0 | (0x2C << 8); // counter 1 in l (bits 6-7: medium bits 0-1 = 11), counter 2 in m3
    f.counter1 = 0x00001234;
    f.counter2 = 0x00000056;
    const auto j = to_json(user_data{f});
    CHECK(j["structure"] == "fixed");
    CHECK(j["fixed"]["id"] == "12345678");
    CHECK(j["fixed"]["counter_format"] == "bcd");
    CHECK(j["fixed"]["medium"] == 3);
    CHECK(j["fixed"]["medium_name"] == "Gas");
    CHECK(j["fixed"]["counters"][0]["unit"] == "l");
    CHECK(j["fixed"]["counters"][0]["raw"] == 1234);
    CHECK(j["fixed"]["counters"][1]["unit"] == "m3");
    CHECK(j["fixed"]["counters"][1]["raw"] == 56);

    const auto e = to_json(user_data{application_error{std::uint8_t{8}}});
    CHECK(e["structure"] == "application_error");
    CHECK(e["application_error"]["status"] == 8);
    CHECK(e["application_error"]["description"] == "Application busy");

    const auto o = to_json(user_data{other_data{0x51, {0x01, 0x7A, 0x05}}});
    CHECK(o["structure"] == "other");
    CHECK(o["ci"] == "51");
    CHECK(o["data"] == "017A05");
}

TEST_CASE("json writer: numbers, texts and every structure as the DOM dumps them") {
    const auto same = [](const user_data& ud) {
        const auto expected = to_json(ud).dump();
        CAPTURE(expected);
        CHECK(to_json_text(ud) == expected);
    };
    // Scaled values across the layouts of the number format: 0.0001 and below in e-notation, whole
    // numbers with ".0", 1e16 and above in e-notation, negative and zero.
    variable_data t;
    t.ci = ci::variable_none;
    for (const auto& [q, u] :
         {std::pair{"energy", "Wh"}, {"energy", "MWh"}, {"volume", "ml"}, {"power", "W"}}) {
        for (const std::int64_t v : {0LL, 1LL, -1LL, 7LL, 154LL, 123456789LL, -2147483648LL, 2147483647LL})
            t.records.push_back(rec(q, u, data_coding::int32, v));
    }
    t.records.push_back(rec("volume", "ml", data_coding::int64, std::int64_t{9'007'199'254'740'993}));
    for (const double d : {0.1, 1.5, -0.0, 1e-5, 3.4e38, 1.17549435e-38, 123456.789, 16777216.0})
        t.records.push_back(rec("energy", "Wh", data_coding::real32, d));
    // Text with quotes, backslash and control bytes; plain-text units; dates; manufacturer data.
    t.records.push_back(rec("software_version", "", data_coding::variable, std::string{"a\"b\\c"}));
    t.records.push_back(rec("software_version", "", data_coding::variable, std::string{'\x01', 'x'}));
    t.records.push_back(rec("date", "", data_coding::int16, make_date(2024, 1, 15).value()));
    t.records.push_back(idle_filler_record());
    t.records.push_back(manufacturer_data_record({0x01, 0xAB}, true));
    same(user_data{t});
    t.ci = ci::variable_short; // header without address
    t.header.status = 0xFF;    // every status flag
    same(user_data{t});
    t.ci = ci::variable_long;
    t.header.address = secondary_address{0x12345678, manufacturer_code("KAM").value(), 0x08, 0x04};
    same(user_data{t});
    same(user_data{fixed_data{ci::fixed, 0x12345678, 1, 0x00, 0x2941, 0x1234, 0xEEEE}});
    same(user_data{fixed_data{ci::fixed, 0x12345678, 1, 0xC0, 0x2941, 0xFFFFFFFF, 5}});
    same(user_data{application_error{}});
    same(user_data{application_error{std::uint8_t{3}}});
    same(user_data{other_data{0x5A, {0x01, 0x02}}});
}

TEST_CASE("json writer: a member added where its key sorts, and the text laid out as dump(indent)") {
    variable_data t;
    t.ci = ci::variable_none;
    t.records.push_back(rec("energy", "kWh", data_coding::int32, std::int64_t{154}));
    const user_data ud{t};
    // Before every key ("a"), between two ("link": after "header"), after every key ("zz").
    for (const char* k : {"a", "link", "zz"}) {
        json dom = to_json(ud);
        dom[k] = {{"kind", "long"}, {"empty", json::array()}, {"none", json::object()}, {"s", "{[,:]}\"\\"}};
        const auto member = dom[k].dump();
        std::string ours;
        write_json(ours, ud, {k, member});
        CAPTURE(k);
        CHECK(ours == dom.dump());
        CHECK(indent_json(ours, 2) == dom.dump(2));
        // The same from the telegram's bytes, with a header and without.
        const auto wire = encode(ud);
        std::string from_bytes;
        REQUIRE(write_json(from_bytes, wire.ci, wire.data, {k, member}));
        CHECK(from_bytes == dom.dump());
        variable_data with_header = t;
        with_header.ci = ci::variable_long;
        with_header.header.address =
            secondary_address{0x12345678, manufacturer_code("KAM").value(), 0x08, 0x04};
        json long_dom = to_json(user_data{with_header});
        long_dom[k] = dom[k];
        const auto long_wire = encode(user_data{with_header});
        std::string long_text;
        REQUIRE(write_json(long_text, long_wire.ci, long_wire.data, {k, member}));
        CHECK(long_text == long_dom.dump());
    }
    // Every structure, and an array of them, as the decode command prints them.
    const json many = json::array({to_json(ud), to_json(user_data{application_error{std::uint8_t{8}}}),
                                   to_json(user_data{other_data{0x51, {}}}), json::array(), json::object()});
    CHECK(indent_json(many.dump(), 2) == many.dump(2));
    CHECK(indent_json("[]", 2) == "[]");
    CHECK(indent_json(R"({"a":[1,{"b":null}]})", 1) == "{\n \"a\": [\n  1,\n  {\n   \"b\": null\n  }\n ]\n}");
}

TEST_CASE("json writer from bytes: the records read in place, errors as app::decode's") {
    variable_data t;
    t.ci = ci::variable_long;
    t.header.address = secondary_address{0x12345678, manufacturer_code("KAM").value(), 0x08, 0x04};
    t.records.push_back(rec("energy", "kWh", data_coding::int32, std::int64_t{154}));
    t.records.push_back(rec("volume", "m3", data_coding::bcd8, std::int64_t{1234}));
    t.records.push_back(manufacturer_data_record({0x01, 0x02}, true));
    const auto wire = encode(user_data{t});
    std::string out = "x";
    REQUIRE(write_json(out, wire.ci, wire.data));
    CHECK(out == "x" + to_json(user_data{t}).dump());
    CHECK(json::parse(out.substr(1))["more_records_follow"] == true);
    // A record cut short: the error app::decode gives, and nothing written.
    const bytes cut(wire.data.begin(), wire.data.begin() + 12 + 3);
    std::string none;
    const auto bad = write_json(none, wire.ci, cut);
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == decode(wire.ci, cut).error());
    CHECK(none.empty());
    // Other CIs go through app::decode.
    std::string other;
    REQUIRE(write_json(other, 0x51, bytes{0x01, 0x7A}));
    CHECK(other == R"({"ci":"51","data":"017A","structure":"other"})");
}

TEST_CASE("json writer from bytes: lean records and the records it describes in full, as the DOM") {
    // Records written from app::decoded_record (numbers, BCD, dates, texts, codes of the FD table,
    // DIFEs, no VIB word) and records the writer hands to the describing path (combinable VIFEs,
    // plain-text units, manufacturer data, idle fillers, values that cannot be read): the same text
    // as app::decode then to_json(...).dump(), one at a time and all in one telegram.
    const std::vector<std::string> records{
        "04069A000000",       // energy, int32
        "0413FFFFFFFF",       // volume, -1
        "00FD17",             // coding none: raw and value null
        "02FD170100",         // FD table
        "0C1378563412",       // BCD
        "0C137856341A",       // BCD with a digit A
        "0C13785634F2",       // BCD, negative
        "0E1378563412FFFF",   // BCD12 with F digits
        "426C5F2C",           // storage 1, date
        "046D3B178F11",       // date and time
        "046D3B178F91",       // date and time with seconds bits
        "036D3B1712",         // time of day
        "052B0000C03F",       // real32 1.5
        "052B0000C07F",       // real32 NaN
        "052B0000807F",       // real32 infinity
        "0DFD0F05635C622261", // text with a quote and a backslash
        "0DFD0F027801",       // text with a control byte
        "0DFD0FE20102",       // binary LVAR
        "0DFD0FC3123456",     // BCD LVAR
        "0DFD0FD2F312",       // negative BCD LVAR with an F digit
        "0DFD0F0A",           // text cut short: bad LVAR
        "8410130100000000",   // DIFE: tariff 1
        "C4C1011301000000",   // storage, tariff and subunit from DIFEs
        "14130100000015130200000024130300000034130400000000",
        "01FB7F05",               // reserved FB code
        "01EF05",                 // reserved primary code
        "01FF05",                 // manufacturer-specific VIF
        "0486BC0101000000",       // combinable VIFEs
        "04933B01000000",         // forward flow
        "04F8FF0701000000",       // manufacturer-specific VIFEs
        "0413FF",                 // wrong size at the end
        "047C03616263010000000D", // plain-text unit
        "04FC0363626122010000",   // plain-text unit and a VIFE
        "2F",                     // idle filler
        "0F0102",                 // manufacturer data
        "1F",                     // more records follow
    };
    const auto same = [](const bytes& data) {
        const auto ud = decode(ci::variable_none, data);
        std::string ours = "x";
        const auto ok = write_json(ours, ci::variable_none, data);
        CAPTURE(to_hex(data, ""));
        if (!ud) {
            REQUIRE_FALSE(ok);
            CHECK(ok.error() == ud.error());
            CHECK(ours == "x");
            return 0;
        }
        REQUIRE(ok);
        CHECK(ours == "x" + to_json(*ud).dump());
        return 1;
    };
    bytes all;
    int written = 0;
    for (const auto& h : records) {
        const auto one = from_hex(h).value();
        written += same(one);
        if (h != "0F0102" && h != "1F" && h != "0413FF") all.insert(all.end(), one.begin(), one.end());
    }
    CHECK(written >= 25);
    CHECK(same(all) == 1);
    all.push_back(0x1F);
    all.push_back(0x01);
    CHECK(same(all) == 1);
    // Scaled numbers, whole (written as integers) and not, across the layouts of both number
    // formats (the JSON value's and the text line's).
    variable_data t;
    t.ci = ci::variable_none;
    for (const auto& [q, u] : {std::pair{"energy", "Wh"},
                               {"energy", "MWh"},
                               {"volume", "ml"},
                               {"power", "W"},
                               {"volume", "m3"},
                               {"energy", "kWh"}}) {
        for (const std::int64_t v :
             {0LL, 1LL, -1LL, 7LL, 154LL, 999999999LL, 123456789LL, -2147483648LL, 2147483647LL})
            t.records.push_back(rec(q, u, data_coding::int32, v));
        for (const std::int64_t v :
             {999'999'999'999'999LL, 1'000'000'000'000'000LL, -9'007'199'254'740'993LL})
            t.records.push_back(rec(q, u, data_coding::int64, v));
    }
    CHECK(same(encode(user_data{t}).data) == 1);
}

TEST_CASE("json writer from bytes: numbers of every size and exponent as the DOM writes them") {
    // The writer converts a scaled value once for both of its texts (the JSON value as nlohmann
    // writes it, the text line as fmt's "{}") and takes a whole value's digits from the raw
    // integer's: random integers and floats over the exponents of three quantities, compared with
    // app::decode then to_json(...).dump(). The floats' bits are random: NaN, infinities,
    // subnormals, and values whose conversion has 16 or 17 digits (the text line's own path).
    std::mt19937_64 random{14};
    std::vector<byte> vifs;
    for (const byte base : {byte{0x00}, byte{0x10}, byte{0x38}}) // energy Wh, volume m3, flow m3/h
        for (byte e = 0; e < 8; ++e)
            vifs.push_back(static_cast<byte>(base + e));
    int telegrams = 0;
    for (int round = 0; round < 60; ++round) {
        bytes data;
        for (int i = 0; i < 40; ++i) {
            const byte vif = vifs[random() % vifs.size()];
            const auto bits = random();
            switch (random() % 3) {
            case 0: { // int64 of 1 to 19 digits, either sign
                const auto digits = static_cast<int>(random() % 19);
                std::int64_t v = static_cast<std::int64_t>(bits % 1'000'000'000'000'000'000ULL);
                for (int d = digits; d < 18; ++d)
                    v /= 10;
                if ((bits >> 63) != 0) v = -v;
                data.push_back(0x07);
                data.push_back(vif);
                for (int b = 0; b < 64; b += 8)
                    data.push_back(static_cast<byte>(static_cast<std::uint64_t>(v) >> b));
                break;
            }
            case 1: // int32, any
                data.push_back(0x04);
                data.push_back(vif);
                for (int b = 0; b < 32; b += 8)
                    data.push_back(static_cast<byte>(bits >> b));
                break;
            default: // real32, any bits
                data.push_back(0x05);
                data.push_back(vif);
                for (int b = 0; b < 32; b += 8)
                    data.push_back(static_cast<byte>(bits >> b));
            }
        }
        const auto ud = decode(ci::variable_none, data);
        REQUIRE(ud);
        std::string ours;
        REQUIRE(write_json(ours, ci::variable_none, data));
        CAPTURE(to_hex(data, ""));
        CHECK(ours == to_json(*ud).dump());
        ++telegrams;
    }
    CHECK(telegrams == 60);
}

TEST_CASE("json writer: the names it writes without escaping need none") {
    const auto plain = [](std::string_view s) {
        CAPTURE(s);
        CHECK_FALSE(s.empty());
        for (const char c : s)
            CHECK((c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'));
    };
    int quantities = 0;
    for (unsigned q = 0; q <= static_cast<unsigned>(quantity::cumulative_max_power); ++q) {
        plain(name(static_cast<quantity>(q)));
        plain(description(static_cast<quantity>(q)));
        ++quantities;
    }
    CHECK(quantities > 60);
    for (unsigned f = 0; f < 4; ++f)
        plain(name(static_cast<function_kind>(f)));
    for (unsigned c = 0; c < 16; ++c)
        plain(name(static_cast<data_coding>(c)));
    for (const auto t : {vif_table::primary, vif_table::fd, vif_table::fb})
        plain(name(t));
    for (const auto k : {record_kind::data, record_kind::manufacturer_data, record_kind::more_records_follow,
                         record_kind::idle_filler})
        plain(name(k));
    for (unsigned u = 0; u < 256; ++u) { // unit::none's symbol is empty
        const auto s = symbol(static_cast<unit>(u));
        CAPTURE(u);
        CHECK(std::all_of(s.begin(), s.end(),
                          [](char c) { return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'; }));
    }
}
