#include <doctest/doctest.h>

#include <mbus/app/record_spec.hpp>
#include <mbus/sim/meter_check.hpp>

#include "sim_support.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;
using namespace std::chrono_literals;

TEST_CASE("meter check passes a plain water meter") { CHECK(check(water_meter()).empty()); }

TEST_CASE("meter check names each problem of the configuration") {
    SUBCASE("primary address above 250") {
        auto m = water_meter();
        m.primary_address = 251;
        CHECK(check(m) == std::vector<std::string>{"meter 'water': primary address 251 is above 250"});
    }
    SUBCASE("identification with a hex digit") {
        auto m = water_meter();
        m.identity.id = 0x1234567A;
        CHECK(check(m) ==
              std::vector<std::string>{"meter 'water': identification 1234567A is not 8 decimal digits"});
    }
    SUBCASE("baud rate no CI B8 to BF sets") {
        auto m = water_meter();
        m.baud = 1000;
        CHECK(check(m) ==
              std::vector<std::string>{"meter 'water': baud rate 1000 is not an M-Bus rate (300..38400)"});
    }
    SUBCASE("manufacturer data before another record") {
        auto m = water_meter();
        m.records.edit().insert(m.records.edit().begin(),
                                {raw_record{raw(0x0F, 0x00, {0x01, 0x02})}, false}); // DIF 0F
        CHECK(check(m) ==
              std::vector<std::string>{"meter 'water': record 1 (DIF 0F) swallows the records after it"});
    }
    SUBCASE("a page naming a record that does not exist") {
        auto m = two_page_meter();
        m.pages = {{0}, {1, 2}};
        CHECK(check(m) ==
              std::vector<std::string>{"meter 'water': page 2 names record 3, which does not exist"});
    }
}

TEST_CASE("meter check accepts a sound configuration") {
    auto m = two_page_meter();
    add(m, {spec(app::quantity::date, app::unit::none, 0, app::data_coding::int16), current_date{}, 0});
    m.pages = {{0, 2}, {1}};
    CHECK(check(m).empty());
}

TEST_CASE("meter check names what is wrong") {
    auto m = two_page_meter();
    m.primary_address = 251;
    m.identity.id = 0x1234567A;
    m.baud = 1000;
    m.pages = {{0, 7}};
    add(m, {spec(app::quantity::energy, app::unit::Wh, 8, app::data_coding::int32), std::nullopt, 0});
    add(m, {spec(app::quantity::date, app::unit::none, 0, app::data_coding::int8), current_date{}, 0});
    write_rule rule;
    rule.reply = std::size_t{4};
    m.write_rules = {rule};
    const auto problems = check(m);
    const auto mentions = [&](std::string_view what) {
        return std::any_of(problems.begin(), problems.end(),
                           [&](const std::string& p) { return p.find(what) != std::string::npos; });
    };
    CHECK(mentions("primary address 251"));
    CHECK(mentions("1234567A"));
    CHECK(mentions("baud rate 1000"));
    CHECK(mentions("record 8, which does not exist"));
    CHECK(mentions("record 2 is on no page"));
    CHECK(mentions("record 3:")); // energy in 10^8 Wh has no VIF
    CHECK(mentions("record 4:")); // a date does not fit int8
    CHECK(mentions("write rule 1"));
    CHECK(problems.size() == 10); // records 3 and 4 are on no page either
}

TEST_CASE("meter check gives one exact message per finding") {
    auto m = water_meter();
    m.fabrication_number = 0x0000000F;
    m.options.response_delay = delay_range{20ms, 2ms};
    CHECK(check(m) ==
          std::vector<std::string>{"meter 'water': fabrication number 0000000F is not 8 decimal digits",
                                   "meter 'water': response delay 20000us..2000us runs backwards"});
    m = water_meter();
    m.name = "";
    m.primary_address = 250; // the highest primary address
    m.baud = 38400;
    CHECK(check(m).empty());
    m.primary_address = 251;
    CHECK(check(m) == std::vector<std::string>{"meter: primary address 251 is above 250"});
}

TEST_CASE("meter check finds records that swallow what follows them") {
    auto m = water_meter();
    // DIF 1F takes the rest of the telegram: nothing may follow it.
    m.records.edit().insert(m.records.edit().begin(),
                            {raw_record{app::record{app::dib{0x1F, {}}, std::nullopt, {}}}, false});
    CHECK(check(m) ==
          std::vector<std::string>{"meter 'water': record 1 (DIF 1F) swallows the records after it"});
    m.pages = {{0, 1}};
    CHECK(check(m) ==
          std::vector<std::string>{"meter 'water': record 1 (DIF 1F) swallows what follows it on page 1"});
    m.pages = {{1, 0}}; // last on the last page: fine
    CHECK(check(m).empty());
    m.pages = {{1, 0}, {0}};
    CHECK(check(m) ==
          std::vector<std::string>{"meter 'water': record 1 (DIF 1F) swallows what follows it on page 1",
                                   "meter 'water': record 1 is on more than one page"});
}

TEST_CASE("meter check refuses pages beside recorded telegrams and rules past the last telegram") {
    auto m = water_meter();
    m.recorded = {recorded_frame{{0xE5}}, recorded_frame{{0xE5}}};
    m.pages = {{0}};
    write_rule rule;
    rule.reply = std::size_t{2}; // the third of two
    m.write_rules = {rule};
    CHECK(check(m) == std::vector<std::string>{"meter 'water': pages are given but telegrams are recorded",
                                               "meter 'water': write rule 1 answers with telegram 3 of 2"});
    m.write_rules[0].reply = std::size_t{1};
    m.pages.clear();
    CHECK(check(m).empty());
}
