#include <doctest/doctest.h>

#include <mbus/app/secondary_address.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/bus.hpp>

#include "sim_support.hpp"

#include <algorithm>
#include <functional>

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

TEST_CASE("bus two aligned E5 come through as one E5") {
    auto b = two_meters();
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

    // A wildcard that matches both: two E5 at once, aligned, and both are selected.
    const auto both = b.on_frame(snd_ud(0xFD, 0x52, select_id(0xFFFFFFFF)), 2400, {});
    CHECK(both.collision);
    CHECK(both.wire == e5);
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
