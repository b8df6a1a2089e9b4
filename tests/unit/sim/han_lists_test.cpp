// The simulated meter's lists against frames real meters sent (../shared/corpus/han): fed the values a
// captured frame carries, the simulator's own path (sim::han_list, han_notification, han_frames, which
// build through han/meter.hpp) must give the captured bytes, byte for byte, header, date-time, body and
// FCS included, for every make, list and phase count it simulates; and sim::han_clock must give the
// clocks the meters sent, in each make's date-time form.

#include <doctest/doctest.h>

#include <mbus/core/bytes.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/meter.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/sim/han_lists.hpp>
#include <mbus/sim/han_meter.hpp>

#include "support/corpus.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>
#include <string>

using namespace mbus;
using json = nlohmann::json;

namespace {

std::optional<sim::han_make> make_of(const std::string& s) {
    if (s == "Aidon") return sim::han_make::aidon;
    if (s == "Kaifa") return sim::han_make::kaifa;
    if (s == "Kamstrup") return sim::han_make::kamstrup;
    return std::nullopt;
}
std::optional<sim::han_variant> variant_of(const std::string& s) {
    if (s == "NO") return sim::han_variant::no;
    if (s == "SE") return sim::han_variant::se;
    if (s == "DK") return sim::han_variant::dk;
    if (s == "CH") return sim::han_variant::ch;
    return std::nullopt;
}

// What a decoded list says about its meter: identity, readings in SI units (the inverse of the
// list's resolution), and the body clock; read by each item's meaning in the make's list.
struct read_back {
    sim::han_identity who;
    sim::han_readings r;
    std::optional<han::date_time> clock;
};

read_back read_list(const han::list_spec& spec, const han::object_list& l, sim::han_identity who) {
    using han::quantity;
    read_back out{std::move(who), {}, std::nullopt};
    REQUIRE(l.objects.size() == spec.items.size());
    for (std::size_t i = 0; i < spec.items.size(); ++i) {
        const auto& item = spec.items[i];
        const auto& o = l.objects[i];
        if (item.absent) {
            CHECK(o.source == han::code_source::absent);
            continue;
        }
        const auto* b = o.value.octets_value();
        const std::string text = b ? std::string(b->begin(), b->end()) : std::string();
        const double x = b ? 0.0 : *o.value.as_number() * std::pow(10.0, item.resolution);
        const auto n = static_cast<std::size_t>(item.what);
        switch (item.what) {
        case quantity::list_version: out.who.list_version = text; break;
        case quantity::meter_id: out.who.id = text; break;
        case quantity::meter_type: out.who.type = text; break;
        case quantity::import_w: out.r.import_w = x; break;
        case quantity::export_w: out.r.export_w = x; break;
        case quantity::import_var: out.r.import_var = x; break;
        case quantity::export_var: out.r.export_var = x; break;
        case quantity::current_l1:
        case quantity::current_l2:
        case quantity::current_l3:
            out.r.current_a.at(n - static_cast<std::size_t>(quantity::current_l1)) = x;
            break;
        case quantity::voltage_l1:
        case quantity::voltage_l2:
        case quantity::voltage_l3:
            out.r.voltage_v.at(n - static_cast<std::size_t>(quantity::voltage_l1)) = x;
            break;
        case quantity::clock: out.clock = han::date_time::decode(*b); break;
        case quantity::import_wh: out.r.import_wh = x; break;
        case quantity::export_wh: out.r.export_wh = x; break;
        case quantity::import_varh: out.r.import_varh = x; break;
        case quantity::export_varh: out.r.export_varh = x; break;
        case quantity::meter_number: out.who.id = fmt::format("{}", *o.value.as_integer()); break;
        case quantity::power_factor: out.r.power_factor = x; break;
        default: {
            // The per-phase quantities: the phase from the quantity's place after its L1.
            const auto at = [&](quantity first) { return n - static_cast<std::size_t>(first); };
            if (item.what <= quantity::import_w_l3)
                out.r.import_w_phase.at(at(quantity::import_w_l1)) = x;
            else if (item.what <= quantity::export_w_l3)
                out.r.export_w_phase.at(at(quantity::export_w_l1)) = x;
            else if (item.what <= quantity::import_var_l3)
                out.r.import_var_phase.at(at(quantity::import_var_l1)) = x;
            else if (item.what <= quantity::export_var_l3)
                out.r.export_var_phase.at(at(quantity::export_var_l1)) = x;
            else if (item.what <= quantity::power_factor_l3)
                out.r.power_factor_phase.at(at(quantity::power_factor_l1)) = x;
            else if (item.what <= quantity::import_wh_l3)
                out.r.import_wh_phase.at(at(quantity::import_wh_l1)) = x;
            else
                out.r.export_wh_phase.at(at(quantity::export_wh_l1)) = x;
        }
        }
    }
    return out;
}

// A clock's wall time (its fields as UTC).
wall_time wall_of(const han::date_time& d) {
    using namespace std::chrono;
    return sys_days{year{d.year} / month{d.month} / day{d.day}} + hours{d.hour} + minutes{d.minute} +
           seconds{d.second};
}

} // namespace

