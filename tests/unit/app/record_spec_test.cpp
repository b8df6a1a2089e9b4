#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/record_spec.hpp>

using namespace mbus;
using namespace mbus::app;

namespace {
// The bytes of a record as they go on the wire.
bytes wire(const record& r) {
    bytes b{r.dib.dif};
    b.insert(b.end(), r.dib.dife.begin(), r.dib.dife.end());
    if (r.vib) {
        b.push_back(r.vib->vif);
        if ((r.vib->vif & 0x7F) == 0x7C) {
            b.push_back(static_cast<byte>(r.vib->plain_text.size()));
            b.insert(b.end(), r.vib->plain_text.begin(), r.vib->plain_text.end());
        }
        b.insert(b.end(), r.vib->vife.begin(), r.vib->vife.end());
    }
    b.insert(b.end(), r.data.begin(), r.data.end());
    return b;
}

record_spec spec(std::string_view q, std::string_view u, data_coding c, value v) {
    const auto qu = lookup_quantity(q, u);
    REQUIRE(qu);
    record_spec s;
    s.q = qu->q;
    s.u = qu->u;
    s.exponent = qu->exponent;
    s.coding = c;
    s.v = std::move(v);
    return s;
}
} // namespace

TEST_CASE("record encodes from a description") {
    // MULTICAL 303: energy 154 kWh as int32.
    const auto energy = encode_record(spec("energy", "kWh", data_coding::int32, std::int64_t{154}));
    CHECK(wire(energy.value()) == bytes{0x04, 0x06, 0x9A, 0x00, 0x00, 0x00}); // DIF int32, VIF kWh, 154

    // Maximum power, 10^2 W, int16.
    auto maxp = spec("power", "100 W", data_coding::int16, std::int64_t{180});
    maxp.function = function_kind::maximum;
    CHECK(wire(encode_record(maxp).value()) ==
          bytes{0x12, 0x2D, 0xB4, 0x00}); // DIF max int16, VIF 10^2 W, 180

    // Sharky: volume in litres, BCD8, storage 1 tariff 2.
    auto vol = spec("volume", "l", data_coding::bcd8, std::int64_t{0});
    vol.storage = 1;
    vol.tariff = 2;
    CHECK(
        wire(encode_record(vol).value()) ==
        bytes{0xCC, 0x20, 0x13, 0x00, 0x00, 0x00, 0x00}); // DIF bcd8 storage bit + ext, DIFE tariff 2, VIF l

    // Date of storage 1 (type G).
    auto d = spec("date", "", data_coding::int16, make_date(2024, 1, 1).value());
    d.storage = 1;
    CHECK(wire(encode_record(d).value()) ==
          bytes{0x42, 0x6C, 0x01, 0x31}); // DIF int16 storage 1, VIF date, 2024-01-01

    // Energy with backward flow.
    auto back = spec("energy", "kWh", data_coding::int32, std::int64_t{0});
    back.extra_vife = {0x3C};
    CHECK(wire(encode_record(back).value()) ==
          bytes{0x04, 0x86, 0x3C, 0, 0, 0, 0}); // DIF, VIF kWh + ext, VIFE backward flow, 0

    // Plain-text unit "%RH" with a 10^-2 correction (Elvaco CMa10).
    record_spec rh;
    rh.q = quantity::plain_text_unit;
    rh.plain_text_unit = "%RH";
    rh.extra_vife = {0x74};
    rh.coding = data_coding::int16;
    rh.v = std::int64_t{4564};
    CHECK(wire(encode_record(rh).value()) == bytes{0x02, 0xFC, 0x03, 'H', 'R', '%', 0x74, 0xD4,
                                                   0x11}); // DIF, VIF 7C + ext, len, text, VIFE, 4564

    // Firmware version via FD, software version as text.
    CHECK(
        wire(encode_record(spec("firmware_version", "", data_coding::int16, std::int64_t{0x0701})).value()) ==
        bytes{0x02, 0xFD, 0x0E, 0x01, 0x07}); // DIF int16, VIF FD, VIFE firmware version, 0701
    CHECK(wire(encode_record(spec("software_version", "", data_coding::variable, std::string("1.6.3")))
                   .value()) == bytes{0x0D, 0xFD, 0x0F, 0x05, '3', '.', '6', '.',
                                      '1'}); // DIF variable, FD 0F, LVAR 5, text reversed

    // A VIF given as raw bytes (Kamstrup FF 07).
    record_spec raw;
    raw.raw_vib = parse_vib(bytes{0xFF, 0x07}).value();
    raw.coding = data_coding::int32;
    raw.v = std::int64_t{1394};
    CHECK(wire(encode_record(raw).value()) ==
          bytes{0x04, 0xFF, 0x07, 0x72, 0x05, 0x00, 0x00}); // DIF, VIF FF, VIFE 07, 1394

    // A table code given directly (reserved primary 6F).
    record_spec code;
    code.code = vif_code{vif_table::primary, 0x6F};
    code.coding = data_coding::int8;
    code.v = std::int64_t{-1};
    CHECK(wire(encode_record(code).value()) == bytes{0x01, 0x6F, 0xFF}); // DIF int8, VIF 6F, -1

    CHECK(wire(manufacturer_data_record({0x01, 0x02}, true)) == bytes{0x1F, 0x01, 0x02});
    CHECK(wire(manufacturer_data_record({0x01})) == bytes{0x0F, 0x01});
    CHECK(wire(idle_filler_record()) == bytes{0x2F});
}

