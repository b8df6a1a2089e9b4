// Every meter of every scenario shipped in scenarios/, read by the master from the real mbus-sim over
// its pty and over TCP.

#include "readout_check.hpp"
#include "support.hpp"

#include <mbus/scenario/load.hpp>

#include <iostream>
#include <map>
#include <set>
#include <sstream>

using namespace mbus;
using namespace mbus::test;

namespace {

// Reads every meter of `sc` once over `io`: by primary address where the address is the meter's
// alone, else by secondary address (select, then REQ_UD2 at FD).
asio::awaitable<readout_counts> read_every_meter(transport::byte_stream& io, const scenario::scenario& sc,
                                                 const master::master_options& options) {
    std::map<byte, int> at_address;
    for (const auto& m : sc.meters)
        ++at_address[m.primary_address];
    master::bus_master bus(io, options);
    readout_counts total;
    for (const auto& m : sc.meters) {
        master::readout r;
        if (at_address[m.primary_address] == 1) {
            r = co_await bus.read(m.primary_address);
        } else {
            auto s = co_await bus.select({m.identity, {}}, app::ci::select);
            REQUIRE(s);
            REQUIRE_MESSAGE(master::presence_of(*s) == master::presence::one, m.name, ": ", *s);
            r = co_await bus.read_selected();
        }
        const auto c = check_readout(r, m, m.identity);
        total.telegrams += c.telegrams;
        total.records += c.records;
    }
    co_return total;
}

} // namespace

TEST_CASE("every meter of every shipped scenario reads over pty and tcp") {
    const auto files = shipped_scenarios();
    REQUIRE_MESSAGE(!files.empty(), "no scenarios in " MBUS_SOURCE_DIR "/scenarios");
    std::size_t meters = 0;
    readout_counts total;
    std::vector<std::string> timed, han;
    for (const auto& file : files) {
        INFO("scenario ", file.string());
        auto loaded = scenario::load(file);
        std::ostringstream why;
        why << loaded;
        REQUIRE_MESSAGE(loaded, why.str());
        const auto& sc = *loaded.value;
        // A HAN meter answers nothing: han_push_system_test.cpp reads what it pushes.
        if (!sc.han_meters.empty()) {
            han.push_back(file.filename().string());
            continue;
        }
        // A replay pushes what it recorded: replay_system_test.cpp reads it back.
        if (!sc.replays.empty()) {
            std::cout << "scenarios: " << file.filename().string()
                      << " is a replay: checked by the replay test\n";
            continue;
        }
        // Wireless meters answer nothing either: wmbus_run_system_test.cpp reads what they send.
        if (!sc.wmbus_meters.empty()) {
            std::cout << "scenarios: " << file.filename().string()
                      << " has wireless meters: checked by the wireless run test\n";
            continue;
        }
        REQUIRE_FALSE(sc.meters.empty());
        // A timeline changes the bus while the readout runs (meters leave, join, go quiet): what a
        // master sees then is checked against the timeline in timeline_system_test.cpp.
        if (!sc.events.empty()) {
            timed.push_back(file.filename().string());
            continue;
        }
        // A strict-baud bus hears only masters at each meter's rate; the readout below uses one rate.
        std::set<unsigned> rates;
        for (const auto& m : sc.meters)
            rates.insert(m.baud);
        if (sc.bus.config.strict_baud) REQUIRE_MESSAGE(rates.size() == 1, "meters at several rates");
        const unsigned baud = *rates.begin();

        auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
        CHECK(sim.ready.get("meters") == std::to_string(sc.meters.size()));
        const auto options = sim_options(sc.bus.timing == scenario::timing_mode::realistic);
        run_system_test([&]() -> asio::awaitable<void> {
            auto pty = co_await open_pty(sim.ready, baud);
            const auto a = co_await read_every_meter(*pty, sc, options);
            auto tcp = co_await open_tcp(sim.ready);
            const auto b = co_await read_every_meter(*tcp, sc, options);
            CHECK(a.records == b.records);
            total.telegrams += a.telegrams + b.telegrams;
            total.records += a.records + b.records;
        });
        meters += sc.meters.size();
        stop_sim(sim);
    }
    std::cout << "scenarios: " << files.size() << " files, " << meters << " meters read twice (pty, tcp), "
              << total.telegrams << " telegrams, " << total.records << " records checked\n";
    for (const auto& name : timed)
        std::cout << "scenarios: " << name
                  << " has a timeline: its meters are checked by the timeline test\n";
    for (const auto& name : han)
        std::cout << "scenarios: " << name << " has HAN meters: checked by the HAN push test\n";
}