TEST_CASE("simulated HAN meters re-encode the corpus frames of every make and list byte for byte") {
    const auto dir = test::corpus_dir();
    REQUIRE_MESSAGE(dir, "../shared/corpus is missing: set MBUS_SHARED_DIR");
    const auto entries = json::parse(test::read_file(*dir / "han" / "frames.json"));
    // Frames of lists the simulator does not make, each for a stated reason:
    const std::set<std::string> not_simulated{
        // early Kamstrup firmware: date-time as 09 0C + 12 bytes, where the current one sends 0C + 12
        "roarfred_kamstrup_list1_oldfw_readme", "roarfred_kamstrup_list2_oldfw_capture",
        // the document's 1-phase 1-quadrant meter (8 objects); the simulated 1-phase Kamstrup is the
        // real 1-phase meter's list (amshan_kamstrup_no_list*_1p_real: 3-phase shape, null pairs)
        "kamstrup_doc_ex3_list2_1p1q",
        // an Aidon 3-phase meter on a 3-wire (IT) network, which sends no L2 current: not simulated
        "amshan_aidon_no_list2", "amshan_aidon_no_list3",
        // rebuilt by the amsreader team from a byte breakdown with energy as long64-unsigned (15), which
        // no live Kaifa frame shows (the live Swedish list 3, gurux_forum_kaifa_se_list3, sends 06)
        "amsreader_kaifa_se_list3_ct_gh242"};
    std::map<std::string, std::size_t> same_by_list;
    std::size_t same = 0, tried = 0, clocks = 0;
    for (const auto& e : entries) {
        const auto name = e["name"].get<std::string>();
        const auto m = make_of(e["make"].get<std::string>());
        const auto v = variant_of(e["variant"].get<std::string>());
        if (!m || !v || !han::has_lists(*m, *v) || not_simulated.contains(name)) continue;
        const auto kind = e["hex_kind"].get<std::string>();
        if (kind == "hdlc_frame" && e["valid"] != true) continue;
        CAPTURE(name);
        const auto wire = from_hex(e["hex"].get<std::string>());
        REQUIRE(wire);
        bytes information = *wire;
        if (kind == "hdlc_frame") {
            const auto f = han::decode_hdlc(*wire);
            REQUIRE(f);
            information = f->information;
        }
        if (kind == "llc_pdu" || kind == "hdlc_frame") {
            const auto apdu = han::strip_llc(information);
            REQUIRE(apdu);
            information = bytes(apdu->begin(), apdu->end());
        }
        // No key for the ciphered frame: its plaintext is a corpus entry of its own.
        if (!information.empty() && information[0] == byte{0xDB}) continue;
        const auto n = han::decode_notification(information);
        REQUIRE(n);
        const auto decoded = han::objects_of(n->body);
        REQUIRE(decoded);
        // The corpus's list names in this model's numbers: Aidon's one Swedish list is its list 1;
        // Kamstrup's "DLMS push 1" is list 3; Kaifa's Swedish list with OBIS codes is list 4.
        const auto list_name = e["list"].get<std::string>();
        int list = list_name == "DLMS push 1" ? 3
                   : list_name == "SE"        ? (*m == sim::han_make::aidon ? 1 : 4)
                                              : 0;
        if (list == 0) list = std::stoi(list_name);
        if (*m == sim::han_make::kaifa && decoded->layout == han::body_layout::obis_value_pairs) list = 4;
        // 1-phase: fewer objects (Aidon, Kaifa) or null pairs (Kamstrup).
        unsigned phases = 3;
        for (const auto& o : decoded->objects)
            if (o.source == han::code_source::absent) phases = 1;
        const auto spec3 = han::push_list(*m, *v, list, 3);
        REQUIRE(spec3);
        if (decoded->objects.size() != spec3->items.size()) phases = 1;
        const auto spec = han::push_list(*m, *v, list, phases);
        REQUIRE(spec);
        ++tried;

        const auto back = read_list(*spec, *decoded, {*m, *v, phases, {}, {}, {}});
        const auto apdu_time = n->time().value_or(han::date_time{});
        const auto built = sim::han_list(back.who, list, back.r, back.clock.value_or(apdu_time));
        REQUIRE(built);
        CHECK(*built == *decoded);
        const auto note = sim::han_notification(back.who, list, *built, apdu_time);
        bytes ours;
        if (kind == "hdlc_frame") {
            ours = sim::han_frames(back.who, note).value();
        } else if (kind == "llc_pdu") {
            ours = han::with_llc(han::encode_notification(note).value());
        } else {
            ours = han::encode_notification(note).value();
        }
        CHECK(to_hex(ours) == to_hex(*wire));
        if (ours == *wire) {
            ++same;
            ++same_by_list[fmt::format("{} {} list {}{}", e["make"].get<std::string>(),
                                       e["variant"].get<std::string>(), list, phases == 1 ? " 1-phase" : "")];
        }
        // The meter clock as the simulator makes it from the wall time, in the make's form; but for the
        // document's example with status 01 (clock not set, year 2000) and a Kaifa capture ten seconds
        // after midnight that still gives Tuesday's day of week on a Wednesday, which the simulated
        // meter does not copy.
        const bool odd_clock = name == "kamstrup_doc_ex1_list1_3p4q" ||
                               name == "roarfred_kaifa_list3_capture" ||
                               name == "roarfred_kaifa_list2_capture" ||
                               // rebuilt Swedish Kaifa frames with deviation unspecified where the live
                               // Swedish captures say -60, and a Danish clock on summer time (status 80)
                               name.ends_with("_gh242") || name == "amsreader_kamstrup_dk_push1_1p_gh517";
        for (const auto& t : {n->time(), back.clock}) {
            if (!t || odd_clock) continue;
            CHECK(sim::han_clock(wall_of(*t), *m, *v) == *t);
            ++clocks;
        }
    }
    std::string lists;
    for (const auto& [k, count] : same_by_list)
        lists += fmt::format("{}{} x{}", lists.empty() ? "" : ", ", k, count);
    MESSAGE("corpus: han frames re-encoded by the simulated meters " << same << "/" << tried << " (" << lists
                                                                     << "); clocks as sent " << clocks);
    CHECK(same == tried);
    // Every make's every list, and both 1-phase forms, are among them.
    for (const char* k : {"Aidon NO list 1",
                          "Aidon NO list 2 1-phase",
                          "Aidon NO list 3",
                          "Kaifa NO list 1",
                          "Kaifa NO list 2",
                          "Kaifa NO list 3",
                          "Kamstrup NO list 1",
                          "Kamstrup NO list 2",
                          "Kamstrup NO list 1 1-phase",
                          "Kamstrup NO list 2 1-phase",
                          "Kamstrup SE list 1",
                          "Kamstrup SE list 2",
                          "Aidon SE list 1",
                          "Kaifa SE list 3",
                          "Kaifa SE list 3 1-phase",
                          "Kaifa SE list 4",
                          "Kamstrup DK list 1",
                          "Kamstrup CH list 1",
                          "Kamstrup DK list 3",
                          "Kamstrup DK list 3 1-phase",
                          "Kamstrup CH list 3"}) {
        CAPTURE(k);
        CHECK(same_by_list[k] >= 1);
    }
}

