// runtime/state_file: what masters wrote, saved before the E5 goes out, restored into a new bus, and
// every file that is no state file refused with what and where.

#include <doctest/doctest.h>

#include <mbus/runtime/in_process_bus.hpp>
#include <mbus/runtime/state_file.hpp>
#include <mbus/scenario/load.hpp>

#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace mbus;
using nlohmann::json;

namespace {

const char* scenario_text = R"(
[bus]
name = "kept"

[[meter]]
name = "water"
address = 5
id = "12345678"
manufacturer = "KAM"
version = 1
medium = "water"

[[meter.record]]
quantity = "volume"
unit = "l"
type = "bcd8"
value = 1234
writable = true

[[meter]]
name = "heat"
address = 7
id = "87654321"
manufacturer = "KAM"
version = 1
medium = "heat"

[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = 42
)";

scenario::scenario load() {
    auto r = scenario::load_string(scenario_text, "kept.toml");
    INFO(r);
    REQUIRE(r);
    return *r.value;
}

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

runtime::state_file open(const std::filesystem::path& p) {
    std::string error;
    auto f = runtime::state_file::open(p, error);
    INFO(error);
    REQUIRE(f);
    return std::move(*f);
}

std::string open_error(const std::filesystem::path& p) {
    std::string error;
    CHECK_FALSE(runtime::state_file::open(p, error));
    return error;
}

// SND_UD CI 51 to `a`: new primary address `to`, and the volume record (0C 13) set to 99887700.
link::frame write_address(byte a, byte to) {
    return link::frame::long_frame(0x53, a, 0x51, {0x01, 0x7A, to, 0x0C, 0x13, 0x99, 0x88, 0x77, 0x00});
}

} // namespace

TEST_CASE("a write is in the state file before its E5, and a new bus answers with it") {
    test::temp_dir dir("state");
    const auto path = dir.dir() / "state.json";
    {
        auto state = open(path);
        runtime::in_process_bus bus(load());
        CHECK(state.restore("kept", bus.bus()).empty());
        std::vector<std::string> errors;
        bool saved_before_answer = false;
        state.watch(bus.runner(), [&](const std::string& e) { errors.push_back(e); });
        bus.runner().subscribe([&](const harness::entry& e) {
            // Subscribers hear of the exchange once its E5 is out: the file already holds the write.
            if (std::holds_alternative<harness::exchange>(e))
                saved_before_answer =
                    std::filesystem::exists(path) && read(path).find("\"address\": 9") != std::string::npos;
        });
        const auto x = bus.send(write_address(5, 9));
        REQUIRE(x);
        CHECK(x->outcome.raw == bytes{0xE5});
        CHECK(saved_before_answer);
        CHECK(errors.empty());
        CHECK(state.saves() == 1);
        // A read changes nothing: no save.
        CHECK(bus.send(link::frame::short_frame(0x5B, 9)));
        CHECK(state.saves() == 1);
        CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
    }
    const auto doc = json::parse(read(path));
    CHECK(doc["format"] == "mbus-sim state");
    CHECK(doc["version"] == 1);
    CHECK(doc["buses"]["kept"].size() == 1); // only the meter that changed
    const auto& water = doc["buses"]["kept"]["water"];
    CHECK(water["address"] == 9);
    CHECK(water["id"] == "12345678");
    CHECK(water["written"] == json::parse(R"([{"record": 0, "field": "0C13", "data": "99887700"}])"));

    auto state = open(path);
    runtime::in_process_bus again(load());
    CHECK(state.restore("kept", again.bus()).empty());
    CHECK(again.send(link::frame::short_frame(0x5B, 5))->end == harness::fate::silent);
    const auto x = again.send(link::frame::short_frame(0x5B, 9));
    REQUIRE(x);
    REQUIRE(x->outcome.frame);
    CHECK(x->outcome.frame->a == 9);
    // 12-byte header, then 0C 13 and the written data.
    const auto& data = x->outcome.frame->data;
    CHECK(bytes(data.begin() + 14, data.begin() + 18) == bytes{0x99, 0x88, 0x77, 0x00});

    // Back to what the scenario says: the meter leaves the file.
    state.watch(again.runner(), [](const std::string& e) { FAIL(e); });
    CHECK(again.send(link::frame::long_frame(0x53, 9, 0x51, {0x01, 0x7A, 0x05})));
    CHECK(json::parse(read(path))["buses"]["kept"]["water"]["address"] == 5); // the record is still written
}

