#include <doctest/doctest.h>

#include <mbus/app/errc.hpp>
#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/app/vif.hpp>

#include <algorithm>

using namespace mbus;
using namespace mbus::app;

namespace {
vib_meaning meaning_of(const bytes& b) {
    const auto v = parse_vib(b);
    REQUIRE(v);
    const auto m = describe(*v);
    REQUIRE(m);
    return *m;
}
bool has_note(const vib_meaning& m, std::string_view text) {
    return std::any_of(m.notes.begin(), m.notes.end(),
                       [&](const auto& n) { return n.find(text) != std::string::npos; });
}
} // namespace

TEST_CASE("vif table gives quantity unit and exponent") {
    using enum vif_table;
    CHECK(lookup({primary, 0x06}) == vif_info{quantity::energy, unit::Wh, 3});
    CHECK(lookup({primary, 0x0E}) == vif_info{quantity::energy, unit::J, 6});
    CHECK(lookup({primary, 0x13}) == vif_info{quantity::volume, unit::m3, -3});
    CHECK(lookup({primary, 0x1B}) == vif_info{quantity::mass, unit::kg, 0});
    CHECK(lookup({primary, 0x22}) == vif_info{quantity::on_time, unit::hour, 0});
    CHECK(lookup({primary, 0x27}) == vif_info{quantity::operating_time, unit::day, 0});
    CHECK(lookup({primary, 0x2D}) == vif_info{quantity::power, unit::W, 2});
    CHECK(lookup({primary, 0x33}) == vif_info{quantity::power, unit::J_per_h, 3});
    CHECK(lookup({primary, 0x3B}) == vif_info{quantity::volume_flow, unit::m3_per_h, -3});
    CHECK(lookup({primary, 0x40}) == vif_info{quantity::volume_flow, unit::m3_per_min, -7});
    CHECK(lookup({primary, 0x4F}) == vif_info{quantity::volume_flow, unit::m3_per_s, -2});
    CHECK(lookup({primary, 0x53}) == vif_info{quantity::mass_flow, unit::kg_per_h, 0});
    CHECK(lookup({primary, 0x59}) == vif_info{quantity::flow_temperature, unit::celsius, -2});
    CHECK(lookup({primary, 0x5E}) == vif_info{quantity::return_temperature, unit::celsius, -1});
    CHECK(lookup({primary, 0x61}) == vif_info{quantity::temperature_difference, unit::kelvin, -2});
    CHECK(lookup({primary, 0x67}) == vif_info{quantity::external_temperature, unit::celsius, 0});
    CHECK(lookup({primary, 0x68}) == vif_info{quantity::pressure, unit::bar, -3});
    CHECK(lookup({primary, 0x6C}) == vif_info{quantity::date, unit::none, 0});
    CHECK(lookup({primary, 0x6D}) == vif_info{quantity::date_time, unit::none, 0});
    CHECK(lookup({primary, 0x6E}) == vif_info{quantity::hca_units, unit::hca, 0});
    CHECK_FALSE(lookup({primary, 0x6F}));
    CHECK(lookup({primary, 0x71}) == vif_info{quantity::averaging_duration, unit::minute, 0});
    CHECK(lookup({primary, 0x76}) == vif_info{quantity::actuality_duration, unit::hour, 0});
    CHECK(lookup({primary, 0x78})->q == quantity::fabrication_number);
    CHECK(lookup({primary, 0x79})->q == quantity::enhanced_identification);
    CHECK(lookup({primary, 0x7A})->q == quantity::bus_address);
    CHECK(lookup({primary, 0x7C})->q == quantity::plain_text_unit);
    CHECK(lookup({primary, 0x7E})->q == quantity::any_vif);
    CHECK(lookup({primary, 0x7F})->q == quantity::manufacturer_specific);
    CHECK_FALSE(lookup({primary, 0x7B}));
    CHECK_FALSE(lookup({primary, 0x7D}));

    CHECK(lookup({fd, 0x02}) == vif_info{quantity::credit, unit::currency, -1});
    CHECK(lookup({fd, 0x08})->q == quantity::access_number);
    CHECK(lookup({fd, 0x0E})->q == quantity::firmware_version);
    CHECK(lookup({fd, 0x17})->q == quantity::error_flags);
    CHECK(lookup({fd, 0x1C}) == vif_info{quantity::baud_rate, unit::baud, 0});
    CHECK(lookup({fd, 0x28}) == vif_info{quantity::storage_interval, unit::month, 0});
    CHECK(lookup({fd, 0x31}) == vif_info{quantity::tariff_duration, unit::minute, 0});
    CHECK(lookup({fd, 0x39}) == vif_info{quantity::tariff_period, unit::year, 0});
    CHECK(lookup({fd, 0x49}) == vif_info{quantity::voltage, unit::volt, 0});
    CHECK(lookup({fd, 0x59}) == vif_info{quantity::current, unit::ampere, -3});
    CHECK(lookup({fd, 0x6A}) == vif_info{quantity::duration_since_last_cumulation, unit::month, 0});
    CHECK(lookup({fd, 0x6C}) == vif_info{quantity::battery_operating_time, unit::hour, 0});
    CHECK(lookup({fd, 0x74}) == vif_info{quantity::remaining_battery_lifetime, unit::day, 0});
    CHECK_FALSE(lookup({fd, 0x3B}));

    CHECK(lookup({fb, 0x00}) == vif_info{quantity::energy, unit::Wh, 5});
    CHECK(lookup({fb, 0x09}) == vif_info{quantity::energy, unit::J, 9}); // libmbus: unit "Reserved"
    CHECK(lookup({fb, 0x11}) == vif_info{quantity::volume, unit::m3, 3});
    CHECK(lookup({fb, 0x19}) == vif_info{quantity::mass, unit::kg, 6});
    CHECK(lookup({fb, 0x1A}) == vif_info{quantity::relative_humidity, unit::percent, -1});
    CHECK(lookup({fb, 0x21}) == vif_info{quantity::volume, unit::feet3, -1});
    CHECK(lookup({fb, 0x28}) == vif_info{quantity::power, unit::W, 5});
    CHECK(lookup({fb, 0x31}) == vif_info{quantity::power, unit::J_per_h, 9}); // libmbus: unit "J"
    CHECK(lookup({fb, 0x5A}) == vif_info{quantity::flow_temperature, unit::fahrenheit, -1});
    CHECK(lookup({fb, 0x75}) == vif_info{quantity::temperature_limit, unit::celsius, -2});
    CHECK(lookup({fb, 0x79}) == vif_info{quantity::cumulative_max_power, unit::W, -2}); // libmbus: 1e-3
}