TEST_CASE("record encoding refuses what does not fit") {
    CHECK(encode_record(spec("energy", "kWh", data_coding::int8, std::int64_t{200})).error() ==
          errc::value_out_of_range);
    CHECK(encode_record(spec("energy", "kWh", data_coding::int16, make_date(2024, 1, 1).value())).error() ==
          errc::invalid_value); // a date needs a time-point VIF
    auto none = spec("energy", "kWh", data_coding::int32, std::int64_t{1});
    none.exponent = 7;
    CHECK(encode_record(none).error() == meaning_errc::no_vif_code);
    record_spec unknown;
    CHECK(encode_record(unknown).error() == meaning_errc::no_vif_code);
    auto deep = spec("energy", "kWh", data_coding::int32, std::int64_t{1});
    deep.storage = max_storage + 1;
    CHECK(encode_record(deep).error() == meaning_errc::dib_out_of_range);
    auto bad_vife = spec("energy", "kWh", data_coding::int32, std::int64_t{1});
    bad_vife.extra_vife = {0xBC};
    CHECK(encode_record(bad_vife).error() == meaning_errc::vife_out_of_range);
    CHECK(parse_vib(bytes{0x86}).error() == errc::premature_end_at_vif);
    CHECK(parse_vib(bytes{0x7C, 0x03, 'a'}).error() == errc::premature_end_at_plain_vif);
    CHECK(parse_vib(bytes{0x06, 0x01}).error() == errc::invalid_value);
}

