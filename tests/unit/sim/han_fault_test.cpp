// sim/han_fault.hpp: which faults fire on which push (pure, time passed in), and what each kind does
// to the bytes a reader gets, checked with the project's own HAN reader (HDLC splitter and checks,
// APDU, objects) and on the corpus's real frames (../shared/corpus/han).

#include <doctest/doctest.h>

#include <mbus/core/crc.hpp>
#include <mbus/core/text.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/meter.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/sim/han_fault.hpp>
#include <mbus/sim/han_meter.hpp>

#include "support/corpus.hpp"
#include "support/han_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

using namespace mbus;
using namespace std::chrono_literals;
namespace hf = sim::han_faults;

namespace {

sim::han_meter_config kaifa() {
    sim::han_meter_config c;
    c.name = "kaifa";
    c.identity = {sim::han_make::kaifa, sim::han_variant::no, 3, "6970631401753985", "MA304H3E", "KFM_001"};
    c.power = sim::constant{1500};
    c.voltage = sim::constant{230};
    c.power_factor = 0.95;
    return c;
}

// 2026-12-06 13:59:00 UTC.
const wall_time start_wall = std::chrono::sys_days{std::chrono::year{2026} / 12 / 6} + 13h + 59min;
const time_point start_mono{1000s};
sim::sim_now at(std::chrono::seconds after) { return {start_mono + after, start_wall + after}; }

sim::han_fault_spec fault(std::string name, sim::han_fault_action a, sim::fault_trigger t = {}) {
    return {std::move(name), "", std::move(t), std::move(a), true};
}

// The pushes of the first `seconds` of a Kaifa meter.
std::vector<sim::han_push> pushes(sim::han_meter& m, std::chrono::seconds seconds) {
    auto p = m.poll(at(seconds));
    REQUIRE(p);
    return *p;
}

sim::han_push_outcome apply(sim::han_fault_engine& e, const sim::han_push& p, const sim::han_meter& m) {
    const auto fired = e.decide(0, p.at);
    auto out = sim::apply_han_faults(e, fired, p, {m.config().identity, m.config().cipher, p.frame_counter});
    REQUIRE_MESSAGE(out, out.error().message());
    return *out;
}

sim::han_fault_engine engine(std::vector<sim::han_fault_spec> f, std::uint64_t seed = 1) {
    return sim::han_fault_engine(std::move(f), {"kaifa"}, seed, start_mono);
}

} // namespace

TEST_CASE("han faults: every, after, from and until count the meter's pushes") {
    sim::fault_trigger every3;
    every3.every = 3;
    every3.after = 1;
    sim::fault_trigger window;
    window.from = sim::microseconds(10s);
    window.until = sim::microseconds(20s);
    auto e = engine({fault("a", hf::missing{}, every3), fault("b", hf::bad_fcs{}, window)});
    std::vector<std::size_t> a_fired, b_fired;
    for (std::size_t n = 1; n <= 12; ++n) {
        const auto t = start_mono + std::chrono::seconds(2 * n);
        for (const auto i : e.decide(0, t))
            (i == 0 ? a_fired : b_fired).push_back(n);
    }
    // After 1, every 3rd: pushes 4, 7, 10.
    CHECK(a_fired == std::vector<std::size_t>{4, 7, 10});
    // Due at 10 s .. 18 s: pushes 5 .. 9.
    CHECK(b_fired == std::vector<std::size_t>{5, 6, 7, 8, 9});
    // Another meter's pushes are not the fault's.
    auto scoped =
        sim::han_fault_engine({{"c", "other", {}, hf::missing{}, true}}, {"kaifa", "other"}, 1, start_mono);
    CHECK(scoped.decide(0, start_mono).empty());
    CHECK(scoped.decide(1, start_mono) == std::vector<std::size_t>{0});
    CHECK(scoped.set_active("c", false));
    CHECK(scoped.decide(1, start_mono).empty());
    CHECK_FALSE(scoped.set_active("nope", true));
}

