#include <doctest/doctest.h>

#include <mbus/app/secondary_address.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/bus.hpp>

#include "sim_support.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <utility>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;

namespace {

const bytes e5{0xE5};

meter_config heat_meter() {
    auto m = water_meter();
    m.name = "heat";
    m.primary_address = 6;
    m.identity = {0x87654321, 0x2C2D, 0x01, 0x04};
    return m;
}

bus two_meters(bus_config cfg = {}) {
    bus b{cfg};
    b.add(water_meter());
    b.add(heat_meter());
    return b;
}

bytes select_id(std::uint32_t id) {
    return app::encode_select(0x52, {{id, 0xFFFF, 0xFF, 0xFF}, std::nullopt});
}

} // namespace

TEST_CASE("bus passes one clean answer from the addressed meter") {
    auto b = two_meters();
    const auto r = b.on_frame(req_ud2(6, true), 2400, {});
    CHECK_FALSE(r.collision);
    REQUIRE(r.answers.size() == 1);
    CHECK(r.answers[0].slave == 1);
    CHECK(r.intact_from == std::size_t{1});
    REQUIRE(r.wire.size() == 27);
    CHECK(r.wire[a_at] == 6);
    CHECK(r.baud == 2400);
    CHECK(r.delay >= response_window(2400).min);
    CHECK(r.delay <= response_window(2400).max);
    CHECK(b.on_frame(req_ud2(7, true), 2400, {}).silent());
}

TEST_CASE("bus without notes answers the same bytes and leaves the REQ_UD2 note out") {
    // Two buses from the same seed: one with the notes a verbose log reads, one without.
    auto with = two_meters();
    auto without = two_meters();
    without.set_notes(false);
    for (const bool fcb : {true, false, true}) {
        const auto a = with.on_frame(req_ud2(6, fcb), 2400, {});
        const auto b = without.on_frame(req_ud2(6, fcb), 2400, {});
        CHECK(a.wire == b.wire);
        CHECK(a.delay == b.delay);
        REQUIRE(a.events.size() == 1);
        REQUIRE(b.events.size() == 1);
        CHECK(a.events[0].reply.note == "REQ_UD2: telegram 1");
        CHECK(b.events[0].reply.note.empty());
    }
    // A meter added later follows the bus; other notes stay.
    auto late = water_meter();
    late.name = "late";
    late.primary_address = 9;
    without.add(late);
    const auto quiet = without.on_frame(req_ud2(9, true), 2400, {});
    REQUIRE(quiet.events.size() == 1);
    CHECK_FALSE(quiet.wire.empty());
    CHECK(quiet.events[0].reply.note.empty());
    const auto nke = without.on_frame(link::frame::short_frame(0x40, 9), 2400, {});
    REQUIRE(nke.events.size() == 1);
    CHECK(nke.events[0].reply.note == "SND_NKE: link reset");
    without.set_notes(true);
    const auto again = without.on_frame(req_ud2(9, true), 2400, {});
    REQUIRE(again.events.size() == 1);
    CHECK(again.events[0].reply.note == "REQ_UD2: telegram 1");
}

TEST_CASE("bus FE with two meters collides") {
    auto b = two_meters();
    const auto r = b.on_frame(req_ud2(0xFE, true), 2400, {});
    CHECK(r.collision);
    REQUIRE(r.answers.size() == 2);
    const auto& one = r.answers[0].wire;
    const auto& two = r.answers[1].wire;
    CHECK(one != two);
    CHECK(r.wire != one);
    CHECK(r.wire != two);
    CHECK_FALSE(r.intact_from);
}

namespace {
meter_config in_lockstep(meter_config m) {
    m.options.skew_bits = 0;
    return m;
}
} // namespace

TEST_CASE("bus two aligned E5 come through as one E5") {
    bus b;
    b.add(in_lockstep(water_meter()));
    b.add(in_lockstep(heat_meter()));
    const auto r = b.on_frame(snd_nke(0xFE), 2400, {});
    CHECK(r.collision);
    CHECK(r.answers.size() == 2);
    CHECK(r.wire == e5);
    REQUIRE(r.received.size() == 1);
    CHECK_FALSE(r.received[0].parity_error);
    CHECK_FALSE(r.received[0].framing_error);
}

