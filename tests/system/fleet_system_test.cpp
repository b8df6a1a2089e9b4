// Two scenarios in one mbus-sim process: each bus on its own pty and TCP port, read by masters.

#include "sim_process.hpp"
#include "support.hpp"

#include <mbus/master/master.hpp>

#include <sstream>

using namespace mbus;
using namespace mbus::test;

namespace {

// Every readiness line the simulator printed, in order.
std::vector<ready_line> ready_lines(const sim_process& p) {
    std::vector<ready_line> out;
    std::istringstream in(p.out());
    for (std::string line; std::getline(in, line);)
        if (auto r = parse_ready_line(line)) out.push_back(*r);
    return out;
}

asio::awaitable<std::uint32_t> id_at(transport::byte_stream& io, byte address) {
    master::bus_master m(io, sim_options());
    auto r = co_await m.read(address);
    REQUIRE_MESSAGE(r, r.error.message());
    REQUIRE_FALSE(r.telegrams.empty());
    const auto* v = r.telegrams[0].variable();
    REQUIRE(v != nullptr);
    REQUIRE(v->header.address);
    co_return v->header.address->id;
}

} // namespace

TEST_CASE("two scenarios run in one process each on its own pty and tcp port") {
    const auto dir = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios";
    auto sim = start_sim({"run", (dir / "heat-meters.toml").string(), (dir / "water-meters.toml").string(),
                          "--pty", "--tcp", "127.0.0.1:0"});
    const auto lines = ready_lines(*sim.process);
    REQUIRE_MESSAGE(lines.size() == 2, sim.process->report());
    CHECK(lines[0].get("scenario") == "heat");
    CHECK(lines[1].get("scenario") == "water");
    CHECK(lines[0].pty() != lines[1].pty());
    CHECK(lines[0].tcp() != lines[1].tcp());
    run_system_test([&]() -> asio::awaitable<void> {
        // The heat bus has the MULTICAL 303 at 48, the water bus a water meter at 1; neither has the other's.
        auto heat_pty = co_await open_pty(lines[0]);
        auto water_pty = co_await open_pty(lines[1]);
        auto heat_tcp = co_await open_tcp(lines[0]);
        auto water_tcp = co_await open_tcp(lines[1]);
        CHECK(co_await id_at(*heat_pty, 48) == 0x30303030);
        CHECK(co_await id_at(*water_pty, 1) == 0x21000001);
        CHECK(co_await id_at(*heat_tcp, 48) == 0x30303030);
        CHECK(co_await id_at(*water_tcp, 1) == 0x21000001);
        master::bus_master m(*water_tcp, sim_options());
        auto nobody = co_await m.ping(48);
        REQUIRE(nobody);
        CHECK(nobody->kind == master::reply_kind::none);
    });
    stop_sim(sim);
    // Each bus logs its lines under its own name.
    CHECK(sim.process->err().find("] heat #") != std::string::npos);
    CHECK(sim.process->err().find("] water #") != std::string::npos);
}

TEST_CASE("two scenarios with the same bus name are refused") {
    const auto heat = (std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "heat-meters.toml").string();
    sim_process p({"run", heat, heat});
    REQUIRE(p.started());
    const auto code = p.wait_exit(std::chrono::seconds(20));
    p.finish_output();
    CHECK(code == 2);
    CHECK(p.err().find("two buses are named heat") != std::string::npos);
}