TEST_CASE("han faults added while the meter runs count its pushes from then; removed ones stop") {
    sim::fault_trigger every2;
    every2.every = 2;
    auto e = engine({fault("a", hf::missing{})});
    CHECK(e.decide(0, start_mono) == std::vector<std::size_t>{0});
    // Added as the API adds it: from its first push on, every second one, for its meter only.
    e.add({"b", "kaifa", every2, hf::bad_fcs{}, true});
    e.add({"c", "other", {}, hf::junk{}, true});
    CHECK(e.decide(0, start_mono + 2s) == std::vector<std::size_t>{0});
    CHECK(e.decide(0, start_mono + 4s) == std::vector<std::size_t>{0, 1});
    CHECK(e.faults().size() == 3);
    CHECK(e.remove("a"));
    CHECK_FALSE(e.remove("a"));
    // "b" is index 0 now, its count kept: pushes 3 and 4 of its own.
    CHECK(e.decide(0, start_mono + 6s).empty());
    CHECK(e.decide(0, start_mono + 8s) == std::vector<std::size_t>{0});
    // A probability drawn as the scenario's fault at that index would draw.
    sim::fault_trigger half;
    half.probability = 0.5;
    auto added = engine({fault("x", hf::missing{})}, 7);
    added.add(fault("p", hf::missing{}, half));
    auto loaded = engine({fault("x", hf::missing{}), fault("p", hf::missing{}, half)}, 7);
    for (int n = 1; n <= 20; ++n) {
        const auto t = start_mono + std::chrono::seconds(2 * n);
        CHECK(added.decide(0, t) == loaded.decide(0, t));
    }
}

TEST_CASE("han faults: a probability draws from the seed: the same seed, the same pushes") {
    sim::fault_trigger half;
    half.probability = 0.5;
    const auto fired = [&](std::uint64_t seed) {
        auto e = engine({fault("p", hf::missing{}, half)}, seed);
        std::vector<bool> out;
        for (int n = 0; n < 200; ++n)
            out.push_back(!e.decide(0, start_mono).empty());
        return out;
    };
    const auto a = fired(7), b = fired(7), c = fired(8);
    CHECK(a == b);
    CHECK(a != c);
    const auto hits = std::count(a.begin(), a.end(), true);
    CHECK(hits > 60); // 100 expected; far from 0 and 200
    CHECK(hits < 140);
    // A fault's own seed wins over the scenario's.
    half.seed = 99;
    auto e1 = engine({fault("p", hf::missing{}, half)}, 1);
    auto e2 = engine({fault("p", hf::missing{}, half)}, 2);
    for (int n = 0; n < 50; ++n)
        CHECK(e1.decide(0, start_mono).size() == e2.decide(0, start_mono).size());
}

TEST_CASE("han faults: bad HCS and bad FCS on every valid frame of the corpus: rejected with that error") {
    const auto dir = test::corpus_dir();
    REQUIRE_MESSAGE(dir, "../shared/corpus missing (MBUS_SHARED_DIR)");
    const auto entries = nlohmann::json::parse(test::read_file(*dir / "han" / "frames.json"));
    std::size_t frames = 0;
    for (const auto& e : entries) {
        if (e["hex_kind"] != "hdlc_frame" || e["valid"] != true) continue;
        CAPTURE(e["name"].get<std::string>());
        const auto raw = from_hex(e["hex"].get<std::string>()).value();
        REQUIRE(han::decode_hdlc(raw));
        // The HCS found is the one the frame carries: CRC-16/X.25 over format .. control, low byte first.
        const auto hcs = sim::hdlc_hcs_offset(raw);
        REQUIRE(hcs);
        const auto crc = crc16_x25(bytes_view(raw).subspan(1, *hcs - 1));
        CHECK(raw[*hcs] == (crc & 0xFF));
        CHECK(raw[*hcs + 1] == (crc >> 8));

        const auto hcs_bad = sim::with_bad_hcs(raw).value();
        const auto fcs_bad = sim::with_bad_fcs(raw).value();
        for (const auto* b : {&hcs_bad, &fcs_bad}) { // one byte changed, the rest as sent
            REQUIRE(b->size() == raw.size());
            std::size_t diff = 0;
            for (std::size_t i = 0; i < raw.size(); ++i)
                diff += (*b)[i] != raw[i] ? 1U : 0U;
            CHECK(diff == 1);
        }
        CHECK(hcs_bad[*hcs] != raw[*hcs]);
        CHECK(fcs_bad[raw.size() - 3] != raw[raw.size() - 3]);
        CHECK(han::decode_hdlc(hcs_bad).error() == han::errc::bad_hcs);
        CHECK(han::decode_hdlc(fcs_bad).error() == han::errc::bad_fcs);
        ++frames;
    }
    MESSAGE("corpus: han frames with bad HCS/FCS rejected " << frames << "/" << frames);
    CHECK(frames >= 38); // the corpus's valid HDLC frames
}