TEST_CASE("bus skewed E5 answers garble") {
    bus b;
    b.add(water_meter());
    auto late = heat_meter();
    late.options.skew_bits = 1.0; // one bit time late
    b.add(late);
    const auto r = b.on_frame(snd_nke(0xFE), 2400, {});
    CHECK(r.collision);
    const bool garbled = r.wire != e5 || r.received.at(0).parity_error || r.received.at(0).framing_error;
    CHECK(garbled);
}

TEST_CASE("bus meters without a skew answer shifted within a character and garble") {
    auto b = two_meters();
    std::set<double> offsets;
    for (int i = 0; i < 50; ++i) {
        const auto r = b.on_frame(snd_nke(0xFE), 2400, {});
        REQUIRE(r.answers.size() == 2);
        CHECK(r.answers[0].delay == r.answers[1].delay); // the bus's delay, then each its own offset
        const double apart = std::abs(r.answers[0].skew_bits - r.answers[1].skew_bits);
        CHECK(apart < bits_per_char);
        offsets.insert(apart);
        // Never one clean E5: a master sees two meters.
        const bool clean_e5 = r.received.size() == 1 && r.received[0] == received_byte{0xE5, false, false};
        CHECK_FALSE(clean_e5);
    }
    CHECK(offsets.size() > 10); // drawn per request
    // The same seed, the same offsets.
    auto again = two_meters();
    auto first = two_meters();
    for (int i = 0; i < 5; ++i)
        CHECK(again.on_frame(snd_nke(0xFE), 2400, {}).wire == first.on_frame(snd_nke(0xFE), 2400, {}).wire);
}

TEST_CASE("bus level converter turns a collision into 00 and leaves a lone answer alone") {
    bus_config cfg;
    cfg.collision = collision_model::level_converter;
    auto b = two_meters(cfg);
    const auto r = b.on_frame(snd_nke(0xFE), 2400, {});
    CHECK(r.collision);
    CHECK(r.wire == bytes{0x00});
    CHECK_FALSE(r.intact_from);
    CHECK(b.on_frame(snd_nke(6), 2400, {}).wire == e5);
    // Two RSP_UDs of 27 bytes overlapping: 00 for each character time of the collision.
    const auto ud = b.on_frame(req_ud2(0xFE, true), 2400, {});
    CHECK(ud.wire.size() >= 27);
    CHECK(std::all_of(ud.wire.begin(), ud.wire.end(), [](byte x) { return x == 0; }));

    cfg.fill = collision_fill::line_break;
    auto br = two_meters(cfg);
    CHECK(br.on_frame(snd_nke(0xFE), 2400, {}).received == std::vector<received_byte>{{0x00, false, true}});
}

TEST_CASE("bus echo sends the request back before the answer and alone when nobody answers") {
    bus_config cfg;
    cfg.echo = true;
    auto b = two_meters(cfg);
    const auto raw = link::encode(snd_nke(6)).value();
    const auto r = b.on_frame(snd_nke(6), 2400, {});
    bytes expected = raw;
    expected.push_back(0xE5);
    CHECK(r.wire == expected);
    CHECK(r.delay == microseconds{0});
    // The answer keeps its delay after the echo.
    REQUIRE(r.gaps.size() == 1);
    CHECK(r.gaps[0].after == raw.size());
    CHECK(r.gaps[0].length >= response_window(2400).min);
    const auto silent = b.on_frame(snd_nke(9), 2400, {});
    CHECK(silent.wire == link::encode(snd_nke(9)).value());
    CHECK(silent.gaps.empty());
}

TEST_CASE("bus FF gets no answer but every meter acts") {
    auto b = two_meters();
    const auto r = b.on_frame(snd_ud(0xFF, 0x51, {0x01, 0x7A, 0x20}), 2400, {}); // everyone to address 32
    CHECK(r.silent());
    CHECK(r.answers.empty());
    CHECK(r.events.size() == 2);
    CHECK(b.at(0).address() == 32);
    CHECK(b.at(1).address() == 32);
}