TEST_CASE("vif table is one to one so encoding cannot disagree with decoding") {
    std::size_t codes = 0;
    for (const auto t : {vif_table::primary, vif_table::fd, vif_table::fb})
        for (unsigned c = 0; c < 0x80; ++c) {
            const vif_code code{t, static_cast<std::uint8_t>(c)};
            const auto info = lookup(code);
            if (!info) continue;
            ++codes;
            CHECK(find_vif(info->q, info->u, info->exponent) == code);
        }
    CHECK(codes > 250);
    CHECK_FALSE(find_vif(quantity::energy, unit::Wh, 7)); // past FB 01 (10^6)
}

TEST_CASE("vif describes combinable VIFEs") {
    // MULTICAL 303: 86 3C = energy kWh, backward flow.
    const auto back = meaning_of({0x86, 0x3C}); // VIF energy 10^3 Wh + ext, VIFE 3C
    CHECK(back.q == quantity::energy);
    CHECK(back.exponent == 3);
    CHECK(back.combinable == std::vector<std::uint8_t>{0x3C});
    CHECK(has_note(back, "backward flow"));

    // MULTICAL 302: 86 FF 02 = energy kWh, manufacturer-specific VIFE 02.
    const auto mfr = meaning_of({0x86, 0xFF, 0x02}); // VIF + ext, VIFE 7F + ext, VIFE 02
    CHECK(mfr.q == quantity::energy);
    CHECK(has_note(mfr, "manufacturer-specific code 0x02"));

    // VIF FF 07: the whole VIB is the manufacturer's.
    const auto ff = meaning_of({0xFF, 0x07});
    CHECK(ff.q == quantity::manufacturer_specific);
    CHECK(has_note(ff, "manufacturer-specific code 0x07"));

    // Elvaco CMa10: FC 03 "HR%" 74 = plain-text unit "%RH" at 10^-2.
    const auto rh =
        meaning_of({0xFC, 0x03, 'H', 'R', '%', 0x74}); // VIF 7C + ext, length, text reversed, VIFE
    CHECK(rh.q == quantity::plain_text_unit);
    CHECK(rh.plain_text_unit == "%RH");
    CHECK(rh.unit_text == "%RH");
    CHECK(rh.exponent == -2);

    // 7D multiplies by 10^3; 78-7B are an additive offset.
    CHECK(meaning_of({0x93, 0x7D}).exponent == 0);
    const auto add = meaning_of({0x93, 0x79});
    CHECK(add.exponent == -3);
    CHECK(add.additive_exponent == -2);

    // Per hour changes the unit text; "date/time of" makes the data a time point.
    CHECK(meaning_of({0x86, 0x22}).unit_text == "Wh/h");
    CHECK(meaning_of({0xAD, 0x6A}).time_point); // power, date of first begin
    CHECK(meaning_of({0x6D}).time_point);
    // Duration of a limit exceed is a time, whatever the VIF measured.
    const auto dur = meaning_of({0xAD, 0x52}); // power + ext, VIFE E101 0010: lower first, hours
    CHECK(dur.u == unit::hour);
    CHECK(dur.exponent == 0);

    // FD 97 1D: error flags, then a combinable VIFE.
    const auto ef = meaning_of({0xFD, 0x97, 0x1D});
    CHECK(ef.code == vif_code{vif_table::fd, 0x17});
    CHECK(ef.combinable == std::vector<std::uint8_t>{0x1D});
    CHECK(describe(vib{0xFD, {}, {}}).error() == meaning_errc::missing_vife);
    CHECK(meaning_of({0x6F}).q == quantity::unknown);
}

