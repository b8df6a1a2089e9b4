// scenario/fault_kinds.hpp: the one table of fault kinds and their keys, checked against the variant
// it describes and against the scenario loader that reads [[fault]] tables with it.

#include <doctest/doctest.h>

#include <mbus/scenario/fault_kinds.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/fault_spec.hpp>
#include <mbus/sim/han_fault.hpp>
#include <mbus/sim/wmbus_fault.hpp>

#include <algorithm>
#include <string>

using namespace mbus;
using namespace mbus::scenario;

namespace {

const std::string one_meter = "[[meter]]\nname = \"water\"\naddress = 5\nid = \"12345678\"\n"
                              "manufacturer = \"TST\"\nmedium = \"water\"\n"
                              "[[meter.record]]\nquantity = \"volume\"\nunit = \"m3\"\ntype = \"bcd8\"\n"
                              "value = 1\n";

const std::string one_han_meter = "[[han_meter]]\nname = \"kaifa\"\nmake = \"Kaifa\"\n"
                                  "id = \"6970631401753985\"\ntype = \"MA304H3E\"\npower = 1500\n";

// On the M-Bus meter, or on the HAN meter for a han_* kind.
load_result load_fault(const std::string& fault_keys, bool han = false) {
    return load_string((han ? one_han_meter : one_meter) + "[[fault]]\n" + fault_keys, "kinds.toml");
}

// A key's value as TOML, from the table's default: strings quoted, the rest as written.
std::string toml_value(const fault_parameter& p) {
    return p.type == "string" || p.type == "hex" ? "\"" + std::string(p.default_value) + "\""
                                                 : std::string(p.default_value);
}

} // namespace

TEST_CASE("fault kinds: one entry per alternative of sim::fault_action, then of sim::han_fault_action") {
    const auto& kinds = fault_kinds();
    const auto mbus = sim::fault_kind_names.size();
    const auto han = sim::han_fault_kind_names.size();
    REQUIRE(kinds.size() == mbus + han + sim::wmbus_fault_kind_names.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        CHECK(kinds[i].kind == (i < mbus         ? sim::fault_kind_names[i]
                                : i < mbus + han ? sim::han_fault_kind_names[i - mbus]
                                                 : sim::wmbus_fault_kind_names[i - mbus - han]));
        CHECK(is_han_fault_kind(kinds[i].kind) == (i >= mbus && i < mbus + han));
        CHECK(is_wmbus_fault_kind(kinds[i].kind) == (i >= mbus + han));
        CHECK_FALSE(kinds[i].description.empty());
    }
}

TEST_CASE("fault kinds: find by exact spelling") {
    const auto* late = find_fault_kind("late");
    REQUIRE(late != nullptr);
    REQUIRE(late->parameters.size() == 1);
    CHECK(late->parameters[0].name == "delay_ms");
    CHECK(late->parameters[0].type == "milliseconds");
    CHECK(late->parameters[0].default_value.empty()); // required

    const auto* stop = find_fault_kind("bad_stop");
    REQUIRE(stop != nullptr);
    REQUIRE(stop->parameters.size() == 1);
    CHECK(stop->parameters[0].default_value == "0x00");

    const auto* length = find_fault_kind("bad_length");
    REQUIRE(length != nullptr);
    REQUIRE(length->parameters.size() == 2);
    CHECK(length->parameters[1].name == "which");
    CHECK(length->parameters[1].type == "string");
    CHECK(length->parameters[1].default_value == "both");

    CHECK(find_fault_kind("no_answer")->parameters.empty());
    CHECK(find_fault_kind("No_Answer") == nullptr);
    CHECK(find_fault_kind("no answer") == nullptr);
    CHECK(find_fault_kind("") == nullptr);
}

TEST_CASE("fault kinds: the common keys are the ones every [[fault]] takes") {
    const auto& keys = common_fault_keys();
    const auto has = [&](std::string_view name) {
        return std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k.name == name; });
    };
    for (const auto* k : {"name", "meter", "kind", "requests", "probability", "every", "after", "active"})
        CHECK_MESSAGE(has(k), k);
    const auto active =
        std::find_if(keys.begin(), keys.end(), [](const auto& k) { return k.name == "active"; });
    CHECK(active->default_value == "true");
    // No kind reuses a common key for a meaning of its own.
    for (const auto& kind : fault_kinds())
        for (const auto& p : kind.parameters)
            CHECK_MESSAGE(!has(p.name), kind.kind, ".", p.name);
}

TEST_CASE("fault kinds: every default the table lists is one the loader takes for that key") {
    for (const auto& kind : fault_kinds())
        for (const auto& p : kind.parameters) {
            if (p.default_value.empty()) continue;
            // wm_* kinds need wireless meters: tests/unit/scenario/wmbus_meter_table_test.cpp.
            if (is_wmbus_fault_kind(kind.kind)) continue;
            std::string keys = "kind = \"" + std::string(kind.kind) + "\"\n";
            // The kind's other keys without a default that are numbers (hex and string ones are optional):
            // a value that fits them. han_truncate's keep and fraction exclude each other.
            for (const auto& q : kind.parameters)
                if (q.name != p.name && q.default_value.empty() && q.type != "hex" && q.type != "string" &&
                    kind.kind != "han_truncate")
                    keys += std::string(q.name) + (q.name == "baud" ? " = 9600\n" : " = 1\n");
            if (kind.kind == "han_junk") keys += "junk = \"00\"\n";
            keys += std::string(p.name) + " = " + toml_value(p) + "\n";
            const auto r = load_fault(keys, is_han_fault_kind(kind.kind));
            CHECK_MESSAGE(r, kind.kind, ".", p.name, " = ", p.default_value, ": ", r);
        }
}

TEST_CASE("fault kinds: a key of another kind is refused, naming the kind it belongs to") {
    const auto r = load_fault("kind = \"truncate\"\nkeep = 3\ncopies = 2\n");
    REQUIRE_FALSE(r);
    REQUIRE(r.errors.size() == 1);
    CHECK(to_string(r.errors[0])
              .find("key \"copies\" does not belong to kind \"truncate\" (it is for "
                    "\"duplicate\")") != std::string::npos);
}
