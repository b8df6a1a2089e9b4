// The table of issue 14 in one run, every figure next to its reference measured in the same run
// (ratios; absolute figures only as context, since other work shares the CPU):
//   1. server CPU per REQ_UD2 over TCP and round trips per second, one client: mbus-sim (run --tcp,
//      tests/bench/perf_table.toml, immediate timing) against a raw server started here (a forked
//      child that accepts, reads a 5-byte request and writes a canned RSP_UD: the bytes mbus-sim
//      answered), the same client against both, rounds alternated, CPU from /proc/PID/stat;
//   2. decode rates of the 76 libmbus test frames (../shared/corpus/libmbus/test-frames) to records,
//      to plain libmbus XML and to JSON, against libmbus's own C code path when its reference program
//      is there (scripts/libmbus_reference/build.sh), else against nothing (figures alone);
//   3. buses of 1, 1k, 10k and 100k meters: ready time, RSS, CPU per request (bench_bus_scale);
//   4. the primary scan of a 1-meter bus at 2400 baud over a PTY against its physical bound
//      (scripts/scan_bound.sh over a reduced range).
// Nothing is asserted.
//
//   bench_perf_table [--quick] [--requests N] [--rounds R] [--sim PATH] [--libmbus PATH]
//                    [--scan-to LAST] [--no-scale] [--no-scan]

#include "support/corpus.hpp"
#include "support/decode_rates.hpp"
#include "support/round_trips.hpp"

#include <mbus/core/bytes.hpp>

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace mbus;
namespace fs = std::filesystem;