TEST_CASE("record describe gives the meaning") {
    const auto m =
        describe(encode_record(spec("volume", "0.01 m3", data_coding::int32, std::int64_t{3949})).value());
    REQUIRE(m);
    CHECK(m->kind == record_kind::data);
    CHECK(m->vib->q == quantity::volume);
    CHECK(m->vib->unit_text == "m3");
    CHECK(m->vib->exponent == -2);
    CHECK(m->raw == value{std::int64_t{3949}});
    CHECK(m->scaled == 39.49);
    CHECK(m->text == "Volume = 39.49 m3");

    auto maxp = spec("power", "100 W", data_coding::int16, std::int64_t{180});
    maxp.function = function_kind::maximum;
    maxp.storage = 1;
    CHECK(describe(encode_record(maxp).value())->text == "Power (maximum, storage 1) = 18000 W");

    const auto dt = describe(
        encode_record(spec("date_time", "", data_coding::int32, make_date_time(2024, 1, 15, 11, 46).value()))
            .value());
    CHECK(dt->text == "Date and time = 2024-01-15T11:46");
    CHECK_FALSE(dt->scaled);

    const auto more = describe(manufacturer_data_record({0xAB}, true)).value();
    CHECK(more.kind == record_kind::more_records_follow);
    CHECK(more.raw == value{bytes{0xAB}});
    CHECK(to_spec(more).error() == meaning_errc::not_a_data_record);
    CHECK(describe(idle_filler_record())->kind == record_kind::idle_filler);

    // Additive correction: 10^-2 m3 added to the scaled value (as libmbus applies it).
    auto add = spec("volume", "l", data_coding::int32, std::int64_t{1000});
    add.extra_vife = {0x79};
    CHECK(describe(encode_record(add).value())->scaled == 1.01);

    // The data length must match the DIF.
    record short_data = encode_record(spec("energy", "kWh", data_coding::int32, std::int64_t{1})).value();
    short_data.data.pop_back();
    CHECK(describe(short_data).error() == meaning_errc::wrong_data_size);
}

TEST_CASE("record round trips description to bytes and back for every coding") {
    struct quantity_case {
        std::string_view q;
        std::string_view u;
    };
    const quantity_case quantities[] = {
        {"energy", "kWh"},
        {"energy", "MWh"},
        {"energy", "GJ"},
        {"volume", "l"},
        {"volume", "0.1 m3"},
        {"mass", "t"},
        {"on_time", "h"},
        {"operating_time", "d"},
        {"power", "W"},
        {"power", "MW"},
        {"volume_flow", "l/h"},
        {"volume_flow", "ml/s"},
        {"mass_flow", "kg/h"},
        {"flow_temperature", "0.1 C"},
        {"return_temperature", "0.01 C"},
        {"temperature_difference", "mK"},
        {"external_temperature", "C"},
        {"pressure", "mbar"},
        {"hca_units", "HCA"},
        {"fabrication_number", ""},
        {"bus_address", ""},
        {"access_number", ""},
        {"error_flags", ""},
        {"voltage", "0.1 V"},
        {"current", "mA"},
        {"baud_rate", "Bd"},
        {"relative_humidity", "0.1 %"},
        {"flow_temperature", "0.1 F"},
        {"credit", "0.01 currency"},
        {"storage_interval", "month"},
    };
    struct coding_case {
        data_coding c;
        value v;
    };
    const coding_case codings[] = {
        {data_coding::int8, std::int64_t{-7}},
        {data_coding::int16, std::int64_t{-30000}},
        {data_coding::int24, std::int64_t{8000000}},
        {data_coding::int32, std::int64_t{-2000000000}},
        {data_coding::int48, std::int64_t{140000000000}},
        {data_coding::int64, std::int64_t{-9000000000000000000}},
        {data_coding::real32, 21.5},
        {data_coding::bcd2, std::int64_t{42}},
        {data_coding::bcd4, std::int64_t{-999}},
        {data_coding::bcd6, std::int64_t{123456}},
        {data_coding::bcd8, std::int64_t{99999999}},
        {data_coding::bcd12, std::int64_t{-12345678901}},
        {data_coding::bcd8, invalid_bcd{"EEEEEEEE"}},
        {data_coding::variable, std::int64_t{-123456789012}},
        {data_coding::variable, std::string("ABC-12")},
        {data_coding::variable, bytes{1, 2, 3, 4, 5}},
        {data_coding::none, std::monostate{}},
    };
    std::size_t n = 0;
    for (const auto& qc : quantities)
        for (const auto& cc : codings) {
            auto s = spec(qc.q, qc.u, cc.c, cc.v);
            s.function = function_kind::minimum;
            s.storage = n % 7;
            s.tariff = static_cast<std::uint32_t>(n % 5);
            s.subunit = static_cast<std::uint16_t>(n % 3);
            ++n;
            CAPTURE(s);
            const auto r = encode_record(s);
            REQUIRE(r);
            const auto m = describe(*r);
            REQUIRE(m);
            const auto back = to_spec(*m);
            REQUIRE(back);
            CHECK(*back == s);
            CHECK(encode_record(*back).value() == *r);
            if (const auto* i = std::get_if<std::int64_t>(&cc.v))
                CHECK(m->scaled == scaled_value(*i, s.exponent));
        }
    CHECK(n == std::size(quantities) * std::size(codings));
}