TEST_CASE("bus FD reads only the selected meter") {
    auto b = two_meters();
    CHECK(b.on_frame(snd_nke(0xFD), 2400, {}).silent());
    const auto sel = b.on_frame(snd_ud(0xFD, 0x52, select_id(0x87654321)), 2400, {});
    CHECK(sel.wire == e5);
    CHECK_FALSE(sel.collision);
    CHECK(b.at(1).selected());
    CHECK_FALSE(b.at(0).selected());
    const auto r = b.on_frame(req_ud2(0xFD, true), 2400, {});
    CHECK_FALSE(r.collision);
    CHECK(r.intact_from == std::size_t{1});
    CHECK(r.wire[a_at] == 6);

    // A wildcard that matches both: two E5, shifted by the meters' own offsets, and both are selected.
    const auto both = b.on_frame(snd_ud(0xFD, 0x52, select_id(0xFFFFFFFF)), 2400, {});
    CHECK(both.collision);
    CHECK(both.wire != e5);
    CHECK(b.on_frame(req_ud2(0xFD, true), 2400, {}).collision);

    CHECK(b.on_frame(snd_nke(0xFD), 2400, {}).answers.size() == 2);
    CHECK(b.on_frame(req_ud2(0xFD, true), 2400, {}).silent());
}

TEST_CASE("bus strict baud meter answers at its new rate only after a switch") {
    auto b = two_meters({true, {}, 0});
    const auto sw = b.on_frame(snd_ud(5, 0xBD), 2400, {}); // CI BD: 9600
    CHECK(sw.wire == e5);
    CHECK(sw.baud == 2400); // the E5 still at the old rate
    REQUIRE(sw.events.size() == 1);
    CHECK(sw.events[0].reply.baud_after == 9600u);
    CHECK(b.on_frame(req_ud2(5, true), 2400, {}).silent());
    const auto r = b.on_frame(req_ud2(5, true), 9600, {});
    CHECK(r.wire.size() == 27);
    CHECK(r.baud == 9600);
    // The other meter stayed at 2400 and does not hear 9600.
    CHECK(b.on_frame(req_ud2(6, true), 9600, {}).silent());
    CHECK_FALSE(b.on_frame(req_ud2(6, true), 2400, {}).silent());
}

TEST_CASE("bus without strict baud lets every meter hear every request") {
    auto b = two_meters();
    CHECK(b.on_frame(snd_ud(5, 0xBD), 2400, {}).wire == e5);
    CHECK_FALSE(b.on_frame(req_ud2(5, true), 2400, {}).silent());
    CHECK_FALSE(b.on_frame(req_ud2(5, false), 0, {}).silent());
}