namespace {

// Writes all of `data`; false when the peer went away.
bool write_all(int fd, const unsigned char* data, std::size_t size) {
    while (size > 0) {
        const auto n = ::write(fd, data, size);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// The reference: accept, read 5 bytes, write `answer`, as long as the client sends. Never returns.
[[noreturn]] void raw_server_loop(int listener, const std::vector<unsigned char>& answer) {
    for (;;) {
        const int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) continue;
        unsigned char req[5];
        for (;;) {
            std::size_t have = 0;
            while (have < sizeof req) {
                const auto n = ::read(fd, req + have, sizeof req - have);
                if (n <= 0) break;
                have += static_cast<std::size_t>(n);
            }
            if (have < sizeof req || !write_all(fd, answer.data(), answer.size())) break;
        }
        ::close(fd);
    }
}

// Forks the raw server on a loopback port of its own.
std::optional<test::served> start_raw(const std::vector<unsigned char>& answer) {
    const int l = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(l, 8) != 0 || // NOLINT
        ::getsockname(l, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {                        // NOLINT
        std::perror("raw server");
        return std::nullopt;
    }
    const pid_t pid = ::fork();
    if (pid == 0) raw_server_loop(l, answer);
    ::close(l);
    test::served s;
    s.pid = pid;
    s.port = ntohs(addr.sin_port);
    return s;
}

// The lines a program printed; empty when it could not be run.
std::vector<std::string> run_lines(const std::string& command) {
    std::vector<std::string> lines;
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) return lines;
    std::string line;
    for (int c = std::fgetc(p); c != EOF; c = std::fgetc(p)) {
        if (c == '\n') {
            lines.push_back(std::move(line));
            line.clear();
        } else {
            line += static_cast<char>(c);
        }
    }
    if (!line.empty()) lines.push_back(line);
    ::pclose(p);
    return lines;
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (const char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

fs::path self_dir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

void round_trip_rows(const std::string& sim, int requests, int rounds) {
    const std::string scenario = std::string(MBUS_SOURCE_DIR) + "/tests/bench/perf_table.toml";
    auto s = test::start_sim(sim, scenario);
    if (!s) std::exit(1);
    // The raw server answers with the very bytes mbus-sim answers, so both put the same on the wire.
    std::vector<unsigned char> answer;
    if (!test::round_trips(s->pid, s->port, 10, 3, &answer).ok || answer.empty()) {
        std::fprintf(stderr, "mbus-sim did not answer the first requests\n");
        std::exit(1);
    }
    auto raw = start_raw(answer);
    if (!raw) std::exit(1);
    std::vector<double> sim_cpu, sim_rate, raw_cpu, raw_rate;
    for (int r = 0; r < rounds; ++r) {
        const auto a = test::round_trips(raw->pid, raw->port, requests, 3);
        const auto b = test::round_trips(s->pid, s->port, requests, 3);
        if (!a.ok || !b.ok) {
            std::fprintf(stderr, "a round did not complete (raw %d, mbus-sim %d)\n", a.ok, b.ok);
            std::exit(1);
        }
        raw_cpu.push_back(a.cpu_us);
        raw_rate.push_back(a.per_s);
        sim_cpu.push_back(b.cpu_us);
        sim_rate.push_back(b.per_s);
    }
    test::stop(*s);
    ::kill(raw->pid, SIGKILL);
    ::waitpid(raw->pid, nullptr, 0);
    const double sc = test::median(sim_cpu), rc = test::median(raw_cpu);
    const double sr = test::median(sim_rate), rr = test::median(raw_rate);
    fmt::print("1. one client over TCP, REQ_UD2 to the demo meter answered with a {}-byte RSP_UD, immediate "
               "timing, {} requests x {} rounds alternated (median)\n",
               answer.size(), requests, rounds);
    fmt::print(
        "   server CPU per REQ_UD2: mbus-sim {:.1f} us vs raw server {:.1f} us = {:.2f}x   (goal <= 1.3x)\n",
        sc, rc, rc > 0 ? sc / rc : 0.0);
    fmt::print("   round trips per second: mbus-sim {:.0f} vs raw server {:.0f} = {:.0f}%   (goal >= 80%)\n",
               sr, rr, rr > 0 ? 100.0 * sr / rr : 0.0);
}

void decode_rows(const std::string& libmbus, double seconds) {
    const auto dir = test::corpus_dir();
    if (!dir) std::exit(1);
    const auto files = test::files_with_suffix(*dir / "libmbus" / "test-frames", ".hex");
    std::vector<bytes> frames;
    for (const auto& p : files)
        if (auto wire = from_hex(test::read_file(p))) frames.push_back(std::move(*wire));
    const double records = test::rate(frames, seconds, test::decode_records);
    const double xml = test::rate(frames, seconds, test::decode_plain_xml);
    const double json = test::rate(frames, seconds, test::decode_json);
    const double values = test::rate(frames, seconds, test::decode_record_values);
    const double views = test::rate(frames, seconds, test::decode_record_views);
    const double json_dom = test::rate(frames, seconds, test::decode_json_dom);
    std::map<std::string, double> ref;
    if (!libmbus.empty() && fs::exists(libmbus)) {
        std::string command = quote(libmbus) + " " + fmt::format("{}", seconds);
        for (const auto& p : files)
            command += " " + quote(p.string());
        for (const auto& line : run_lines(command)) {
            const auto space = line.find(' ');
            if (space != std::string::npos) ref[line.substr(0, space)] = std::atof(line.c_str() + space + 1);
        }
    }
    fmt::print("2. decode the {} libmbus test frames ({} of them decoded), frames per second\n", files.size(),
               frames.size());
    const auto row = [&](const char* what, double ours, const char* key) {
        const auto r = ref.find(key);
        if (r != ref.end() && r->second > 0)
            fmt::print("   {:<22} mbus-sim {:>9.0f} vs libmbus {:>9.0f} = {:.2f}x   (goal >= 5x)\n", what,
                       ours, r->second, ours / r->second);
        else
            fmt::print(
                "   {:<22} mbus-sim {:>9.0f} (no libmbus reference: scripts/libmbus_reference/build.sh)\n",
                what, ours);
    };
    row("to records:", records, "records");
    row("to plain libmbus XML:", xml, "xml");
    fmt::print("   {:<22} mbus-sim {:>9.0f} vs mbus-sim XML {:>9.0f} = {:.2f}x   (goal >= 1x)\n",
               "to JSON:", json, xml, xml > 0 ? json / xml : 0.0);
    fmt::print(
        "   records: read in place and described (app::describe_fields: value, unit, storage...); libmbus\n"
        "   copies each record's bytes into structs it allocates (mbus_frame_data_parse), decoding nothing.\n"
        "   context: records as views alone (no meaning) {:.0f}/s; into app::record values (app::decode)\n"
        "   {:.0f}/s; JSON through the nlohmann DOM (app::to_json(...).dump()) {:.0f}/s\n",
        views, values, json_dom);
}

void relay(const std::string& command, const char* indent) {
    std::fflush(stdout);
    const auto lines = run_lines(command);
    if (lines.empty()) fmt::print("{}({} printed nothing)\n", indent, command);
    for (const auto& l : lines)
        fmt::print("{}{}\n", l.empty() ? "" : indent, l);
}

} // namespace

int main(int argc, char** argv) {
    int requests = 20'000;
    int rounds = 3;
    double decode_s = 1.0;
    double scale_budget = 0.3;
    int scan_to = 40;
    bool scale = true;
    bool scan = true;
    std::string sim = MBUS_SIM_EXE;
    std::string libmbus = (self_dir().parent_path() / "libmbus_reference").string();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--quick") {
            requests = 5'000;
            decode_s = 0.3;
            scale_budget = 0.1;
            scan_to = 10;
        } else if (a == "--requests" && has_value) {
            requests = std::atoi(argv[++i]);
        } else if (a == "--rounds" && has_value) {
            rounds = std::atoi(argv[++i]);
        } else if (a == "--sim" && has_value) {
            sim = argv[++i];
        } else if (a == "--libmbus" && has_value) {
            libmbus = argv[++i];
        } else if (a == "--scan-to" && has_value) {
            scan_to = std::atoi(argv[++i]);
        } else if (a == "--no-scale") {
            scale = false;
        } else if (a == "--no-scan") {
            scan = false;
        } else {
            std::fprintf(stderr,
                         "usage: %s [--quick] [--requests N] [--rounds R] [--sim PATH] [--libmbus PATH] "
                         "[--scan-to LAST] [--no-scale] [--no-scan]\n",
                         argv[0]);
            return 2;
        }
    }
    fmt::print("bench perf_table: {}\n", sim);
    round_trip_rows(sim, requests, rounds);
    decode_rows(libmbus, decode_s);
    if (scale) {
        fmt::print("3. buses of 1 to 100,000 meters (bench_bus_scale, each bus in a process of its own)\n");
        relay(quote((self_dir() / "bench_bus_scale").string()) + fmt::format(" {}", scale_budget), "   ");
    }
    if (scan) {
        fmt::print("4. primary scan against the physical bound (scripts/scan_bound.sh)\n");
        relay(quote(std::string(MBUS_SOURCE_DIR) + "/scripts/scan_bound.sh") +
                  fmt::format(" --to {} --primary-only {}", scan_to, quote(sim)),
              "   ");
    }
    return 0;
}