TEST_CASE("record telegrams built from descriptions go through the codec unchanged") {
    // What the simulator does: records from specs, a CI 72 telegram, the raw codec, and back.
    variable_data t;
    t.header.address = secondary_address{0x12345678, 0x2C2D, 1, 4};
    const record_spec specs[] = {
        spec("energy", "kWh", data_coding::bcd8, std::int64_t{12345678}),
        spec("volume", "l", data_coding::variable, std::int64_t{-1234567}), // LVAR D4
        spec("software_version", "", data_coding::variable, std::string("v1.2")),
        spec("customer", "", data_coding::variable, bytes(20, 0x5A)), // LVAR F1
        spec("date_time", "", data_coding::int48, make_date_time(2024, 5, 6, 7, 8, 9).value()),
        spec("power", "W", data_coding::real32, 1234.5),
        spec("on_time", "d", data_coding::bcd4, invalid_bcd{"EEEE"}),
    };
    for (const auto& s : specs)
        t.records.push_back(encode_record(s).value());
    t.records.push_back(idle_filler_record());
    t.records.push_back(manufacturer_data_record({0x01, 0x02, 0x03}, true));
    const auto wire = encode(user_data{t});
    const auto back = decode(wire.ci, wire.data);
    REQUIRE(back);
    CHECK(std::get<variable_data>(*back) == t);
    for (std::size_t i = 0; i < std::size(specs); ++i) {
        const auto m = describe(std::get<variable_data>(*back).records[i]);
        REQUIRE(m);
        CHECK(to_spec(*m).value() == specs[i]);
    }
}

TEST_CASE("record coding ranges follow the coding and the BCD sign") {
    CHECK(coding_range(data_coding::int8) == integer_range{-128, 127});
    CHECK(coding_range(data_coding::int24) == integer_range{-8388608, 8388607});
    CHECK(coding_range(data_coding::bcd4) == integer_range{-999, 9999}); // F in the top digit
    CHECK(coding_range(data_coding::bcd4, false) == integer_range{0, 9999});
    CHECK(coding_range(data_coding::variable) == integer_range{-999999999999999999, 999999999999999999});
    CHECK_FALSE(coding_range(data_coding::real32));
    CHECK_FALSE(coding_range(data_coding::none));
}

TEST_CASE("record fit problems name the coding and its range") {
    CHECK_FALSE(fit_problem(data_coding::int8, false, 127));
    CHECK(fit_problem(data_coding::int8, false, 128) == "does not fit int8 (-128..127)");
    CHECK(fit_problem(data_coding::bcd8, false, 100000000) == "does not fit bcd8 (0..99999999)");
    CHECK(fit_problem(data_coding::bcd8, false, -5) ==
          "is negative: bcd8 cannot hold it (set signed_bcd = true to send it with F in the top digit)");
    CHECK_FALSE(fit_problem(data_coding::bcd8, true, -5));
    CHECK(fit_problem(data_coding::int64, false, 0x1p63) ==
          "does not fit int64 (-9223372036854775808..9223372036854775807)");
    CHECK(fit_problem(data_coding::real32, false, 1e39) == "does not fit real32");
    CHECK_FALSE(fit_problem(data_coding::real32, false, 1e38));
}