TEST_CASE("bus delays are reproducible with a seed") {
    const bus_config cfg{false, {microseconds{5'000}, microseconds{50'000}}, 99};
    auto a = two_meters(cfg);
    auto b = two_meters(cfg);
    std::vector<microseconds> da;
    std::vector<microseconds> db;
    for (int i = 0; i < 10; ++i) {
        da.push_back(a.on_frame(snd_nke(5), 2400, {}).delay);
        db.push_back(b.on_frame(snd_nke(5), 2400, {}).delay);
    }
    CHECK(da == db);
    for (const auto d : da) {
        CHECK(d >= microseconds{5'000});
        CHECK(d <= microseconds{50'000});
    }
    CHECK(std::adjacent_find(da.begin(), da.end(), std::not_equal_to<>{}) != da.end()); // they do vary
}

namespace {
// Drops every answer and hides slave 1 from every request: what a fault engine can do.
struct dropping_hooks final : bus_hooks {
    std::size_t seen{0};
    std::vector<std::size_t> offered;
    bool offer(std::size_t index, slave&, link::frame&, const request_context&, const sim_now&) override {
        offered.push_back(index);
        return index != 1;
    }
    void shape(const link::frame&, const request_context&, const sim_now&, std::vector<answer>& answers,
               std::vector<std::string>& injected) override {
        seen = answers.size();
        answers.clear();
        injected.emplace_back("dropped");
    }
};
} // namespace

TEST_CASE("bus hooks see each slave before it hears and the answers before the wire") {
    auto b = two_meters();
    auto hooks = std::make_shared<dropping_hooks>();
    b.set_hooks(hooks);
    const auto r = b.on_frame(req_ud2(5, true), 2400, {});
    CHECK(r.silent());
    CHECK(hooks->seen == 1);
    CHECK(hooks->offered == std::vector<std::size_t>{0, 1});
    CHECK(r.injected == std::vector<std::string>{"dropped"});
    CHECK(b.handled() == 1);
}

TEST_CASE("bus a reply reused from request to request holds what a new one would") {
    // The runner serves every request with one bus_reply: what a longer answer, a collision, an echo
    // or an injected line left in it must never show in the next.
    bus_config echoing;
    echoing.echo = true;
    bus_config converter;
    converter.collision = collision_model::level_converter;
    for (const auto& cfg : {bus_config{}, echoing, converter}) {
        auto fresh = two_meters(cfg);
        auto reused = two_meters(cfg);
        auto hooks = std::make_shared<dropping_hooks>();
        bus_reply out;
        const std::vector<link::frame> requests{req_ud2(0xFE, true), req_ud2(6, true), snd_nke(9),
                                                snd_nke(0xFE),       req_ud2(5, true), req_ud2(0xFE, false),
                                                snd_nke(5),          req_ud2(6, false)};
        std::size_t answered = 0;
        for (std::size_t i = 0; i < requests.size(); ++i) {
            CAPTURE(i);
            if (i == 5) { // from here on an engine drops every answer and says so
                fresh.set_hooks(hooks);
                reused.set_hooks(hooks);
            }
            const auto want = fresh.on_frame(requests[i], 2400, {});
            request_context ctx;
            ctx.line_baud = 2400;
            ctx.raw = link::encode(requests[i]).value();
            reused.on_frame(requests[i], std::move(ctx), {}, out);
            CHECK(out.wire == want.wire);
            CHECK(out.received == want.received);
            CHECK(out.delay == want.delay);
            CHECK(out.baud == want.baud);
            CHECK(out.collision == want.collision);
            CHECK(out.intact_from == want.intact_from);
            CHECK(out.answers == want.answers);
            CHECK(out.events == want.events);
            CHECK(out.gaps == want.gaps);
            CHECK(out.injected == want.injected);
            answered += want.answers.size();
        }
        CHECK(answered >= 6); // the sequence did answer, collide and fall silent
    }
}

TEST_CASE("bus slave that left hears nothing") {
    auto b = two_meters();
    b.set_present(0, false);
    CHECK(b.on_frame(req_ud2(5, true), 2400, {}).silent());
    b.set_present(0, true);
    CHECK(b.on_frame(req_ud2(5, true), 2400, {}).wire.size() == 27);
}

TEST_CASE("bus keeps serving after a malformed SND_UD") {
    auto b = two_meters();
    const auto bad = b.on_frame(snd_ud(5, 0x51, {0x0C, 0x13, 0x01}), 2400, {}); // cut-short record
    CHECK(bad.wire == e5);
    REQUIRE(bad.events.size() == 1);
    CHECK_FALSE(bad.events[0].reply.note.empty());
    const auto r = b.on_frame(req_ud2(5, true), 2400, {});
    CHECK(r.wire.size() == 27);
    CHECK(b.find("heat") == std::size_t{1});
    CHECK_FALSE(b.find("gas"));
}

// ---- the index: a request reaches the meters it concerns only, with the same outcome ----

namespace {

// Listens to every slave and changes nothing: the bus then offers every request to every slave, as
// it did before it had an index. The reference the indexed bus is compared with.
struct every_slave final : bus_hooks {
    bool offer(std::size_t, slave&, link::frame&, const request_context&, const sim_now&) override {
        return true;
    }
    void shape(const link::frame&, const request_context&, const sim_now&, std::vector<answer>&,
               std::vector<std::string>&) override {}
};

std::uint32_t random_bcd(std::mt19937_64& rng) {
    std::uint32_t id = 0;
    for (int k = 0; k < 8; ++k)
        id = id << 4 | static_cast<std::uint32_t>(rng() % 10);
    return id;
}

// Meters in runs of IDs at a few primary addresses and two rates; some read out in two telegrams
// (FCB state matters), some with a fabrication number, some lenient about wildcards.
std::vector<meter_config> crowd(std::size_t n, std::mt19937_64& rng) {
    std::vector<meter_config> out;
    std::uint32_t base = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auto m = i % 3 == 0 ? two_page_meter() : water_meter();
        m.name = "m" + std::to_string(i);
        if (i % 50 == 0) base = random_bcd(rng) & 0xFFFFFF00;
        m.identity.id = base | static_cast<std::uint32_t>((i % 10) | (i / 10 % 5) << 4);
        m.identity.medium = rng() % 2 == 0 ? 0x07 : 0x04;
        m.primary_address = static_cast<byte>(rng() % 8);
        m.baud = rng() % 4 == 0 ? 9600 : 2400;
        if (rng() % 6 == 0) m.fabrication_number = random_bcd(rng);
        if (rng() % 5 == 0) m.options.wildcards = app::wildcard_style::nibbles_everywhere;
        out.push_back(std::move(m));
    }
    return out;
}

app::select_mask crowd_mask(const bus& b, std::mt19937_64& rng) {
    app::select_mask m{b.at(rng() % b.size()).app().identity(), std::nullopt};
    const auto open = rng() % 4;
    for (std::size_t pos = 0; pos < app::id_nibbles; ++pos)
        if ((open == 0 && pos >= 4 + rng() % 4) || (open == 1 && rng() % 3 == 0) || (open == 2 && pos < 2))
            m.address = app::with_nibble(m.address, pos, app::wildcard_nibble);
    if (rng() % 3 == 0) m.address.manufacturer = 0xFFFF;
    if (rng() % 3 == 0) m.address.version = 0xFF;
    if (rng() % 2 == 0) m.address.medium = rng() % 3 == 0 ? 0x0F : 0xFF;
    if (rng() % 5 == 0) m.fabrication = 0xFFFFFFFF;
    return m;
}

bytes bcd4(std::uint32_t id) {
    return {static_cast<byte>(id), static_cast<byte>(id >> 8), static_cast<byte>(id >> 16),
            static_cast<byte>(id >> 24)};
}

// What a master could send next: selects (wildcards, CI 56, malformed), readouts by primary address
// and at FD with toggling FCBs, link resets, new addresses, IDs and rates, broadcasts.
link::frame crowd_request(const bus& b, std::mt19937_64& rng) {
    const auto pick = rng() % 100;
    const byte a = static_cast<byte>(rng() % 8);
    if (pick < 30) {
        const auto mask = crowd_mask(b, rng);
        const byte ci = rng() % 4 == 0 ? 0x56 : 0x52;
        auto data = app::encode_select(ci, mask);
        if (rng() % 20 == 0) data.pop_back(); // 7 bytes: no select, and the selected meter is deselected
        return snd_ud(0xFD, ci, data);
    }
    if (pick < 50) return req_ud2(a, rng() % 2 == 0);
    if (pick < 62) return req_ud2(0xFD, rng() % 2 == 0);
    if (pick < 66) return snd_nke(0xFD);
    if (pick < 68) return snd_nke(a);
    if (pick < 75) return snd_ud(0xFD, 0x51, {0x01, 0x7A, static_cast<byte>(rng() % 8)}); // new address
    if (pick < 78) return snd_ud(a, 0x51, {0x01, 0x7A, static_cast<byte>(rng() % 8)});
    if (pick < 84) {
        // A new ID for the selected meter: often one that another meter has, so that selects collide.
        const auto id = rng() % 2 == 0 ? b.at(rng() % b.size()).app().identity().id : random_bcd(rng);
        auto data = bytes{0x0C, 0x79};
        const auto digits = bcd4(id);
        data.insert(data.end(), digits.begin(), digits.end());
        return snd_ud(0xFD, 0x51, data);
    }
    if (pick < 88) return snd_ud(0xFD, rng() % 2 == 0 ? 0xBB : 0xBD, {}); // to 2400 or 9600 baud
    if (pick < 90) return req_ud2(0xFE, rng() % 2 == 0);
    if (pick < 91) return snd_nke(0xFE);
    if (pick < 92) return snd_ud(0xFF, 0x51, {0x01, 0x7A, static_cast<byte>(rng() % 8)});
    if (pick < 94) return link::frame::short_frame(0x0B, a); // PRM clear: no request
    return req_ud2(a, rng() % 2 == 0);
}

void check_same(const bus_reply& got, const bus_reply& want) {
    CHECK(got.wire == want.wire);
    CHECK(got.received == want.received);
    CHECK(got.delay == want.delay);
    CHECK(got.baud == want.baud);
    CHECK(got.collision == want.collision);
    CHECK(got.intact_from == want.intact_from);
    CHECK(got.answers == want.answers);
    CHECK(got.events == want.events);
    CHECK(got.gaps == want.gaps);
}

// Every meter's state as a master can see it, one line per difference.
std::vector<std::string> differences(const bus& got, const bus& want) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < want.size(); ++i) {
        const auto& g = got.at(i);
        const auto& w = want.at(i);
        if (g.selected() != w.selected() || g.address() != w.address() || g.baud() != w.baud() ||
            !(g.app().identity() == w.app().identity()) || got.present(i) != want.present(i))
            out.push_back(w.name());
    }
    return out;
}

// The meters selected after a select at FD, by the rule itself: app::matches over every meter that
// heard it, and the ones selected before that did not hear it.
std::vector<std::size_t> selected_by_rule(const bus& b, const app::select_mask& mask, unsigned line_baud,
                                          const std::vector<std::size_t>& before) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < b.size(); ++i) {
        const auto& m = b.at(i).app();
        const bool heard =
            b.present(i) && !(b.config().strict_baud && line_baud != 0 && m.baud() != line_baud);
        const bool was = std::find(before.begin(), before.end(), i) != before.end();
        if (heard ? app::matches(mask, m.identity(), m.config().fabrication_number,
                                 m.config().options.wildcards)
                  : was)
            out.push_back(i);
    }
    return out;
}

