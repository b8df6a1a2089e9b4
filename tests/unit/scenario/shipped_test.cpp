// The scenarios shipped in scenarios/: they load, and the models send the record layouts of the
// real meters they copy (checked against the corpus). The demo: demo_test.cpp.

#include <doctest/doctest.h>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/meter_check.hpp>

#include "scenario_support.hpp"
#include "support/corpus.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <map>

using namespace mbus;
using namespace mbus::scenario;
using namespace mbus::scenario::test;

namespace {

const sim::meter_config& meter_named(const scenario::scenario& s, const std::string& name) {
    const auto it =
        std::find_if(s.meters.begin(), s.meters.end(), [&](const auto& m) { return m.name == name; });
    REQUIRE(it != s.meters.end());
    return *it;
}

} // namespace

TEST_CASE("every shipped scenario loads") {
    // The meter count of each file: a file that loads with the wrong number of meters is wrong too.
    const std::map<std::string, std::size_t> expected{{"demo.toml", 1},          {"water-meters.toml", 4},
                                                      {"heat-meters.toml", 3},   {"multi-telegram.toml", 1},
                                                      {"bus-250.toml", 250},     {"han-kaifa.toml", 0},
                                                      {"han-encrypted.toml", 0}, {"han-aidon.toml", 0},
                                                      {"han-kamstrup.toml", 0},  {"han-faults.toml", 0}};
    const std::map<std::string, std::size_t> han{{"han-kaifa.toml", 1},      {"han-encrypted.toml", 1},
                                                 {"han-aidon.toml", 1},      {"han-kamstrup.toml", 1},
                                                 {"han-faults.toml", 1},     {"han-sweden.toml", 1},
                                                 {"han-kamstrup-dk.toml", 1}};
    std::size_t seen = 0;
    for (const auto& entry : std::filesystem::directory_iterator(scenarios_dir())) {
        if (entry.path().extension() != ".toml") continue;
        const auto name = entry.path().filename().string();
        CAPTURE(name);
        const auto r = load(entry.path());
        CHECK_MESSAGE(r.errors.empty(), r);
        REQUIRE(r);
        CHECK(r.value->source == entry.path());
        if (const auto it = expected.find(name); it != expected.end())
            CHECK(r.value->meters.size() == it->second);
        if (const auto it = han.find(name); it != han.end()) CHECK(r.value->han_meters.size() == it->second);
        if (name.starts_with("han-")) CHECK(han.contains(name));
        // A replay carries bytes recorded from the simulator itself (docs/capture-replay.md).
        if (name.starts_with("replay-")) CHECK(r.value->replays.size() == 1);
        // What the simulation itself would refuse, it refuses for shipped files too.
        for (const auto& m : r.value->meters)
            CHECK(sim::check(m).empty());
        ++seen;
    }
    CHECK(seen >= expected.size());
}

TEST_CASE("every shipped model loads as a meter") {
    for (const auto& entry : std::filesystem::directory_iterator(scenarios_dir() / "models")) {
        const auto name = entry.path().filename().string();
        CAPTURE(name);
        const auto r =
            load_string("[[meter]]\nmodel = \"models/" + name + "\"\naddress = 1\nid = \"00000001\"\n",
                        (scenarios_dir() / "model-check.toml").string());
        CHECK_MESSAGE(r.errors.empty(), r);
        REQUIRE(r);
        CHECK(!r.value->meters.at(0).records.empty());
    }
}

TEST_CASE("model meters send the record layout of the corpus telegrams") {
    const auto dir = mbus::test::corpus_dir();
    REQUIRE(dir);
    const auto frames = nlohmann::json::parse(mbus::test::read_file(*dir / "meters" / "frames.json"));
    const auto loaded = load(scenarios_dir() / "heat-meters.toml");
    REQUIRE_MESSAGE(loaded, loaded);

    // corpus telegram -> the meter of heat-meters.toml built from the model that copies it
    const std::map<std::string, std::string> pairs{{"wmbusmeters_mc303_heat_cool_wired", "mc303-a"},
                                                   {"libmbus_issue145_sharky775", "sharky"}};
    std::size_t telegrams = 0;
    std::size_t records = 0;
    for (const auto& f : frames) {
        const auto it = pairs.find(f.at("name").get<std::string>());
        if (it == pairs.end()) continue;
        CAPTURE(it->first);
        const auto& config = meter_named(*loaded.value, it->second);
        std::vector<std::string> expected;
        for (const auto& r : f.at("records"))
            expected.push_back(r.at("drh").get<std::string>());

        sim::meter meter{config};
        const auto t = meter.readout(0, test_now(), false);
        CHECK(!t.more_follows);
        CHECK(drh_list(t.wire) == expected);

        // The identity fields of the header, as the real meter sends them.
        const auto& h = f.at("header");
        CHECK(app::manufacturer_letters(config.identity.manufacturer) ==
              h.at("manufacturer").get<std::string>());
        CHECK(config.identity.version == std::stoul(h.at("version").get<std::string>(), nullptr, 16));
        CHECK(config.identity.medium ==
              std::stoul(h.at("medium").get<std::string>().substr(0, 4), nullptr, 16));
        CHECK(app::id_to_string(config.identity.id) == h.at("id").get<std::string>());
        ++telegrams;
        records += expected.size();
    }
    CHECK(telegrams == pairs.size());
    std::cout << "corpus: scenario models match frames.json record layouts " << telegrams << "/"
              << pairs.size() << " telegrams, " << records << " records\n";
}

TEST_CASE("multi telegram scenario reads out in three telegrams") {
    const auto r = load(scenarios_dir() / "multi-telegram.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& m = r.value->meters.at(0);
    CHECK(m.pages == std::vector<std::vector<std::size_t>>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}});
    sim::meter meter{m};
    for (std::size_t i = 0; i < 3; ++i) {
        CAPTURE(i);
        const auto t = meter.readout(i, test_now(), false);
        CHECK(t.index == i);
        const auto list = drh_list(t.wire);
        REQUIRE(!list.empty());
        // Every telegram but the last ends in DIF 1F.
        CHECK((list.back() == "1f") == (i < 2));
        CHECK(list.size() == (i < 2 ? 4u : 3u));
    }
    CHECK(drh_list(meter.readout(1, test_now(), false).wire) ==
          std::vector<std::string>{"4c06", "4c14", "426c", "1f"});
    CHECK(drh_list(meter.readout(2, test_now(), false).wire) ==
          std::vector<std::string>{"8c0106", "8c0114", "82016c"}); // storage 2: DIF bit 6 clear, DIFE 01
}

TEST_CASE("bus 250 scenario steps address id and name") {
    const auto r = load(scenarios_dir() / "bus-250.toml");
    REQUIRE_MESSAGE(r, r);
    const auto& meters = r.value->meters;
    REQUIRE(meters.size() == 250);
    for (std::size_t i = 0; i < meters.size(); ++i) {
        CAPTURE(i);
        CHECK(meters[i].primary_address == i + 1);
        CHECK(app::id_to_string(meters[i].identity.id) == std::to_string(10000001 + i));
        CHECK(meters[i].name == "water-" + std::to_string(i + 1));
    }
    // The copies' random walks differ, or a master could not tell the meters apart by their values.
    const auto seed_of = [](const sim::meter_config& m) {
        return std::get<sim::random_walk>(*std::get<sim::spec_record>(m.records.at(1).content).source).seed;
    };
    CHECK(seed_of(meters[1]) == seed_of(meters[0]) + 1);
}