TEST_CASE("han_list scales SI readings into each make's units and rounds; registers floor") {
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
    CHECK(l->objects[7].value.as_integer() == 6543); // mA
    CHECK(l->objects[8].value.as_integer() == 2300); // 0.1 V
    CHECK(l->objects[10].code == han::obis::parse("1.0.1.8.0.255"));
    CHECK(l->objects[10].value.as_integer() == 1234);
    CHECK(sim::han_list(who, 4, r, {}).error() == han::errc::bad_value);

    // Kamstrup NO: 0.01 A, 1 V, 10 Wh; 1-phase keeps L2 and L3 as null pairs.
    who = {sim::han_make::kamstrup, sim::han_variant::no, 1,
           "5706567000000000",      "6861111BN242101040", "Kamstrup_V0001"};
    const auto k = sim::han_list(who, 2, r, {});
    REQUIRE(k);
    REQUIRE(k->objects.size() == 18);
    CHECK(k->objects[7].value.as_integer() == 654);
    CHECK(k->objects[8].source == han::code_source::absent);
    CHECK(k->objects[10].value.as_integer() == 230);
    CHECK(k->objects[14].value.as_integer() == 123); // 1234.99 Wh: 123 x 10 Wh
    who.variant = sim::han_variant::se;              // Sweden: Wh
    CHECK(sim::han_list(who, 2, r, {})->objects[14].value.as_integer() == 1234);
    CHECK(sim::han_list(who, 3, r, {}).error() == han::errc::bad_value);

    // Aidon: 0.1 A, 0.1 V, 10 Wh with the scaler and unit in the frame.
    who = {sim::han_make::aidon, sim::han_variant::no, 1, "7359992890000000", "6515", "AIDON_V0001"};
    const auto a = sim::han_list(who, 3, r, {});
    REQUIRE(a);
    REQUIRE(a->objects.size() == 14);
    CHECK(a->objects[7].number() == doctest::Approx(6.5));
    CHECK(a->objects[8].number() == doctest::Approx(230.0));
    CHECK(a->objects[10].number() == doctest::Approx(1230.0));
    who.variant = sim::han_variant::dk;
    CHECK(sim::han_list(who, 2, r, {}).error() == han::errc::bad_value);
    who.variant = sim::han_variant::se;
    CHECK(sim::han_list(who, 2, r, {}).error() == han::errc::bad_value); // Sweden: one list
}