std::vector<std::size_t> selected_now(const bus& b) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < b.size(); ++i)
        if (b.at(i).selected()) out.push_back(i);
    return out;
}

} // namespace

TEST_CASE("bus with an index answers as a bus that offers every request to every slave") {
    for (const bool strict : {false, true}) {
        INFO("strict baud " << strict);
        std::mt19937_64 rng(strict ? 11 : 12);
        const bus_config cfg{strict, {microseconds{2'000}, microseconds{9'000}}, 99};
        bus indexed{cfg};
        bus linear{cfg};
        for (const auto& m : crowd(400, rng)) {
            indexed.add(m);
            linear.add(m);
        }
        linear.set_hooks(std::make_shared<every_slave>());

        std::size_t selects = 0;
        std::size_t answered_selects = 0;
        for (int step = 0; step < 3000; ++step) {
            const auto pick = rng() % 100;
            if (pick < 3) {
                // A meter leaves or comes back.
                const auto i = rng() % indexed.size();
                indexed.set_present(i, !indexed.present(i));
                linear.set_present(i, !linear.present(i));
            } else if (pick < 5) {
                // Power lost and back (as a timeline event does it: through at()).
                const auto i = rng() % indexed.size();
                indexed.at(i).power_cycle();
                linear.at(i).power_cycle();
            }
            const auto request = crowd_request(std::as_const(indexed), rng);
            const unsigned line_baud = std::array<unsigned, 3>{0, 2400, 9600}[rng() % 3];
            const sim_now now = at_seconds(step);
            INFO("step " << step << ": " << request);
            const auto before = selected_now(std::as_const(indexed));
            const auto got = indexed.on_frame(request, line_baud, now);
            const auto want = linear.on_frame(request, line_baud, now);
            check_same(got, want);
            if (request.a == 0xFD && request.ci == 0x52 && request.data.size() == 8) {
                ++selects;
                const auto mask = app::parse_select(request.ci, request.data);
                REQUIRE(mask);
                CHECK(selected_now(std::as_const(indexed)) ==
                      selected_by_rule(std::as_const(indexed), *mask, line_baud, before));
                if (!got.answers.empty()) ++answered_selects;
            }
            const auto diff = differences(std::as_const(indexed), std::as_const(linear));
            CHECK(diff.empty());
            if (!diff.empty()) break;
        }
        CHECK(selects > 300);
        CHECK(answered_selects > selects / 4); // the masks reach meters
    }
}

