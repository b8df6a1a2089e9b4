// Capture and replay end to end, with the real mbus-sim: `run` a HAN meter (Kaifa, list 1 every 2 s),
// `record` what it pushes on its TCP port and on its pty for a few seconds, then `run` a [[replay]] of
// the capture at speed 10, looping, and read it back on TCP and on the pty as a HAN reader does: the
// frames are the recorded ones, byte for byte, in order, pass after pass, and their spacing is the
// recorded spacing over 10 (loose bounds: a shared machine's timers are not checked to the millisecond).

#include "support.hpp"
#include "support/han_reader.hpp"

#include <mbus/capture/capture_file.hpp>
#include <mbus/capture/raw_log.hpp>
#include <mbus/transport/deadline.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>

using namespace mbus;
using namespace mbus::test;

namespace {

struct timed_frame {
    double at; // seconds, from the start of the listening or of the capture
    bytes data;
};

// HDLC frames as they came, each with the time of the chunk its first byte came in; what comes before
// the first frame (a client that joined mid-frame) and a frame cut at the end are left out.
std::vector<timed_frame> frames_of(const std::vector<capture::chunk>& chunks) {
    bytes all;
    std::vector<std::pair<std::size_t, double>> starts; // offset of each chunk in `all`, its time
    for (const auto& c : chunks) {
        starts.emplace_back(all.size(),
                            std::chrono::duration<double>(c.at.value_or(capture::micros{0})).count());
        all.insert(all.end(), c.data.begin(), c.data.end());
    }
    std::vector<timed_frame> out;
    std::size_t offset = 0;
    for (auto& piece : capture::split_frames(all)) {
        const auto here = offset;
        offset += piece.data.size();
        if (piece.data.empty() || piece.data.front() != 0x7E || piece.data.back() != 0x7E) continue;
        if (!han::decode_hdlc(piece.data)) continue;
        double at = 0;
        for (const auto& [o, t] : starts)
            if (o <= here) at = t;
        out.push_back({at, std::move(piece.data)});
    }
    return out;
}

asio::awaitable<std::vector<capture::chunk>> listen_timed(transport::byte_stream& io, duration how_long) {
    std::vector<capture::chunk> got;
    const auto start = clock::now();
    const auto end = start + how_long;
    std::array<byte, 512> buf{};
    while (clock::now() < end) {
        auto r = co_await transport::with_timeout(io.read_some(buf), end - clock::now());
        if (!r) break;
        REQUIRE_FALSE(r->first);
        got.push_back({std::chrono::duration_cast<capture::micros>(clock::now() - start),
                       bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->second))});
    }
    co_return got;
}

capture::capture_contents record_of(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read ", p.string());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto c = capture::read_capture(text);
    REQUIRE_MESSAGE(c.problems.empty(), p.string(), ": ", c.problems.front().message);
    return c;
}

// `heard` is the recorded frames again, in order from wherever the reader came in, wrapping round.
void check_replayed(const std::vector<timed_frame>& recorded, const std::vector<timed_frame>& heard,
                    double speed, const char* line, std::size_t least) {
    INFO(line);
    REQUIRE(heard.size() >= least);
    std::optional<std::size_t> first;
    // Where in the capture the reader came in: the place from which every frame heard follows (a
    // power-only list repeats itself byte for byte, so the first frame alone can match several places).
    for (std::size_t k = 0; k < recorded.size(); ++k) {
        if (recorded[k].data != heard[0].data) continue;
        if (!first) first = k;
        bool all = true;
        for (std::size_t j = 0; j < heard.size() && all; ++j)
            all = heard[j].data == recorded[(k + j) % recorded.size()].data;
        if (all) {
            first = k;
            break;
        }
    }
    REQUIRE_MESSAGE(first, "the first frame heard is not one recorded");
    std::size_t same = 0, paced = 0, gaps = 0;
    for (std::size_t j = 0; j < heard.size(); ++j) {
        const auto k = (*first + j) % recorded.size();
        CHECK(heard[j].data == recorded[k].data);
        if (heard[j].data == recorded[k].data) ++same;
        if (j == 0 || k == 0) continue; // across a pass the gap is the loop's, not a recorded one
        const double want = (recorded[k].at - recorded[k - 1].at) / speed;
        const double got = heard[j].at - heard[j - 1].at;
        ++gaps;
        // Loose: half to twice the scaled gap, with 50 ms of slack for a busy machine.
        if (got >= want / 2 - 0.05 && got <= want * 2 + 0.05) ++paced;
        CHECK_MESSAGE(got >= want / 2 - 0.05, "gap ", got, " s, recorded ", want * speed, " s");
        CHECK_MESSAGE(got <= want * 2 + 0.05, "gap ", got, " s, recorded ", want * speed, " s");
    }
    std::cout << "replay: " << line << " frames as recorded " << same << "/" << heard.size()
              << ", gaps within bounds " << paced << "/" << gaps << " (" << recorded.size()
              << " frames recorded)\n";
}

} // namespace