TEST_CASE("record value from a number scales rounds and checks the fit") {
    const value_scale litres{3, "m3"}; // written in m3, sent in litres
    CHECK(value_from_number(1.234, data_coding::bcd8, false, litres) ==
          checked<value>{value{std::int64_t{1234}}});
    CHECK(value_from_number(1.2345, data_coding::bcd8, false, litres) ==
          checked<value>{
              spec_problem{"value", "value 1.2345 is finer than the record's resolution (0.001 m3)"}});
    CHECK(value_from_number(300, data_coding::int8, false, {}) ==
          checked<value>{spec_problem{"value", "value 300 does not fit int8 (-128..127)"}});
    CHECK(value_from_number(0.2, data_coding::int8, false, litres) ==
          checked<value>{
              spec_problem{"value", "value 0.2 (200 in steps of 0.001 m3) does not fit int8 (-128..127)"}});
    CHECK(value_from_number(1.5, data_coding::real32, false, {}) == checked<value>{value{1.5}});
    CHECK(value_from_number(1, data_coding::int16, false, {}) == checked<value>{value{std::int64_t{1}}});
    CHECK(value_from_number(1, data_coding::none, false, {}) ==
          checked<value>{spec_problem{"value", "a number cannot be sent as none"}});
}

TEST_CASE("record range problems name the generator and the first bound that does not fit") {
    CHECK_FALSE(range_problem("the ramp reaches", -100, 100, data_coding::int8, false, {}));
    CHECK(range_problem("the ramp reaches", 0, 300, data_coding::int8, false, {}) ==
          "the ramp reaches 300, which does not fit int8 (-128..127)");
    CHECK(range_problem("the sine reaches", -1, 1, data_coding::bcd4, false, {2, "C"}) ==
          "the sine reaches -1 (-100 in steps of 0.01 C), which is negative: bcd4 cannot hold it (set "
          "signed_bcd = true to send it with F in the top digit)");
}

TEST_CASE("record resolutions are powers of ten") {
    CHECK(resolution_exponent(0.01) == checked<int>{-2});
    CHECK(resolution_exponent(1000) == checked<int>{3});
    CHECK(resolution_exponent(0.5) ==
          checked<int>{
              spec_problem{"resolution", "resolution 0.5 is not a power of ten (0.001, 0.01, 1, 10, ...)"}});
    CHECK_FALSE(resolution_exponent(-1));
}

TEST_CASE("record VIF choice from quantity unit and step") {
    const auto litres = choose_vif(quantity::volume, scaled_unit{unit::m3, 0}, "m3", -3);
    REQUIRE(litres);
    CHECK(litres->code == find_vif(quantity::volume, unit::m3, -3));
    CHECK(litres->u == unit::m3);
    CHECK(litres->exponent == -3);
    CHECK(litres->value_exponent == 0);
    const auto kwh = choose_vif(quantity::energy, scaled_unit{unit::Wh, 3}, "kWh", 0);
    REQUIRE(kwh);
    CHECK(kwh->exponent == 3);
    CHECK(kwh->value_exponent == 3);

    const auto no_unit = choose_vif(quantity::energy, std::nullopt, "", 0);
    REQUIRE_FALSE(no_unit);
    CHECK(no_unit.problem().field == "quantity");
    CHECK(no_unit.problem().reason.starts_with("energy needs a unit; it can be sent as: Wh"));
    const auto wrong = choose_vif(quantity::volume, scaled_unit{unit::Wh, 3}, "kWh", 0);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.problem().field == "unit");
    CHECK(wrong.problem().reason.starts_with("volume is not measured in \"kWh\"; it can be sent as: m3"));
    const auto too_fine = choose_vif(quantity::volume, scaled_unit{unit::m3, 0}, "m3", -9);
    REQUIRE_FALSE(too_fine);
    CHECK(too_fine.problem().field == "unit");
    CHECK(too_fine.problem().reason.starts_with(
        "no VIF sends volume in steps of 1e-09 m3; the codes cover: m3"));
}