TEST_CASE("han faults: a push with a bad FCS is reported by the splitter, the next push reads") {
    sim::han_meter m(kaifa(), at(0s));
    const auto ps = pushes(m, 6s); // 2, 4, 6 s
    REQUIRE(ps.size() == 3);
    sim::fault_trigger first;
    first.every = 3; // push 3
    auto e = engine({fault("fcs", hf::bad_fcs{}, first)});
    bytes line;
    std::vector<std::string> injected;
    for (const auto& p : ps) {
        const auto out = apply(e, p, m);
        injected.insert(injected.end(), out.injected.begin(), out.injected.end());
        line.insert(line.end(), out.wire.begin(), out.wire.end());
    }
    const auto h = test::read_han(line);
    REQUIRE(h.bad.size() == 1);
    CHECK(h.bad[0] == han::errc::bad_fcs);
    CHECK(h.lists.size() == 2);
    CHECK(injected == std::vector<std::string>{"bad FCS (fault 'fcs')"});

    auto e2 = engine({fault("hcs", hf::bad_hcs{}, first)});
    line.clear();
    for (const auto& p : ps) {
        const auto out = apply(e2, p, m);
        line.insert(line.end(), out.wire.begin(), out.wire.end());
    }
    const auto h2 = test::read_han(line);
    REQUIRE(h2.bad.size() == 1);
    CHECK(h2.bad[0] == han::errc::bad_hcs);
    CHECK(h2.lists.size() == 2);
}

TEST_CASE("han faults: a cut push: the reader reports it and resynchronises on the next frame") {
    sim::han_meter m(kaifa(), at(0s));
    const auto ps = pushes(m, 4s);
    REQUIRE(ps.size() == 2);
    const auto full = ps[0].wire.size();
    sim::fault_trigger second;
    second.every = 2;
    auto e = engine({fault("cut", hf::truncate{10, 0.5}, second)});
    const auto a = apply(e, ps[0], m);
    const auto b = apply(e, ps[1], m);
    CHECK(a.wire == ps[0].wire); // the first push passes
    REQUIRE(b.wire.size() == 10);
    CHECK(std::equal(b.wire.begin(), b.wire.end(), ps[1].wire.begin()));
    CHECK(b.injected == std::vector<std::string>{fmt::format("cut to 10 of {} bytes (fault 'cut')", full)});

    // By fraction; then a whole push behind it.
    auto half = engine({fault("half", hf::truncate{0, 0.5})});
    const auto c = apply(half, ps[0], m);
    CHECK(c.wire.size() == full / 2);
    bytes line = c.wire;
    line.insert(line.end(), ps[1].wire.begin(), ps[1].wire.end());
    const auto h = test::read_han(line);
    CHECK(h.bad.size() + h.junk + h.leading_junk >= 1); // the cut frame, as bad or junk
    REQUIRE(h.lists.size() == 1);                       // and the next push whole
    CHECK(h.lists[0].objects.size() == ps[1].objects.objects.size());
}