TEST_CASE("vif encodes the bytes it describes") {
    const std::vector<bytes> cases{
        {0x06},                            // energy kWh
        {0x86, 0x3C},                      // + backward flow
        {0x86, 0xFF, 0x02},                // + manufacturer VIFE
        {0xFF, 0x07},                      // manufacturer VIF
        {0xFD, 0x17},                      // error flags
        {0xFD, 0x97, 0x1D},                // error flags + VIFE
        {0xFB, 0x00},                      // energy 0.1 MWh
        {0xFB, 0x9A, 0x74},                // relative humidity + correction
        {0x7C, 0x03, 'H', 'R', '%'},       // plain text
        {0xFC, 0x03, 'H', 'R', '%', 0x74}, // plain text + VIFE
        {0xA5, 0xFF, 0x21},                // operating time minutes + manufacturer VIFE
        {0x6F},                            // reserved
        {0x7D},                            // a bare 7D (no VIFE): malformed but kept
        {0x86, 0xFC, 0x01},                // energy + extension table: at phase L1
    };
    for (const auto& b : cases) {
        const auto v = parse_vib(b).value();
        const auto m = describe(v).value();
        const auto again = encode_vib(m.code, m.plain_text_unit, m.combinable);
        REQUIRE(again);
        CHECK(*again == v);
    }
    CHECK(encode_vib({vif_table::primary, 0x06}, {}, {0x80}).error() == meaning_errc::vife_out_of_range);
    CHECK(encode_vib({vif_table::primary, 0x06}, "kWh").error() == errc::invalid_value);
    CHECK(encode_vib({vif_table::primary, 0x7D}, {}, {0x01}).error() == errc::invalid_value);
    CHECK(encode_vib({vif_table::primary, 0x7C}, std::string(200, 'x')).error() == errc::value_out_of_range);
}

TEST_CASE("vif combinable VIFE names follow the standard") {
    CHECK(combinable_vife_name(0x22) == "per hour");
    CHECK(combinable_vife_name(0x3B).find("forward flow") != std::string::npos);
    CHECK(combinable_vife_name(0x3C).find("backward flow") != std::string::npos);
    CHECK(combinable_vife_name(0x48) == "upper limit value");
    CHECK(combinable_vife_name(0x49) == "number of exceeds of upper limit");
    CHECK(combinable_vife_name(0x4F) == "date(/time) of end of last upper limit exceed");
    CHECK(combinable_vife_name(0x74) == "multiplicative correction factor 10^-2");
    CHECK(combinable_vife_name(0x7B) == "additive correction constant 10^0");
    CHECK(combinable_vife_name(0x7D) == "multiplicative correction factor 10^3");
    CHECK(combinable_vife_name(0x15) == "record error: no data available (undefined value)");
    CHECK(combinable_vife_name(0x3D) == "reserved combinable VIFE 0x3D");
}

