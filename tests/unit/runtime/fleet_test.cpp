// Several buses in one process: each serves its own streams, none waits for another.

#include "support.hpp"

#include <mbus/runtime/fleet.hpp>
#include <mbus/transport/memory_stream.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

using namespace mbus;
using namespace mbus::runtime_test;

namespace {

scenario::scenario named(std::string name, std::vector<sim::meter_config> meters) {
    auto sc = make_scenario(std::move(meters));
    sc.bus.name = std::move(name);
    return sc;
}

} // namespace

TEST_CASE("fleet buses answer on their own streams while another bus holds a late answer") {
    asio::io_context io{1};
    runtime::fleet fleet(io.get_executor());
    auto slow_sc = named("slow", {water_meter("a", 5)});
    sim::fault_spec late;
    late.name = "late";
    late.action = sim::faults::late{{std::chrono::milliseconds(800), std::chrono::milliseconds(800)}};
    slow_sc.faults.push_back(late);
    auto& slow = fleet.add(slow_sc);
    auto& quick = fleet.add(named("quick", {water_meter("b", 5, 0x11111111)}));
    CHECK(fleet.size() == 2);
    CHECK(fleet.find("quick") == &quick);
    CHECK(fleet.find("none") == nullptr);

    auto [slow_master, slow_end] = transport::memory_stream::make_pair(io.get_executor(), "slow");
    auto [quick_master, quick_end] = transport::memory_stream::make_pair(io.get_executor(), "quick");
    slow.add(std::unique_ptr<transport::byte_stream>(std::move(slow_end)));
    quick.add(std::unique_ptr<transport::byte_stream>(std::move(quick_end)));

    // The order answers arrive in, by bus name.
    std::vector<std::string> answered;
    slow.subscribe([&](const harness::entry& e) {
        if (const auto* x = std::get_if<harness::exchange>(&e))
            answered.push_back("slow:" + std::string(name(x->end)));
    });
    quick.subscribe([&](const harness::entry& e) {
        if (const auto* x = std::get_if<harness::exchange>(&e))
            answered.push_back("quick:" + std::string(name(x->end)));
    });
    bool all_stopped = false;
    fleet.on_stop([&](runtime::runner* r) {
        if (r == nullptr) all_stopped = true;
    });

    auto* sm = slow_master.get();
    auto* qm = quick_master.get();
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            co_await sm->write(req_ud2(5)); // its answer waits 800 ms
            co_await transport::sleep_for(50ms);
            for (int i = 0; i < 3; ++i) { // three reads of the other bus meanwhile
                co_await qm->write(req_ud2(5));
                co_await transport::sleep_for(60ms);
            }
            co_await transport::sleep_for(1s);
            fleet.stop("test over");
        },
        asio::detached);
    io.run_for(10s);

    CHECK(all_stopped);
    CHECK(answered ==
          std::vector<std::string>{"quick:answered", "quick:answered", "quick:answered", "slow:answered"});
    CHECK(sm->take().size() == qm->take().size() / 3); // the same telegram size, once and three times
    CHECK(fleet.running() == 0);
}
