// `mbus-sim run --state FILE` as a user relies on it: the simulator killed with SIGKILL at random
// moments while a master writes, 50 times; each time the file holds the state before the last write
// or after it (never a mix, never unreadable), and the restarted simulator answers with it.

#include "support.hpp"

#include <mbus/runtime/state_file.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <csignal>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

using namespace mbus;
using namespace mbus::test;

namespace {

const std::string scenario_text = "[bus]\n"
                                  "name = \"kept\"\n"
                                  "timing = \"immediate\"\n"
                                  "[[meter]]\n"
                                  "name = \"water\"\n"
                                  "address = 5\n"
                                  "id = \"12345678\"\n"
                                  "manufacturer = \"TST\"\n"
                                  "medium = \"water\"\n"
                                  "[[meter.record]]\n"
                                  "quantity = \"volume\"\n"
                                  "unit = \"l\"\n"
                                  "type = \"bcd8\"\n"
                                  "value = 0\n"
                                  "writable = true\n";

// What the master last asked for: the meter's primary address and its volume record's data.
struct kept {
    int address{5};
    std::string data; // hex; empty: never written
    friend bool operator==(const kept&, const kept&) = default;
};

std::string bcd_hex(unsigned v) { // 8 BCD digits, LSB first, as the record carries them
    std::string out;
    for (int i = 0; i < 4; ++i, v /= 100)
        out += fmt::format("{}{}", v / 10 % 10, v % 10);
    return out;
}

// The file as the simulator left it: it must be a state file (or absent, before any write).
kept read_state(const std::filesystem::path& p) {
    std::string error;
    REQUIRE_MESSAGE(runtime::state_file::open(p, error), error);
    if (!std::filesystem::exists(p)) return {};
    std::ifstream in(p);
    std::ostringstream text;
    text << in.rdbuf();
    const auto doc = nlohmann::json::parse(text.str());
    const auto& m = doc["buses"]["kept"]["water"];
    return {m["address"].get<int>(), m["written"][0]["data"].get<std::string>()};
}

int connect_to(const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
    ::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &a.sin_addr);
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

// Whatever arrives within `limit` after `out` is sent, until `enough` bytes; empty when the peer died.
bytes exchange(int fd, const bytes& out, std::size_t enough, int limit_ms = 3000) {
    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(out.size())) return {};
    bytes in;
    while (in.size() < enough) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, limit_ms) <= 0) break;
        byte buf[512];
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        in.insert(in.end(), buf, buf + n);
    }
    return in;
}

} // namespace

TEST_CASE("the state file is the old or the new state after kill -9 mid-write, 50 times") {
    temp_dir dir("state-kill");
    const auto scenario = dir.write("kept.toml", scenario_text);
    const auto state = dir.dir() / "state.json";
    std::mt19937 rng(20261206);
    kept acked;                  // the last write the master saw acknowledged
    std::optional<kept> pending; // the write in flight when the simulator died
    unsigned counter = 0;
    int newer = 0; // kills after the write was saved but before the master saw its E5

    for (int run = 0; run <= 50; ++run) {
        CAPTURE(run);
        const auto on_disk = read_state(state);
        CHECK_MESSAGE((on_disk == acked || (pending && on_disk == *pending)), "file: address ",
                      on_disk.address, " data ", on_disk.data, "; acknowledged: address ", acked.address,
                      " data ", acked.data);
        if (pending && on_disk == *pending) ++newer;
        acked = on_disk;
        pending.reset();

        auto sim =
            start_sim({"run", scenario.string(), "--tcp", "127.0.0.1:0", "--state", state.string(), "-q"});
        const int fd = connect_to(sim.ready.tcp());
        // The restarted meter answers at the kept address, with the kept data.
        const auto a = static_cast<byte>(acked.address);
        const auto reply = exchange(fd, {0x10, 0x5B, a, static_cast<byte>(0x5B + a), 0x16}, 7 + 12 + 6 + 2);
        REQUIRE_MESSAGE(reply.size() == 27, "no RSP_UD at address ", acked.address, "\n",
                        sim.process->report());
        CHECK(reply[5] == a);
        // 68 L L 68 C A CI, the 12-byte header, 0C 13, then the volume's 4 bytes.
        CHECK(to_hex(bytes(reply.begin() + 21, reply.begin() + 25), "") ==
              (acked.data.empty() ? std::string("00000000") : acked.data));
        if (run == 50) {
            ::close(fd);
            stop_sim(sim);
            break;
        }

        // SIGKILL at a random moment while the master writes a new address and volume, again and again.
        const auto pid = sim.process->pid();
        std::thread killer([pid, wait = std::uniform_int_distribution<int>(2'000, 60'000)(rng)] {
            std::this_thread::sleep_for(std::chrono::microseconds(wait));
            ::kill(pid, SIGKILL);
        });
        for (;;) {
            const kept next{10 + static_cast<int>(counter % 200), bcd_hex(++counter)};
            bytes body{0x53, static_cast<byte>(acked.address), 0x51, 0x01,
                       0x7A, static_cast<byte>(next.address),  0x0C, 0x13};
            const auto data = from_hex(next.data);
            body.insert(body.end(), data->begin(), data->end());
            byte cs = 0;
            for (const auto b : body)
                cs = static_cast<byte>(cs + b);
            bytes f{0x68, static_cast<byte>(body.size()), static_cast<byte>(body.size()), 0x68};
            f.insert(f.end(), body.begin(), body.end());
            f.push_back(cs);
            f.push_back(0x16);
            pending = next;
            const auto ack = exchange(fd, f, 1);
            if (ack != bytes{0xE5}) break; // the simulator is gone
            acked = next;
            pending.reset();
        }
        killer.join();
        ::close(fd);
        const auto code = sim.process->wait_exit(std::chrono::seconds(10));
        CHECK(code == 128 + SIGKILL);
    }
    MESSAGE("writes: ", counter, "; of 50 kills, ", newer, " came after a write was saved and before its E5");
}