TEST_CASE("record plain units go with quantity plain_text_unit only") {
    CHECK_FALSE(plain_unit_problem(quantity::plain_text_unit, true));
    CHECK_FALSE(plain_unit_problem(quantity::volume, false));
    CHECK(plain_unit_problem(quantity::volume, true) ==
          spec_problem{"plain_unit", "only quantity \"plain_text_unit\" (VIF 7C) takes a plain unit"});
    CHECK(plain_unit_problem(quantity::plain_text_unit, false) ==
          spec_problem{"quantity", "plain_text_unit needs plain_unit = \"...\" (the unit's text)"});
}

TEST_CASE("record unit beside VIF bytes must be the VIF's unit") {
    vib_meaning wh;
    wh.u = unit::Wh;
    wh.unit_text = "Wh";
    CHECK_FALSE(unit_problem(wh, scaled_unit{unit::Wh, 3}, "kWh"));
    CHECK(unit_problem(wh, scaled_unit{unit::m3, 0}, "m3") ==
          "unit \"m3\" does not measure what the VIF sends (Wh)");
    CHECK(unit_problem(vib_meaning{}, scaled_unit{unit::m3, 0}, "m3") ==
          "unit \"m3\" does not measure what the VIF sends (no unit)");
}

TEST_CASE("record dates and times need a time point record of their type") {
    vib_meaning date_vib;
    date_vib.q = quantity::date;
    date_vib.time_point = true;
    vib_meaning volume_vib;
    volume_vib.q = quantity::volume;
    CHECK(usual_coding(date_vib) == data_coding::int16);
    CHECK_FALSE(usual_coding(volume_vib));
    CHECK(time_point_problem(volume_vib, "\"now\"") ==
          "\"now\" needs a date or time record (quantity \"date\" or \"date_time\"), not volume");

    const auto d = value_from_date(date_vib, data_coding::int16, 2024, 3, 1);
    REQUIRE(d);
    CHECK(*d == value{*make_date(2024, 3, 1)});
    CHECK(value_from_date(date_vib, data_coding::int32, 2024, 3, 1).problem() ==
          spec_problem{"value", "a date needs type int16 (type G), not int32"});
    CHECK(value_from_date(volume_vib, data_coding::int16, 2024, 3, 1).problem().reason ==
          "a date needs a date or time record (quantity \"date\" or \"date_time\"), not volume");
    CHECK(value_from_date(date_vib, data_coding::int16, 1970, 1, 1)
              .problem()
              .reason.starts_with("date cannot be sent: "));

    vib_meaning dt_vib;
    dt_vib.q = quantity::date_time;
    dt_vib.time_point = true;
    CHECK(usual_coding(dt_vib) == data_coding::int32);
    CHECK(value_from_date_time(dt_vib, data_coding::int32, 2024, 3, 1, 12, 30, 0, false) ==
          checked<value>{value{*make_date_time(2024, 3, 1, 12, 30)}});
    CHECK(value_from_date_time(dt_vib, data_coding::int32, 2024, 3, 1, 12, 30, 15, false).problem().reason ==
          "type F (int32) holds minutes: the seconds must be 0, or use int48 (type I)");
    CHECK(value_from_date_time(dt_vib, data_coding::int48, 2024, 3, 1, 12, 30, 15, false));
    CHECK(value_from_date_time(dt_vib, data_coding::int48, 2024, 3, 1, 12, 30, 15, true).problem().reason ==
          "a meter keeps local time: leave out the UTC offset");
    CHECK(value_from_time(dt_vib, data_coding::int24, 7, 5, 3) ==
          checked<value>{value{time_of_day{7, 5, 3}}});
    CHECK(value_from_time(dt_vib, data_coding::int16, 7, 5, 3).problem().reason ==
          "a time needs type int24 (type J), not int16");
}