TEST_CASE("han faults: missing, late and junk") {
    sim::han_meter m(kaifa(), at(0s));
    const auto ps = pushes(m, 2s);
    REQUIRE(ps.size() == 1);
    const auto& p = ps[0];

    auto skip = engine({fault("skip", hf::missing{})});
    const auto s = apply(skip, p, m);
    CHECK_FALSE(s.sent);
    CHECK(s.injected == std::vector<std::string>{"list 1 not sent (fault 'skip')"});

    auto late = engine({fault("late", hf::late{{sim::microseconds(700ms), sim::microseconds(700ms)}})});
    const auto l = apply(late, p, m);
    CHECK(l.sent);
    CHECK(l.delay == std::chrono::duration_cast<duration>(700ms));
    CHECK(l.wire == p.wire);
    CHECK(l.injected == std::vector<std::string>{"late by 700 ms (fault 'late')"});
    auto ranged = engine({fault("r", hf::late{{sim::microseconds(100ms), sim::microseconds(900ms)}})});
    for (int n = 0; n < 20; ++n) {
        const auto d = apply(ranged, p, m).delay;
        CHECK(d >= std::chrono::duration_cast<duration>(100ms));
        CHECK(d <= std::chrono::duration_cast<duration>(900ms));
    }

    auto noise = engine({fault("noise", hf::junk{{0x00, 0xFF, 0x00}, 0})});
    const auto j = apply(noise, p, m);
    REQUIRE(j.wire.size() == p.wire.size() + 3);
    CHECK(bytes(j.wire.begin(), j.wire.begin() + 3) == bytes{0x00, 0xFF, 0x00});
    CHECK(j.injected == std::vector<std::string>{"junk [00 FF 00] before the push (fault 'noise')"});
    const auto h = test::read_han(j.wire);
    CHECK(h.leading_junk == 3); // before the push's frame: the reader has seen no frame yet
    CHECK(h.bad.empty());
    CHECK(h.lists.size() == 1);

    // Random junk: from the seed, the same bytes again with the same seed.
    auto r1 = engine({fault("rnd", hf::junk{{}, 16})}, 5);
    auto r2 = engine({fault("rnd", hf::junk{{}, 16})}, 5);
    const auto w1 = apply(r1, p, m).wire, w2 = apply(r2, p, m).wire;
    CHECK(w1.size() == p.wire.size() + 16);
    CHECK(w1 == w2);
}

TEST_CASE("han faults: an unknown OBIS object in an OBIS-carrying list decodes as an object of no list") {
    // Kamstrup's list 1 from the corpus (HAN-NVE rev 3.1, example 1): OBIS, value pairs.
    const auto dir = test::corpus_dir();
    REQUIRE_MESSAGE(dir, "../shared/corpus missing (MBUS_SHARED_DIR)");
    const auto entries = nlohmann::json::parse(test::read_file(*dir / "han" / "frames.json"));
    std::optional<han::object_list> kamstrup;
    for (const auto& e : entries)
        if (e["name"] == "kamstrup_doc_ex1_list1_3p4q") {
            const auto f = han::decode_hdlc(from_hex(e["hex"].get<std::string>()).value()).value();
            const auto a = han::decode_apdu(han::strip_llc(f.information).value()).value();
            kamstrup = han::objects_of(a.notification.body).value();
        }
    REQUIRE(kamstrup);
    const auto n = kamstrup->objects.size();

    sim::han_meter m(kaifa(), at(0s));
    auto p = pushes(m, 2s).at(0);
    p.objects = *kamstrup; // the list as a Kamstrup meter carries it, in this meter's frame
    const auto code = *han::obis::parse("1.1.96.99.99.255");
    auto e = engine({fault("odd", hf::unknown_obis{code, 4711, 3})});
    const auto out = apply(e, p, m);
    const auto h = test::read_han(out.wire);
    REQUIRE(h.bad.empty());
    REQUIRE(h.lists.size() == 1);
    const auto& l = h.lists[0];
    REQUIRE(l.objects.size() == n + 1);
    CHECK(l.objects[3].code == code);
    CHECK(l.objects[3].source == han::code_source::on_wire);
    CHECK(l.objects[3].value.as_number() == 4711);
    // The rest as sent: the list identifier first, the power where it was (now one further on).
    CHECK(l.list_identifier() == "Kamstrup_V0001");
    CHECK(l.objects[4] == kamstrup->objects[3]);
    // No list of the make has that code.
    for (int list = 1; list <= 2; ++list) {
        const auto spec = han::norwegian_list(han::make::kamstrup, list); // held: the loop reads into it
        REQUIRE(spec);
        for (const auto& item : spec->items)
            CHECK(item.code != code);
    }
    CHECK(out.injected ==
          std::vector<std::string>{
              "list 1 with unknown object 1.1.96.99.99.255 = 4711 at position 3 (fault 'odd')"});
}