TEST_CASE("vif lookup from quantity and unit names") {
    CHECK(lookup_quantity("energy", "kWh").value() ==
          quantity_unit{quantity::energy, unit::Wh, 3, {vif_table::primary, 0x06}});
    CHECK(lookup_quantity("energy", "MWh").value().code == vif_code{vif_table::fb, 0x01});
    CHECK(lookup_quantity("energy", "GJ").value().code == vif_code{vif_table::fb, 0x09});
    CHECK(lookup_quantity("energy", "MJ").value().code == vif_code{vif_table::primary, 0x0E});
    CHECK(lookup_quantity("volume", "l").value().code == vif_code{vif_table::primary, 0x13});
    CHECK(lookup_quantity("volume", "0.01 m3").value().code == vif_code{vif_table::primary, 0x14});
    CHECK(lookup_quantity("flow_temperature", "0.01 C").value().code == vif_code{vif_table::primary, 0x59});
    CHECK(lookup_quantity("Flow temperature", "°C").value().code == vif_code{vif_table::primary, 0x5B});
    CHECK(lookup_quantity("power", "kW").value().code == vif_code{vif_table::primary, 0x2E});
    CHECK(lookup_quantity("power", "MW").value().code == vif_code{vif_table::fb, 0x29});
    CHECK(lookup_quantity("volume_flow", "l/h").value().code == vif_code{vif_table::primary, 0x3B});
    CHECK(lookup_quantity("volume_flow", "m3/h").value().code == vif_code{vif_table::primary, 0x3E});
    CHECK(lookup_quantity("on_time", "h").value().code == vif_code{vif_table::primary, 0x22});
    CHECK(lookup_quantity("operating_time", "d").value().code == vif_code{vif_table::primary, 0x27});
    CHECK(lookup_quantity("pressure", "mbar").value().code == vif_code{vif_table::primary, 0x68});
    CHECK(lookup_quantity("date_time", "").value().code == vif_code{vif_table::primary, 0x6D});
    CHECK(lookup_quantity("date", "").value().code == vif_code{vif_table::primary, 0x6C});
    CHECK(lookup_quantity("fabrication_number", "").value().code == vif_code{vif_table::primary, 0x78});
    CHECK(lookup_quantity("firmware_version", "").value().code == vif_code{vif_table::fd, 0x0E});
    CHECK(lookup_quantity("voltage", "V").value().code == vif_code{vif_table::fd, 0x49});
    CHECK(lookup_quantity("storage_interval", "month").value().code == vif_code{vif_table::fd, 0x28});
    CHECK(lookup_quantity("energy", "kwh").value().exponent == 3); // case-blind when unambiguous

    CHECK(lookup_quantity("enrgy", "kWh").error() == meaning_errc::unknown_quantity);
    CHECK(lookup_quantity("energy", "kWhh").error() == meaning_errc::unknown_unit);
    CHECK(lookup_quantity("power", "mw").error() == meaning_errc::unknown_unit); // mW or MW?
    CHECK(lookup_quantity("energy", "m3").error() == meaning_errc::unit_mismatch);
    CHECK(lookup_quantity("energy", "10 MWh").error() == meaning_errc::no_vif_code);
    CHECK(lookup_quantity("on_time", "month").error() == meaning_errc::unit_mismatch); // s, min, h, d only
    CHECK(lookup_quantity("on_time", "kWh").error() == meaning_errc::unit_mismatch);

    const auto typo = lookup_failure_message("enrgy", "kWh");
    CHECK(typo.find("did you mean: energy") != std::string::npos);
    const auto temp = close_quantity_names("temperature");
    CHECK(std::find(temp.begin(), temp.end(), "flow_temperature") != temp.end());
    CHECK(lookup_failure_message("energy", "kWhh").find("kWh") != std::string::npos);
    const auto wrong_unit = lookup_failure_message("energy", "m3");
    CHECK(wrong_unit.find("Wh 10^-3..10^4 (primary 00-07)") != std::string::npos);
    CHECK(wrong_unit.find("Wh 10^5..10^6 (FB 00-01)") != std::string::npos);
    CHECK(lookup_failure_message("energy", "kWh").empty());
}