TEST_CASE("bus a select that does not concern a meter still ends its repetition") {
    // Meter 5 toggled its FCB: the same FCB again is a repetition. A select for another meter in
    // between is a SND_UD the meter heard: the next REQ_UD2 is new (FCB 1 after a fresh readout).
    for (const bool between : {false, true}) {
        auto b = two_meters();
        CHECK(b.on_frame(req_ud2(5, false), 0, {}).wire.size() == 27);
        CHECK(b.on_frame(req_ud2(5, true), 0, {}).wire.size() == 27);
        if (between) {
            const auto r = b.on_frame(snd_ud(0xFD, 0x52, select_id(0x87654321)), 0, {});
            CHECK(r.wire == e5);
            REQUIRE(r.events.size() == 1); // the heat meter alone: the water meter was not selected
            CHECK(r.events[0].slave == 1);
        }
        const auto again = b.on_frame(req_ud2(5, true), 0, {});
        REQUIRE(again.events.size() == 1);
        CHECK(again.events[0].reply.repeated == !between);
    }
}

TEST_CASE("bus a meter away during a select keeps its repetition") {
    auto b = two_meters();
    CHECK(b.on_frame(req_ud2(5, false), 0, {}).wire.size() == 27);
    CHECK(b.on_frame(req_ud2(5, true), 0, {}).wire.size() == 27);
    b.set_present(0, false);
    CHECK(b.on_frame(snd_ud(0xFD, 0x52, select_id(0x87654321)), 0, {}).wire == e5);
    b.set_present(0, true);
    const auto again = b.on_frame(req_ud2(5, true), 0, {});
    REQUIRE(again.events.size() == 1);
    CHECK(again.events[0].reply.repeated); // it did not hear the select
}