TEST_CASE("han faults: an extra value in a positional KFM_001 list: no Kaifa list has that many") {
    sim::han_meter m(kaifa(), at(0s));
    const auto p = pushes(m, 2s).at(0); // list 1: one value
    auto e = engine({fault("odd", hf::unknown_obis{})});
    const auto h = test::read_han(apply(e, p, m).wire);
    CHECK(h.bad.empty());
    CHECK(h.lists.empty());
    REQUIRE(h.undecodable.size() == 1);
    CHECK(h.undecodable[0] == han::errc::bad_value);
}

TEST_CASE("han faults: a reboot restarts the frame counter and the clock, the energy kept") {
    auto c = kaifa();
    c.cipher = sim::han_cipher{bytes(16, 0x11), bytes(16, 0x22), from_hex("4B464D1020000000").value()};
    c.frame_counter = 100;
    sim::han_meter m(c, at(0s));
    const auto before = pushes(m, 8s);
    REQUIRE(before.size() == 4);
    CHECK(before.back().frame_counter == 103);
    const auto energy = m.registers().import_wh;
    CHECK(energy > c.import_wh);

    auto e = engine({fault("boot", hf::reboot{})});
    const auto out = apply(e, before.back(), m);
    REQUIRE(out.reboot);
    CHECK(out.sent);
    CHECK(out.injected == std::vector<std::string>{"meter reboots after this push: frame counter restarts, "
                                                   "clock at 2000-01-01 00:00:00 (fault 'boot')"});
    const sim::sim_now restart{start_mono + 8s, *out.reboot};
    auto r = sim::rebooted(m, restart);
    CHECK(r.registers().import_wh == energy);
    const auto after = r.poll({start_mono + 10s, *out.reboot + 2s});
    REQUIRE(after);
    REQUIRE(after->size() == 1);
    CHECK(after->front().frame_counter == 100);
    CHECK(after->front().clock == std::chrono::sys_days{std::chrono::year{2000} / 1 / 1} + 2s);
    // A reader with the keys sees the counter and the clock start over.
    const han::keys k{c.cipher->key, c.cipher->auth_key};
    han::hdlc_splitter split;
    std::vector<std::uint32_t> counters;
    std::vector<std::uint16_t> years;
    bytes line;
    for (const auto& p : before)
        line.insert(line.end(), p.wire.begin(), p.wire.end());
    line.insert(line.end(), after->front().wire.begin(), after->front().wire.end());
    for (const auto& ev : split.feed(line)) {
        const auto& f = std::get<han::hdlc_good_frame>(ev).frame;
        const auto apdu = han::strip_llc(f.information).value();
        counters.push_back(han::decode_glo_ciphered(apdu).value().frame_counter);
        years.push_back(han::decode_apdu(apdu, k).value().notification.time().value().year);
    }
    CHECK(counters == std::vector<std::uint32_t>{100, 101, 102, 103, 100});
    CHECK(years == std::vector<std::uint16_t>{2026, 2026, 2026, 2026, 2000});
}

TEST_CASE("han faults: a clock jump moves the clock the pushes carry, not their pace") {
    sim::han_meter m(kaifa(), at(0s));
    const auto first = pushes(m, 2s);
    REQUIRE(first.size() == 1);
    auto e = engine({fault("jump", hf::clock_jump{std::chrono::seconds{-3600}})});
    const auto out = apply(e, first[0], m);
    REQUIRE(out.clock_jump);
    CHECK(*out.clock_jump == std::chrono::seconds{-3600});
    CHECK(out.injected ==
          std::vector<std::string>{"meter clock jumps -3600 s after this push (fault 'jump')"});
    const auto due = m.next_due();
    m.shift_clock(*out.clock_jump);
    CHECK(m.next_due() == due); // the same instant on the steady clock
    const auto next = m.poll({start_mono + 4s, start_wall + 4s});
    REQUIRE(next);
    REQUIRE(next->size() == 1);
    CHECK(next->front().clock == first[0].clock + 2s - 3600s);
    CHECK(next->front().at == first[0].at + 2s);
}