TEST_CASE("entries the buses cannot use are reported and stay in the file") {
    test::temp_dir dir("state");
    const auto path = dir.write("state.json", R"({"format": "mbus-sim state", "version": 1, "buses": {
        "kept": {"gone": {"address": 3, "id": "11111111", "manufacturer": "2C2D", "version": 1, "medium": 7, "baud": 2400},
                 "heat": {"address": 300, "id": "87654321", "manufacturer": "2C2D", "version": 1, "medium": 4, "baud": 2400},
                 "water": {"address": 5, "id": "12345678", "manufacturer": "2C2D", "version": 1, "medium": 7, "baud": 2400,
                           "written": [{"record": 0, "field": "0413", "data": "01000000"}]}},
        "elsewhere": {"m": {"address": 1}}}})");
    auto state = open(path);
    runtime::in_process_bus bus(load());
    const auto report = state.restore("kept", bus.bus());
    REQUIRE(report.size() == 3);
    const auto has = [&](const std::string& what) {
        for (const auto& line : report)
            if (line.find(what) != std::string::npos) return true;
        return false;
    };
    CHECK(has("meter gone is not on the bus (its state stays in the file)"));
    CHECK(has("meter heat: \"address\" must be a whole number 0..250 (not restored"));
    CHECK(has("meter water: record 1 was written as 0413 but is now 0C13 (not restored"));
    REQUIRE(state.unused_buses().size() == 1);
    CHECK(state.unused_buses()[0].find("bus elsewhere is not running") != std::string::npos);
    // Nothing of a refused entry was applied: the meters answer at the scenario's addresses.
    CHECK(bus.send(link::frame::short_frame(0x5B, 7))->end == harness::fate::answered);

    state.watch(bus.runner(), [](const std::string& e) { FAIL(e); });
    REQUIRE(bus.send(write_address(5, 9)));
    const auto doc = json::parse(read(path));
    CHECK(doc["buses"]["kept"]["water"]["address"] == 9);
    CHECK(doc["buses"]["kept"]["gone"]["address"] == 3);
    CHECK(doc["buses"]["kept"]["heat"]["address"] == 300);
    CHECK(doc["buses"]["elsewhere"]["m"]["address"] == 1);
}

TEST_CASE("a file that is no state file is refused with what and where") {
    test::temp_dir dir("state");
    CHECK(open_error(dir.write("a.json", "{\n  \"format\": \"mbus-sim state\",\n  oops\n}"))
              .find("a.json:3:3: not JSON") != std::string::npos);
    CHECK(open_error(dir.write("b.json", R"({"buses": {}})")).find("not an mbus-sim state file") !=
          std::string::npos);
    CHECK(open_error(dir.write("c.json", R"({"format": "mbus-sim state", "version": 2})"))
              .find("state file version 2; this mbus-sim reads version 1") != std::string::npos);
    CHECK(open_error(dir.write("d.json", R"({"format": "mbus-sim state", "version": 1, "buses": []})"))
              .find("\"buses\" must map bus names to tables of meters") != std::string::npos);
    CHECK(open_error(dir.dir()).find("not a regular file") != std::string::npos);
    // Missing and empty files are an empty state.
    CHECK(runtime::state_file::open(dir.dir() / "missing.json", *std::make_unique<std::string>()));
    CHECK(runtime::state_file::open(dir.write("e.json", "\n"), *std::make_unique<std::string>()));
}

TEST_CASE("a state file is replaced whole, and a failure says which step") {
    test::temp_dir dir("state");
    const auto path = dir.write("s.json", "old\n");
    CHECK_FALSE(runtime::write_atomically(path, "new\n"));
    CHECK(read(path) == "new\n");
    CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
    const auto why = runtime::write_atomically(dir.dir() / "no" / "s.json", "x");
    REQUIRE(why);
    CHECK(why->find("cannot create") != std::string::npos);
}

TEST_CASE("a meter's kept state as JSON reads back, and a field of the wrong form is named") {
    const sim::meter_state s{7, {0x12345678, 0x2C2D, 1, 7}, 9600, {{0, {0x0C, 0x13}, {1, 2, 3, 4}}}};
    std::string why;
    CHECK(runtime::meter_state_from_json(runtime::to_json(s), why) == s);
    auto j = runtime::to_json(s);
    j["id"] = "1234567";
    CHECK_FALSE(runtime::meter_state_from_json(j, why));
    CHECK(why == "\"id\" must be 8 hex digits");
    j = runtime::to_json(s);
    j["written"][0]["data"] = "0G";
    CHECK_FALSE(runtime::meter_state_from_json(j, why));
    CHECK(why == "\"data\" must be bytes in hex");
}