TEST_CASE("bus a selected meter passed over by a select is deselected with a note") {
    auto b = two_meters();
    CHECK(b.on_frame(snd_ud(0xFD, 0x52, select_id(0x12345678)), 0, {}).wire == e5);
    const auto r = b.on_frame(snd_ud(0xFD, 0x52, select_id(0x87654321)), 0, {});
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[0].slave == 0);
    CHECK(r.events[0].reply.note.starts_with("deselected by 87654321"));
    CHECK(r.events[1].slave == 1);
    CHECK(r.events[1].reply.is_ack());
    CHECK_FALSE(b.at(0).selected());
}

TEST_CASE("bus finds a meter at its new address and by its new ID") {
    auto b = two_meters();
    CHECK(b.on_frame(snd_ud(5, 0x51, {0x01, 0x7A, 0x09}), 0, {}).wire == e5); // water meter to address 9
    CHECK(b.on_frame(req_ud2(5, true), 0, {}).silent());
    CHECK(b.on_frame(req_ud2(9, true), 0, {}).wire.size() == 27);
    // New ID 11223344 through the primary address (DIF BCD8, VIF enhanced ID, LSB first).
    CHECK(b.on_frame(snd_ud(9, 0x51, {0x0C, 0x79, 0x44, 0x33, 0x22, 0x11}), 0, {}).wire == e5);
    CHECK(b.on_frame(snd_ud(0xFD, 0x52, select_id(0x12345678)), 0, {}).silent());
    CHECK(b.on_frame(snd_ud(0xFD, 0x52, select_id(0x1122FFFF)), 0, {}).wire == e5);
    CHECK(b.at(0).selected());
    // Changed from outside (as a test or an embedding program may): found after at() hands it out.
    b.at(1).app().set_address(9);
    CHECK(b.on_frame(req_ud2(9, false), 0, {}).collision);
}
