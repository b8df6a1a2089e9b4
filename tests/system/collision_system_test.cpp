// Collisions as a master meets them on the real mbus-sim over its pty and TCP: meters with no skew of
// their own answer after their own delays and garble each other as on a wire (heat-meters.toml's two
// MULTICAL 303 are told apart), and both collision models, the wired-AND and a level converter's
// `00` bytes or break, are seen as collisions by our primary and secondary scans.

#include "support.hpp"

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/master/exchange.hpp>
#include <mbus/master/scan.hpp>

#include <nlohmann/json.hpp>

#include <set>
#include <tuple>

#include <fmt/format.h>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete" // see master_system_test.cpp

using namespace mbus;
using namespace mbus::test;

namespace {

master::master_options scan_options() {
    auto o = sim_options();
    o.timing.response_timeout = 150ms;
    return o;
}

// Two meters share address 5 (and answer together there and at FD when a select matches both);
// one is alone at 6. None names a skew.
std::string three_meters(std::string_view bus_keys) {
    std::string text = fmt::format("[bus]\nname = \"collide\"\nseed = 3\n{}\n", bus_keys);
    for (const auto& [name, address, id] :
         {std::tuple{"a", 5, "21000001"}, std::tuple{"b", 5, "21000002"}, std::tuple{"c", 6, "21000013"}})
        text += fmt::format("[[meter]]\nname = \"{}\"\naddress = {}\nid = \"{}\"\nmanufacturer = \"TST\"\n"
                            "medium = \"water\"\n[[meter.record]]\nquantity = \"volume\"\nunit = \"l\"\n"
                            "type = \"int32\"\nvalue = {}\n",
                            name, address, id, address);
    return text;
}

struct model_case {
    std::string_view name;
    std::string_view bus_keys;
    // What a SND_NKE to the shared address brings back, when the model fixes it.
    std::optional<bytes> collision_bytes;
};

asio::awaitable<void> scans_see_the_collision(transport::byte_stream& io, const model_case& m) {
    master::bus_master bus(io, scan_options());
    const auto p = co_await bus.ping(5);
    REQUIRE(p);
    INFO("SND_NKE to 5: ", *p);
    CHECK(master::presence_of(*p) == master::presence::collision);
    if (m.collision_bytes) CHECK(to_hex(p->raw) == to_hex(*m.collision_bytes));

    master::primary_scan_options po;
    po.last = 10;
    const auto primary = co_await master::scan_primary(io, scan_options(), po);
    INFO(primary);
    CHECK(primary.complete);
    REQUIRE(primary.found.size() == 2);
    CHECK(primary.found[0].address == 5);
    CHECK(primary.found[0].answer == master::presence::collision);
    CHECK(primary.found[1] ==
          master::address_found{6, master::presence::one, master::reply_kind::ack, {0xE5}});

    // As `mbus-sim scan --secondary` runs it: not thorough, a clean E5 and RSP_UD mean one meter.
    const auto secondary = co_await master::scan_secondary(io, scan_options(), {});
    INFO(secondary);
    CHECK(secondary.complete);
    CHECK_FALSE(secondary.collisions.empty());
    std::set<std::string> ids;
    for (const auto& f : secondary.meters) {
        CHECK(f.identified);
        ids.insert(app::id_to_string(f.address.id));
    }
    CHECK(ids == std::set<std::string>{"21000001", "21000002", "21000013"});
}

} // namespace

TEST_CASE("both collision models are collisions to the primary and secondary scans over pty and tcp") {
    const std::vector<model_case> models{
        {"wired_and (the default)", "", std::nullopt},
        // Two E5 overlapping for less than two character times: one 00, as the field's converter gave.
        {"level_converter zeros", "collision = \"level_converter\"", bytes{0x00}},
        {"level_converter break", "collision = \"level_converter\"\ncollision_fill = \"break\"", bytes{0x00}},
    };
    for (const auto& m : models) {
        INFO("collision model ", m.name);
        const temp_scenario file("collide", three_meters(m.bus_keys));
        auto sim = start_sim({"run", file.path().string(), "--pty", "--tcp", "127.0.0.1:0"});
        run_system_test([&]() -> asio::awaitable<void> {
            auto pty = co_await open_pty(sim.ready);
            INFO("pty");
            co_await scans_see_the_collision(*pty, m);
            auto tcp = co_await open_tcp(sim.ready);
            INFO("tcp");
            co_await scans_see_the_collision(*tcp, m);
        });
        stop_sim(sim);
    }
}

TEST_CASE("a bus with echo = true sends every request back before the answer") {
    const temp_scenario file("echo", three_meters("echo = true"));
    auto sim = start_sim({"run", file.path().string(), "--tcp", "127.0.0.1:0"});
    const bytes to_6{0x10, 0x40, 0x06, 0x46, 0x16}; // SND_NKE to 6 (meter c)
    const bytes to_9{0x10, 0x40, 0x09, 0x49, 0x16}; // SND_NKE to 9 (nobody)
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_tcp(sim.ready);
        auto t = sim_options().timing;
        // The echo is a whole frame: wait on after it for the answer.
        t.settle = 300ms;
        const auto answered = co_await master::exchange(*io, to_6, t);
        REQUIRE(answered);
        CHECK(to_hex(answered->raw) == "10 40 06 46 16 E5"); // the echo, then meter c's E5
        const auto silent = co_await master::exchange(*io, to_9, t);
        REQUIRE(silent);
        CHECK(to_hex(silent->raw) == "10 40 09 49 16"); // nobody at 9: the echo alone
    });
    stop_sim(sim);
}

TEST_CASE("mbus-sim scan --secondary tells the two MULTICAL 303 of heat-meters apart") {
    // Their ids differ in the last digit and their E5s were identical: answering in the same
    // instant they looked like one meter. Each with its own delay, their answers garble.
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "heat-meters.toml";
    auto sim = start_sim({"run", file.string(), "--tcp", "127.0.0.1:0"});
    sim_process p({"scan", "--secondary", "--json", "--timeout-ms", "150", "tcp:" + sim.ready.tcp()});
    REQUIRE_MESSAGE(p.started(), p.spawn_error());
    const auto code = p.wait_exit(std::chrono::seconds(120));
    REQUIRE_MESSAGE(code, "scan did not exit\n", p.report());
    p.finish_output();
    CHECK_MESSAGE(*code == 0, p.err());
    const auto j = nlohmann::json::parse(p.out(), nullptr, false);
    REQUIRE_MESSAGE(!j.is_discarded(), p.out());
    std::set<std::string> ids;
    for (const auto& m : j["meters"])
        ids.insert(m["id"].get<std::string>());
    CHECK(ids == std::set<std::string>{"30303030", "30303031", "41713800"});
    stop_sim(sim);
}