TEST_CASE("mbus-sim record captures a HAN meter on tcp and pty and a replay sends the frames back paced") {
    temp_dir d("replay-system");
    const auto tcp_cap = d.dir() / "tcp.cap";
    const auto pty_cap = d.dir() / "pty.cap";
    {
        auto meter = start_sim(
            {"run", (std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "han-kaifa.toml").string(),
             "--pty", "--tcp", "127.0.0.1:0"});
        sim_process on_tcp(
            {"record", "tcp:" + meter.ready.tcp(), "--out", tcp_cap.string(), "--seconds", "7"});
        // Two stop bits as a line setting: the capture names the line it was read with.
        sim_process on_pty(
            {"record", meter.ready.pty(), "--out", pty_cap.string(), "--seconds", "7", "--stop-bits", "2"});
        REQUIRE(on_tcp.started());
        REQUIRE(on_pty.started());
        CHECK(on_tcp.wait_exit(std::chrono::seconds(20)) == 0);
        CHECK(on_pty.wait_exit(std::chrono::seconds(20)) == 0);
        on_tcp.finish_output();
        on_pty.finish_output();
        CHECK_MESSAGE(on_tcp.err().find("recorded ") != std::string::npos, on_tcp.report());
        CHECK_MESSAGE(on_tcp.err().find("(time up)") != std::string::npos, on_tcp.report());
        stop_sim(meter);
    }
    const auto tcp = record_of(tcp_cap);
    const auto pty = record_of(pty_cap);
    CHECK(tcp.header.source.starts_with("tcp:127.0.0.1:"));
    CHECK(pty.header.line == "2400 8E2");
    REQUIRE(tcp.end);
    CHECK(*tcp.end >= std::chrono::seconds(7));
    const auto recorded = frames_of(tcp.chunks);
    // 7 s of Kaifa: a list every 2 s.
    REQUIRE(recorded.size() >= 3);
    // What a reader makes of the capture: the meter's lists, nothing broken.
    const auto heard_tcp = read_han(capture::joined(tcp.chunks));
    CHECK(heard_tcp.bad.empty());
    CHECK(heard_tcp.lists.size() >= 3);
    const auto from_pty = frames_of(pty.chunks);
    CHECK(from_pty.size() >= 3);
    // The two lines carried the same pushes: every frame on the pty was on TCP too.
    for (const auto& f : from_pty) {
        bool found = false;
        for (const auto& r : recorded)
            found = found || r.data == f.data;
        CHECK(found);
    }
    // The capture's own pace: about 2 s between pushes.
    for (std::size_t i = 1; i < recorded.size(); ++i) {
        CHECK(recorded[i].at - recorded[i - 1].at > 1.5);
        CHECK(recorded[i].at - recorded[i - 1].at < 2.5);
    }

    const auto scenario = d.write("replay.toml", "[[replay]]\nname = \"kaifa-capture\"\nfile = \"tcp.cap\"\n"
                                                 "speed = 10\nloop = true\n");
    auto replay = start_sim({"run", scenario.string(), "--pty", "--tcp", "127.0.0.1:0"});
    CHECK(replay.ready.get("meters") == "1");
    std::vector<capture::chunk> on_tcp, on_pty;
    run_system_test([&]() -> asio::awaitable<void> {
        auto p = co_await open_pty(replay.ready);
        auto t = co_await open_tcp(replay.ready);
        using namespace asio::experimental::awaitable_operators;
        // 7 s at speed 10: a pass every 0.7 s, about three in 2.5 s.
        auto r = co_await (listen_timed(*t, 2500ms) && listen_timed(*p, 2500ms));
        on_tcp = std::move(std::get<0>(r));
        on_pty = std::move(std::get<1>(r));
    });
    stop_sim(replay);
    replay.process->finish_output();
    CHECK(replay.process->err().find("kaifa-capture: pass 1 done") != std::string::npos);
    const auto back_tcp = frames_of(on_tcp);
    const auto back_pty = frames_of(on_pty);
    // More frames than were recorded: the loop repeats them.
    check_replayed(recorded, back_tcp, 10, "tcp", recorded.size() + 2);
    check_replayed(recorded, back_pty, 10, "pty", recorded.size() + 2);
}

TEST_CASE("mbus-sim record reports a source it cannot open") {
    temp_dir d("replay-system");
    sim_process r({"record", "tcp:127.0.0.1:1", "--out", (d.dir() / "x.cap").string(), "--seconds", "1"});
    REQUIRE(r.started());
    CHECK(r.wait_exit(std::chrono::seconds(15)) == 1);
    r.finish_output();
    CHECK_MESSAGE(r.err().find("mbus-sim record: ") != std::string::npos, r.report());
}

TEST_CASE(
    "a [[replay]] with start = \"first_reader\" waits for its first TCP client, then sends from the top") {
    temp_dir d("replay-system");
    d.write("chunks.hex", "7E 01 02 03\n04 05\n06 7E\n");
    const auto scenario =
        d.write("replay.toml", "[[replay]]\nname = \"late\"\nfile = \"chunks.hex\"\nformat = \"hex\"\n"
                               "interval = \"300ms\"\nstart = \"first_reader\"\n");
    auto replay = start_sim({"run", scenario.string(), "--tcp", "127.0.0.1:0"});
    std::vector<capture::chunk> got;
    run_system_test([&]() -> asio::awaitable<void> {
        // Three chunks 0.3 s apart: a replay that started with the simulator would be over by now.
        co_await transport::sleep_for(1500ms);
        auto t = co_await open_tcp(replay.ready);
        got = co_await listen_timed(*t, 2000ms);
    });
    stop_sim(replay);
    replay.process->finish_output();
    CHECK(replay.process->err().find("late: waiting for the first TCP reader") != std::string::npos);
    CHECK(to_hex(capture::joined(got)) == to_hex(bytes{0x7E, 1, 2, 3, 4, 5, 6, 0x7E}));
    // Paced from the client's arrival: the last chunk about 0.6 s after the first.
    REQUIRE(got.size() >= 2);
    REQUIRE(got.back().at);
    REQUIRE(got.front().at);
    CHECK(*got.back().at - *got.front().at >= 400ms);
}
