// `mbus-sim run --transcript FILE --counters FILE` end to end: the real simulator over a real pty,
// the project's master on the other side, the transcript read back line by line while it runs and
// after it stopped, and the counters file checked against the transcript it summarises.

#include "support.hpp"
#include "support/water_toml.hpp"

#include <mbus/harness/counters.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/transport/deadline.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace mbus;
using namespace mbus::test;
using harness::record;
using harness::record_kind;
using link::request_kind;

namespace {

const std::string water_toml = mbus::test::water_scenario_toml("transcript");

// Every complete line of the file so far, parsed; a line that is no record fails the test.
std::vector<record> read_transcript(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<record> out;
    std::string line;
    while (std::getline(in, line)) {
        if (in.eof()) break; // a line still being written has no newline yet
        const auto j = nlohmann::json::parse(line, nullptr, false);
        REQUIRE_MESSAGE(!j.is_discarded(), "not JSON: ", line);
        auto r = harness::record_from_json(j);
        REQUIRE_MESSAGE(r, "not a record: ", line);
        out.push_back(std::move(*r));
    }
    return out;
}

std::size_t count_kind(const std::vector<record>& rs, record_kind k) {
    return static_cast<std::size_t>(
        std::count_if(rs.begin(), rs.end(), [k](const record& r) { return r.kind == k; }));
}

} // namespace

TEST_CASE("mbus-sim run writes the transcript as JSON lines while it runs and the counters at exit") {
    temp_scenario sc("transcript", water_toml);
    const auto dir = sc.path().parent_path();
    const auto transcript = dir / "transcript.jsonl";
    const auto counters = dir / "counters.json";
    auto sim = start_sim(
        {"run", sc.path().string(), "--transcript", transcript.string(), "--counters", counters.string()});

    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready, 2400);
        master::bus_master m(*io, sim_options());
        auto p = co_await m.ping(5);
        REQUIRE(p);
        CHECK(p->kind == master::reply_kind::ack);

        // The reply is in the file while the simulator still runs: each line is flushed.
        const auto until = clock::now() + 5s;
        while (count_kind(read_transcript(transcript), record_kind::reply) < 1 && clock::now() < until)
            co_await transport::sleep_for(10ms);
        CHECK(count_kind(read_transcript(transcript), record_kind::reply) == 1);

        auto t = co_await m.request_ud2(5);
        REQUIRE(t);
        auto nobody = co_await m.ping(9);
        CHECK((!nobody || nobody->kind == master::reply_kind::none)); // nobody at 9
        const bytes noise{0xFF, 0x12};                                // no frame starts with these
        CHECK_FALSE(co_await io->write(noise));
        auto again = co_await m.ping(5); // ends the noise: the parser reports it before this frame
        REQUIRE(again);
    });
    stop_sim(sim);

    const auto rs = read_transcript(transcript);
    REQUIRE_FALSE(rs.empty());
    CHECK(rs.front().kind == record_kind::event);
    CHECK(rs.front().summary == "open pty " + sim.ready.pty());
    // The master set 2400 baud on the pty before its first request.
    CHECK(std::any_of(rs.begin(), rs.end(), [](const record& r) {
        return r.kind == record_kind::event && r.summary.starts_with("line 2400 baud");
    }));

    std::vector<record> requests, replies, silences, junk;
    for (const auto& r : rs) {
        if (r.kind == record_kind::request) requests.push_back(r);
        if (r.kind == record_kind::reply) replies.push_back(r);
        if (r.kind == record_kind::silence) silences.push_back(r);
        if (r.kind == record_kind::junk) junk.push_back(r);
        if (r.kind != record_kind::event) CHECK(r.session == 1); // the one pty
    }
    REQUIRE(requests.size() >= 4);
    CHECK(requests[0].request == request_kind::snd_nke);
    CHECK(requests[0].raw == bytes{0x10, 0x40, 0x05, 0x45, 0x16}); // SND_NKE to 5
    REQUIRE(requests[0].frame);
    CHECK(requests[0].frame->a == 5);
    CHECK(requests[0].line_baud == 2400);
    CHECK(requests[1].request == request_kind::req_ud2);

    REQUIRE(replies.size() == 3); // E5, the telegram, E5
    CHECK(replies[0].raw == bytes{0xE5});
    CHECK(replies[0].answered_by == std::vector<std::string>{"water"});
    REQUIRE(replies[1].frame);
    CHECK(replies[1].frame->ci == 0x72);
    CHECK(replies[1].summary.find("id=12345678 man=KAM") != std::string::npos);
    CHECK_FALSE(replies[1].collision);

    REQUIRE_FALSE(silences.empty()); // the ping to 9, with the master's retries
    for (const auto& s : silences) {
        CHECK(s.request == request_kind::snd_nke);
        CHECK(s.meters.empty());
    }
    REQUIRE(junk.size() == 1);
    CHECK(junk[0].raw == bytes{0xFF, 0x12});

    // Each request is followed by what became of it.
    for (std::size_t i = 0; i < rs.size(); ++i) {
        if (rs[i].kind != record_kind::request) continue;
        std::size_t j = i + 1;
        while (j < rs.size() && rs[j].kind == record_kind::event)
            ++j;
        REQUIRE(j < rs.size());
        CHECK((rs[j].kind == record_kind::reply || rs[j].kind == record_kind::silence));
        CHECK(rs[j].request == rs[i].request);
    }

    // The counters file says what the transcript says.
    harness::counters from_transcript;
    for (const auto& r : rs)
        from_transcript.add(r);
    std::ifstream in(counters);
    const auto j = nlohmann::json::parse(in, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    CHECK(j == harness::to_json(from_transcript));
    CHECK(j["by_kind"]["SND_NKE"]["received"] == requests.size() - 1);
    CHECK(j["by_kind"]["REQ_UD2"]["answered"] == 1);
    CHECK(j["by_kind"]["SND_NKE"]["ignored"] == silences.size());
    CHECK(j["malformed"] == 1);
    CHECK(j["malformed_bytes"] == 2);
    // And the log's summary at exit.
    const auto err = sim.process->err();
    CHECK(err.find(fmt::format("SND_NKE: {} received, 2 answered, 0 repeated, 0 collided, {} ignored",
                               requests.size() - 1, silences.size())) != std::string::npos);
}

TEST_CASE("mbus-sim run refuses a transcript path it cannot write") {
    sim_process p({"run", "--transcript", "/nonexistent-dir/t.jsonl"});
    REQUIRE(p.started());
    CHECK(p.wait_exit(10s) == 2);
    CHECK(p.err().find("cannot write the transcript /nonexistent-dir/t.jsonl") != std::string::npos);
    CHECK(p.out().empty()); // no readiness line
}
