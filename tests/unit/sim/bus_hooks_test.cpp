// The bus's hooks: where faults reach into the wire. A hook decides who hears a request and shapes the
// answers; without one the bus is the plain wire.

#include <doctest/doctest.h>

#include <mbus/sim/bus.hpp>
#include <mbus/sim/bus_hooks.hpp>

#include "sim_support.hpp"

#include <memory>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;

namespace {

// Hides the request from slave 0 and adds one line to the injected list when any answer is shaped.
struct hide_first final : bus_hooks {
    std::size_t offers{0};
    std::size_t shapes{0};
    request_context last;
    bool offer(std::size_t index, slave&, link::frame&, const request_context& ctx, const sim_now&) override {
        ++offers;
        last = ctx;
        return index != 0;
    }
    void shape(const link::frame&, const request_context&, const sim_now&, std::vector<answer>& answers,
               std::vector<std::string>& injected) override {
        ++shapes;
        if (!answers.empty()) injected.push_back("hidden from the first meter");
    }
};

} // namespace

TEST_CASE("bus hooks decide who hears a request and add injected lines") {
    bus b;
    auto first = water_meter();
    auto second = water_meter();
    second.name = "second";
    second.primary_address = 6;
    b.add(first);
    b.add(second);
    auto hooks = std::make_shared<hide_first>();
    b.set_hooks(hooks);

    // SND_NKE to 5: the only meter there does not hear it.
    auto r = b.on_frame(snd_nke(5), 2400, at_seconds(0));
    CHECK(r.silent());
    CHECK(hooks->offers == 2);
    CHECK(hooks->last.line_baud == 2400);
    // SND_NKE to 6 is heard and answered, and the hook's line reaches the reply.
    r = b.on_frame(snd_nke(6), 0, at_seconds(1));
    CHECK(r.wire == bytes{0xE5});
    CHECK(r.injected == std::vector<std::string>{"hidden from the first meter"});
    CHECK(hooks->last.index == 1); // the bus counts the requests it handled before
    CHECK(hooks->shapes == 2);

    // Without hooks the bus is the plain wire again.
    b.set_hooks(nullptr);
    CHECK(b.on_frame(snd_nke(5), 0, at_seconds(2)).wire == bytes{0xE5});
}
