// Kaifa's Norwegian lists built by the simulator against frames Kaifa meters sent
// (../shared/corpus/han): fed the values a captured frame carries, the encoder must give the captured
// bytes, byte for byte, header, date-time and FCS included.

#include <doctest/doctest.h>

#include <mbus/core/bytes.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/sim/han_lists.hpp>

#include "support/corpus.hpp"

#include <nlohmann/json.hpp>

#include <string>

using namespace mbus;
using json = nlohmann::json;

namespace {

double raw(const han::object_list& l, std::size_t i) {
    return static_cast<double>(*l.objects.at(i).value.as_integer());
}
std::string text(const han::object_list& l, std::size_t i) {
    const auto* b = l.objects.at(i).value.octets_value();
    return b ? std::string(b->begin(), b->end()) : std::string();
}

// The readings a decoded Kaifa list carries, in SI units (the inverse of the list's scaling).
sim::han_readings readings_of(const han::object_list& l) {
    sim::han_readings r;
    r.import_w = raw(l, l.objects.size() == 1 ? 0 : 3);
    if (l.objects.size() == 1) return r;
    r.export_w = raw(l, 4);
    r.import_var = raw(l, 5);
    r.export_var = raw(l, 6);
    const std::size_t n = l.objects.size() == 13 || l.objects.size() == 18 ? 3 : 1;
    for (std::size_t i = 0; i < n; ++i) {
        r.current_a[i] = raw(l, 7 + i) / 1000;
        r.voltage_v[i] = raw(l, 7 + n + i) / 10;
    }
    if (l.objects.size() > 13 || l.objects.size() == 14) {
        const std::size_t e = 7 + 2 * n + 1;
        r.import_wh = raw(l, e);
        r.export_wh = raw(l, e + 1);
        r.import_varh = raw(l, e + 2);
        r.export_varh = raw(l, e + 3);
    }
    return r;
}

} // namespace

TEST_CASE("Kaifa NO lists re-encode every captured Kaifa frame of the corpus byte for byte") {
    const auto dir = test::corpus_dir();
    REQUIRE_MESSAGE(dir, "../shared/corpus is missing: set MBUS_SHARED_DIR");
    const auto entries = json::parse(test::read_file(*dir / "han" / "frames.json"));
    std::size_t identical = 0, lists[4] = {};
    for (const auto& e : entries) {
        if (e["make"] != "Kaifa" || e["variant"] != "NO" || e["hex_kind"] != "hdlc_frame") continue;
        const auto name = e["name"].get<std::string>();
        CAPTURE(name);
        const auto wire = from_hex(e["hex"].get<std::string>());
        REQUIRE(wire);
        const auto frame = han::decode_hdlc(*wire);
        REQUIRE(frame);
        const auto apdu = han::strip_llc(frame->information);
        REQUIRE(apdu);
        const auto n = han::decode_notification(*apdu);
        REQUIRE(n);
        const auto decoded = han::objects_of(n->body);
        REQUIRE(decoded);
        const auto time = n->time();
        REQUIRE(time);

        sim::han_identity who{sim::han_make::kaifa, sim::han_variant::no, 3, {}, {}, "KFM_001"};
        const auto count = decoded->objects.size();
        const int list = count == 1 ? 1 : count == 13 || count == 9 ? 2 : 3;
        who.phases = count == 9 || count == 14 ? 1 : 3;
        han::date_time clock = *time;
        if (list > 1) {
            CHECK(text(*decoded, 0) == "KFM_001");
            who.id = text(*decoded, 1);
            who.type = text(*decoded, 2);
        }
        if (list == 3)
            clock = *han::date_time::decode(
                *decoded->objects.at(7 + 2 * (who.phases == 1 ? 1 : 3)).value.octets_value());

        const auto built = sim::han_list(who, list, readings_of(*decoded), clock);
        REQUIRE(built);
        CHECK(*built == *decoded);
        const auto ours = sim::han_frames(who, sim::han_notification(who, *built, *time));
        REQUIRE(ours);
        CHECK(to_hex(*ours) == to_hex(*wire));
        if (*ours == *wire) {
            ++identical;
            ++lists[list];
        }
    }
    MESSAGE("corpus: han Kaifa NO frames rebuilt byte for byte "
            << identical << " (list 1: " << lists[1] << ", list 2: " << lists[2] << ", list 3: " << lists[3]
            << ")");
    CHECK(identical == 8);
    CHECK(lists[1] == 4);
    CHECK(lists[2] == 3);
    CHECK(lists[3] == 1);
}

TEST_CASE("han_list scales SI readings into Kaifa's units and rounds") {
    sim::han_identity who{sim::han_make::kaifa, sim::han_variant::no, 1, "123", "MA105H2E", "KFM_001"};
    sim::han_readings r;
    r.import_w = 1499.6;
    r.current_a = {6.5432, 0, 0};
    r.voltage_v = {229.96, 0, 0};
    r.import_wh = 1234.99; // a register shows whole units only
    const auto l = sim::han_list(who, 3, r, {});
    REQUIRE(l);
    REQUIRE(l->objects.size() == 14);
    CHECK(l->objects[3].value.as_integer() == 1500);
    CHECK(l->objects[7].code == han::obis::parse("1.0.31.7.0.255"));
    CHECK(l->objects[7].value.as_integer() == 6543);
    CHECK(l->objects[8].value.as_integer() == 2300);
    CHECK(l->objects[10].code == han::obis::parse("1.0.1.8.0.255"));
    CHECK(l->objects[10].value.as_integer() == 1234);
    CHECK(sim::han_list(who, 4, r, {}).error() == han::errc::bad_value);
    who.make = sim::han_make::aidon;
    CHECK_FALSE(sim::han_list(who, 2, r, {}));
}
