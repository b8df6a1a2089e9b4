// [[han_meter]] tables (scenario/detail/han_tables.hpp), read through the loader as users write them.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include <sstream>
#include <string>

using namespace mbus;

namespace {

std::string errors_of(const std::string& toml) {
    const auto r = scenario::load_string(toml, "han.toml");
    std::ostringstream os;
    for (const auto& d : r.errors)
        os << to_string(d) << '\n';
    return os.str();
}

} // namespace

TEST_CASE("a [[han_meter]] table loads with its defaults and generators") {
    const auto r = scenario::load_string(R"([[han_meter]]
make = "kaifa"
power = { sine = { offset = 1500, amplitude = 500, period = "1h" } }
voltage = 231
power_factor = 0.9
import_kwh = 2.5
key = "000102030405060708090A0B0C0D0E0F"
)",
                                         "han.toml");
    REQUIRE_MESSAGE(r, r);
    REQUIRE(r.value->han_meters.size() == 1);
    CHECK(r.value->meters.empty());
    const auto& m = r.value->han_meters[0];
    CHECK(m.name == "han1");
    CHECK(m.identity.make == sim::han_make::kaifa);
    CHECK(m.identity.variant == sim::han_variant::no);
    CHECK(m.identity.phases == 3);
    CHECK(m.identity.list_version == "KFM_001");
    CHECK(m.identity.type == "MA304H3E");
    CHECK(m.power == sim::value_source{sim::sine{1500, 500, std::chrono::hours{1}, 0}});
    CHECK(m.voltage == sim::value_source{sim::constant{231}});
    CHECK(m.power_factor == 0.9);
    CHECK(m.import_wh == 2500);
    REQUIRE(m.cipher);
    CHECK(m.cipher->key.size() == 16);
    CHECK(m.cipher->auth_key.empty());
    CHECK(m.cipher->system_title.size() == 8);
}

TEST_CASE("[[han_meter]] tables of Aidon and Kamstrup meters take their make's identifiers") {
    const auto k = scenario::load_string(
        "[[han_meter]]\nmake = \"Kamstrup\"\nvariant = \"SE\"\nphases = 1\npower = 900\n"
        "key = \"000102030405060708090A0B0C0D0E0F\"\n",
        "han.toml");
    REQUIRE_MESSAGE(k, k);
    const auto& km = k.value->han_meters.at(0);
    CHECK(km.identity.make == sim::han_make::kamstrup);
    CHECK(km.identity.variant == sim::han_variant::se);
    CHECK(km.identity.phases == 1);
    CHECK(km.identity.list_version == "Kamstrup_V0001");
    CHECK(km.identity.type == "6861111BN242101040");
    CHECK(km.cipher->system_title == bytes{0x4B, 0x41, 0x4D, 0x10, 0x00, 0x00, 0x00, 0x01});
    const auto a = scenario::load_string("[[han_meter]]\nmake = \"Aidon\"\npower = 1\n", "han.toml");
    REQUIRE_MESSAGE(a, a);
    CHECK(a.value->han_meters.at(0).identity.list_version == "AIDON_V0001");
    CHECK(a.value->han_meters.at(0).identity.type == "6525");
}

TEST_CASE("[[han_meter]] mistakes are reported with file, line and column") {
    CHECK(errors_of("[[han_meter]]\nmake = \"Aidon\"\nvariant = \"DK\"\npower = 1\n") ==
          "han.toml:3:11: han_meter[0].variant: Aidon DK lists are not simulated: the simulated ones are "
          "Aidon NO, Aidon SE, Kaifa NO, Kaifa SE, Kamstrup NO, Kamstrup SE, Kamstrup DK, Kamstrup CH\n");
    CHECK(errors_of("[[han_meter]]\nmake = \"Kaifa\"\nvariant = \"CH\"\npower = 1\n") ==
          "han.toml:3:11: han_meter[0].variant: Kaifa CH lists are not simulated: the simulated ones are "
          "Aidon NO, Aidon SE, Kaifa NO, Kaifa SE, Kamstrup NO, Kamstrup SE, Kamstrup DK, Kamstrup CH\n");
    CHECK(
        errors_of(
            "[[han_meter]]\nmake = \"Kamstrup\"\nvariant = \"DK\"\nid = \"5706567326590407\"\npower = 1\n") ==
        "han.toml:4:6: han_meter[0].id: \"5706567326590407\": a Kamstrup DK meter sends its id as a number "
        "from 0 "
        "to 4294967295\n");
    const auto dk = scenario::load_string("[[han_meter]]\nmake = \"Kamstrup\"\nvariant = \"CH\"\npower = 1\n",
                                          "han.toml");
    REQUIRE_MESSAGE(dk, dk);
    CHECK(dk.value->han_meters.at(0).identity.id == "57065670");
    CHECK(errors_of("[[han_meter]]\nmake = \"Kaifa\"\n") ==
          "han.toml:1:1: han_meter[0]: a HAN meter needs a power (W): a number or a generator, e.g. power = "
          "1500\n");
    CHECK(errors_of("[[han_meter]]\nmake = \"Kaifa\"\npower = 1\npower_factor = 1.5\nphases = 2\n") ==
          "han.toml:4:16: han_meter[0].power_factor: 1.5 is not a cos phi in (0, 1]\n"
          "han.toml:5:10: han_meter[0].phases: must be 1 or 3\n");
    CHECK(errors_of("[[han_meter]]\nmake = \"Kaifa\"\npower = { sin = { offset = 1 } }\n") ==
          "han.toml:3:11: han_meter[0].power.sin: unknown generator \"sin\"; expected counter, ramp, sine or "
          "random_walk\n");
    CHECK(errors_of("[[han_meter]]\nmake = \"Kaifa\"\npower = 1\nkey = \"0011\"\n") ==
          "han.toml:4:7: han_meter[0].key: must be 16 bytes (32 hex digits), not 2\n");
    CHECK(errors_of("[[meter]]\naddress = 1\n[[han_meter]]\nmake = \"Kaifa\"\npower = 1\n")
              .find("han_meter: a scenario has [[meter]]s (a wired M-Bus) or [[han_meter]]s") !=
          std::string::npos);
    CHECK(
        errors_of("[[han_meter]]\nmake = \"Kaifa\"\npower = 1\n[[han_meter]]\nmake = \"Kaifa\"\npower = 2\n")
            .find("2 HAN meters: a HAN port carries one meter's pushes") != std::string::npos);
}
