// The table of issue 14 in one run, every figure next to its reference measured in the same run
// (ratios; absolute figures only as context, since other work shares the CPU):
//   1. server CPU per REQ_UD2 over TCP and round trips per second, one client: mbus-sim (run --tcp,
//      tests/bench/perf_table.toml, immediate timing) against a raw server started here (a forked
//      child that accepts, reads a 5-byte request and writes a canned RSP_UD: the bytes mbus-sim
//      answered), the same client against both, rounds alternated, CPU from /proc/PID/task/*/schedstat;
//   2. decode rates of the 76 libmbus test frames (../shared/corpus/libmbus/test-frames) to records,
//      to plain libmbus XML and to JSON, against libmbus's own C code path when its reference program
//      is there (scripts/libmbus_reference/build.sh), else against nothing (figures alone); R rounds
//      (--rounds) of records, XML, JSON and libmbus measured in turn, medians printed;
//   3. buses of 1, 1k, 10k and 100k meters: ready time, RSS, CPU per request (bench_bus_scale);
//   4. the primary scan of a 1-meter bus at 2400 baud over a PTY against its physical bound
//      (scripts/scan_bound.sh over a reduced range);
//   5. a fleet of N buses (default 1,000) in one mbus-sim process (run --copies N, each bus its own
//      TCP port) against one raw process serving N ports from one epoll loop (the cheapest server),
//      the same C client threads against both: aggregate round trips per second and server CPU per
//      request; with --fleet-forked also N forked raw servers (one process per port) as context.
// --baseline PATH runs another mbus-sim (the build before a change) in rows 1 and 5 too, alternated
// with the others, so that before and after are measured in the same run. Nothing is asserted.
//
//   bench_perf_table [--quick] [--requests N] [--rounds R] [--sim PATH] [--baseline PATH]
//                    [--libmbus PATH] [--scan-to LAST] [--no-round-trips] [--no-scale] [--no-scan]
//                    [--no-decode] [--no-fleet] [--fleet-buses N] [--fleet-clients C] [--fleet-requests N]
//                    [--fleet-forked]

#include "support/corpus.hpp"
#include "support/decode_rates.hpp"
#include "support/round_trips.hpp"

#include <mbus/core/bytes.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
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

// The strict fleet reference: ONE process, one epoll loop over `n` listeners on the consecutive ports
// from `base` and every connection they accept, all non-blocking; a connection answers each 5 bytes it
// reads with `answer` (level-triggered, read until EAGAIN, so a request is served in the wake-up that
// brought it). As cheap as a server can be: no allocation, no timer, two syscalls per request besides
// the epoll_wait that a wake-up shares among the ready connections. Never returns.
[[noreturn]] void raw_fleet_loop(const std::vector<int>& listeners,
                                 const std::vector<unsigned char>& answer) {
    const int ep = ::epoll_create1(0);
    for (const int l : listeners) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = (std::uint64_t{1} << 32) | static_cast<std::uint32_t>(l);
        ::epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    }
    std::vector<unsigned char> have(1 << 16, 0); // bytes of a partial request, by descriptor
    std::array<epoll_event, 256> ready{};
    for (;;) {
        const int n = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), -1);
        for (int i = 0; i < n; ++i) {
            const auto& ev = ready[static_cast<std::size_t>(i)];
            const int fd = static_cast<int>(ev.data.u64 & 0xFFFFFFFFU);
            if ((ev.data.u64 >> 32) != 0) {
                for (int c; (c = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
                    int one = 1;
                    ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    if (static_cast<std::size_t>(c) >= have.size())
                        have.resize(static_cast<std::size_t>(c) * 2);
                    have[static_cast<std::size_t>(c)] = 0;
                    epoll_event cev{};
                    cev.events = EPOLLIN;
                    cev.data.u64 = static_cast<std::uint32_t>(c);
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            unsigned char buf[512];
            const auto got = ::read(fd, buf, sizeof buf);
            if (got <= 0) {
                if (got < 0 && errno == EAGAIN) continue;
                ::close(fd); // closing removes it from the epoll set
                continue;
            }
            auto& part = have[static_cast<std::size_t>(fd)];
            const auto whole = (part + static_cast<std::size_t>(got)) / 5;
            part = static_cast<unsigned char>((part + static_cast<std::size_t>(got)) % 5);
            for (std::size_t k = 0; k < whole; ++k)
                if (!write_all(fd, answer.data(), answer.size())) break;
        }
    }
}

// Forks the one-process fleet reference on the ports from `base` (n of them); -1 when it cannot.
pid_t start_raw_fleet(int base, int n, const std::vector<unsigned char>& answer) {
    std::vector<int> listeners;
    const auto close_all = [&] {
        for (const int l : listeners)
            ::close(l);
    };
    for (int p = base; p < base + n; ++p) {
        const int l = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int one = 1;
        ::setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(p));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(l, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(l, 64) != 0) { // NOLINT
            std::fprintf(stderr, "raw fleet: port %d: %s\n", p, std::strerror(errno));
            ::close(l);
            close_all();
            return -1;
        }
        listeners.push_back(l);
    }
    const pid_t pid = ::fork();
    if (pid == 0) raw_fleet_loop(listeners, answer);
    close_all();
    return pid;
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

void round_trip_rows(const std::string& sim, const std::string& baseline, int requests, int rounds) {
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
    std::optional<test::served> base;
    if (!baseline.empty() && !(base = test::start_sim(baseline, scenario))) std::exit(1);
    std::vector<double> sim_cpu, sim_rate, raw_cpu, raw_rate, base_cpu, base_rate;
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
        if (base) {
            const auto c = test::round_trips(base->pid, base->port, requests, 3);
            if (!c.ok) {
                std::fprintf(stderr, "a round of the baseline did not complete\n");
                std::exit(1);
            }
            base_cpu.push_back(c.cpu_us);
            base_rate.push_back(c.per_s);
        }
    }
    test::stop(*s);
    if (base) test::stop(*base);
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
    if (base) {
        const double bc = test::median(base_cpu), br = test::median(base_rate);
        fmt::print("   baseline {}: {:.1f} us = {:.2f}x raw, {:.0f} round trips/s = {:.0f}% of raw\n",
                   baseline, bc, rc > 0 ? bc / rc : 0.0, br, rr > 0 ? 100.0 * br / rr : 0.0);
    }
}

// Each round measures records, plain XML and JSON one after the other (and libmbus, when built), so a
// ratio compares windows next to each other: on a shared machine the load moves between seconds, and
// one window per figure made JSON/XML swing from 0.6x to 3x under load for the same build.
void decode_rows(const std::string& libmbus, double seconds, int rounds) {
    const auto dir = test::corpus_dir();
    if (!dir) std::exit(1);
    const auto files = test::files_with_suffix(*dir / "libmbus" / "test-frames", ".hex");
    std::vector<bytes> frames;
    for (const auto& p : files)
        if (auto wire = from_hex(test::read_file(p))) frames.push_back(std::move(*wire));
    std::string command;
    if (!libmbus.empty() && fs::exists(libmbus)) {
        command = quote(libmbus) + " " + fmt::format("{}", seconds);
        for (const auto& p : files)
            command += " " + quote(p.string());
    }
    std::vector<double> records_r, xml_r, json_r, json_xml, records_ref, xml_ref;
    std::map<std::string, std::vector<double>> refs;
    for (int round = 0; round < std::max(1, rounds); ++round) {
        const double r = test::rate(frames, seconds, test::decode_records);
        const double x = test::rate(frames, seconds, test::decode_plain_xml);
        const double j = test::rate(frames, seconds, test::decode_json);
        records_r.push_back(r);
        xml_r.push_back(x);
        json_r.push_back(j);
        json_xml.push_back(x > 0 ? j / x : 0.0);
        if (command.empty()) continue;
        std::map<std::string, double> ref;
        for (const auto& line : run_lines(command)) {
            const auto space = line.find(' ');
            if (space != std::string::npos) ref[line.substr(0, space)] = std::atof(line.c_str() + space + 1);
        }
        for (const auto& [key, rate] : ref)
            refs[key].push_back(rate);
        if (ref["records"] > 0) records_ref.push_back(r / ref["records"]);
        if (ref["xml"] > 0) xml_ref.push_back(x / ref["xml"]);
    }
    const double records = test::median(records_r);
    const double xml = test::median(xml_r);
    const double json = test::median(json_r);
    const double values = test::rate(frames, seconds, test::decode_record_values);
    const double views = test::rate(frames, seconds, test::decode_record_views);
    const double json_dom = test::rate(frames, seconds, test::decode_json_dom);
    const double described = test::rate(frames, seconds, test::decode_described);
    std::map<std::string, double> ref;
    for (const auto& [key, rates] : refs)
        ref[key] = test::median(rates);
    fmt::print("2. decode the {} libmbus test frames ({} of them decoded), frames per second, {} rounds "
               "alternated (median; the ratios are medians of each round's)\n",
               files.size(), frames.size(), std::max(1, rounds));
    const auto row = [&](const char* what, double ours, const char* key) {
        const auto r = ref.find(key);
        const auto& ratios = std::string_view(key) == "records" ? records_ref : xml_ref;
        if (r != ref.end() && r->second > 0)
            fmt::print("   {:<22} mbus-sim {:>9.0f} vs libmbus {:>9.0f} = {:.2f}x   (goal >= 5x)\n", what,
                       ours, r->second, test::median(ratios));
        else
            fmt::print(
                "   {:<22} mbus-sim {:>9.0f} (no libmbus reference: scripts/libmbus_reference/build.sh)\n",
                what, ours);
    };
    row("to records:", records, "records");
    row("to plain libmbus XML:", xml, "xml");
    fmt::print(
        "   {:<22} mbus-sim {:>9.0f} vs mbus-sim XML {:>9.0f} = {:.2f}x   (goal >= 1x; rounds: {:.2f})\n",
        "to JSON:", json, xml, test::median(json_xml), fmt::join(json_xml, ", "));
    fmt::print(
        "   records: app::decode_records into app::decoded_record (value decoded and scaled, unit and\n"
        "   quantity from the static tables, storage, tariff, subunit, function; one reused vector, no\n"
        "   allocation per record); libmbus's mbus_frame_data_parse mallocs a struct per record and\n"
        "   copies its DIF/VIF/data bytes, decoding no value and no unit.\n"
        "   context: described as app::describe_fields (owning values, VIFE words) {:.0f}/s; records as\n"
        "   views alone (no meaning) {:.0f}/s; into app::record values (app::decode) {:.0f}/s; JSON\n"
        "   through the nlohmann DOM (app::to_json(...).dump()) {:.0f}/s\n",
        described, views, values, json_dom);
}

// --- The fleet row: N buses in one mbus-sim process against N raw servers, the same clients. ---

struct fleet_options {
    int buses{1000};
    int clients{4};
    int requests{40'000}; // per round, over all clients
    int rounds{3};
    bool forked{false}; // also one forked raw server per port, as context
};

// A first port of `n` consecutive free loopback ports, tried by binding them all; 0 if none found.
int free_port_range(int n) {
    for (int base = 21000; base + n <= 60000; base += n + 97) {
        std::vector<int> held;
        bool all = true;
        for (int p = base; p < base + n && all; ++p) {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(static_cast<std::uint16_t>(p));
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            all = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0; // NOLINT
            held.push_back(fd);
        }
        for (const int fd : held)
            ::close(fd);
        if (all) return base;
    }
    return 0;
}

struct fleet_figures {
    double per_s{0};  // aggregate round trips per second
    double cpu_us{0}; // server CPU (all its processes) per request
    bool ok{false};
};

// One round: a connection to every port (SND_NKE on each), then `clients` threads, client k owning
// the connections k, k + clients, ...; each sends REQ_UD2 to its connections in turn, one request
// outstanding per client, and reads each answer whole before the next.
fleet_figures fleet_round(const std::vector<pid_t>& servers, const std::vector<int>& ports,
                          const fleet_options& o) {
    fleet_figures f;
    std::vector<int> fds;
    const auto close_all = [&] {
        for (const int fd : fds)
            ::close(fd);
    };
    for (const int port : ports) {
        const int fd = test::connect_loopback(port);
        if (fd < 0) {
            std::fprintf(stderr, "fleet: cannot connect to port %d\n", port);
            close_all();
            return f;
        }
        fds.push_back(fd);
        const unsigned char nke[5] = {0x10, 0x40, 3, 0x43, 0x16};
        if (::write(fd, nke, 5) != 5 || !test::read_frame(fd)) {
            std::fprintf(stderr, "fleet: no answer to SND_NKE on port %d\n", port);
            close_all();
            return f;
        }
    }
    // From /proc/PID/schedstat (nanoseconds): a raw server of a fleet uses less than the clock tick
    // that /proc/PID/stat counts in.
    const auto cpu = [&] {
        double sum = 0;
        for (const pid_t p : servers) {
            std::ifstream in(fmt::format("/proc/{}/schedstat", p));
            double ns = 0;
            in >> ns;
            sum += ns / 1e9;
        }
        return sum;
    };
    const int each = o.requests / o.clients;
    std::atomic<int> failed{0};
    const double cpu0 = cpu();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int k = 0; k < o.clients; ++k)
        threads.emplace_back([&, k] {
            std::vector<int> mine;
            for (std::size_t i = static_cast<std::size_t>(k); i < fds.size();
                 i += static_cast<std::size_t>(o.clients))
                mine.push_back(fds[i]);
            for (int r = 0; r < each; ++r) {
                const int fd = mine[static_cast<std::size_t>(r) % mine.size()];
                // FCB toggled per connection: each connection sees alternate telegrams.
                const bool even = (static_cast<std::size_t>(r) / mine.size()) % 2 == 0;
                const unsigned char c = even ? 0x7B : 0x5B;
                const unsigned char req[5] = {0x10, c, 3, static_cast<unsigned char>(c + 3), 0x16};
                if (::write(fd, req, 5) != 5 || !test::read_frame(fd)) {
                    ++failed;
                    return;
                }
            }
        });
    for (auto& t : threads)
        t.join();
    const auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double used = cpu() - cpu0;
    close_all();
    if (failed != 0) {
        std::fprintf(stderr, "fleet: %d clients failed\n", failed.load());
        return f;
    }
    const int total = each * o.clients;
    f.per_s = total / wall;
    f.cpu_us = used / total * 1e6;
    f.ok = true;
    return f;
}

// What row 5 runs its clients against: a server's processes and its ports.
struct fleet_server {
    std::string label;
    std::vector<pid_t> pids;
    std::vector<int> ports;
    std::vector<double> rate, cpu;
    test::served sim; // for an mbus-sim
};

// Starts N buses of the bench scenario in one mbus-sim process on a free port range.
std::optional<fleet_server> start_sim_fleet(const std::string& sim, const std::string& label, int n) {
    const int base = free_port_range(n);
    if (base == 0) {
        std::fprintf(stderr, "fleet: no %d consecutive free ports\n", n);
        return std::nullopt;
    }
    const std::string scenario = std::string(MBUS_SOURCE_DIR) + "/tests/bench/perf_table.toml";
    auto s = test::start_sim_args(sim, {sim, "run", scenario, "--copies", std::to_string(n), "--tcp",
                                        fmt::format("127.0.0.1:{}", base), "--quiet"});
    if (!s) return std::nullopt;
    // One ready line per bus: read them all, so that mbus-sim never blocks on a full pipe.
    for (int i = 1; i < n; ++i)
        test::read_line(s->out);
    fleet_server f;
    f.label = label;
    f.pids = {s->pid};
    for (int i = 0; i < n; ++i)
        f.ports.push_back(base + i);
    f.sim = *s;
    return f;
}

void fleet_row(const std::string& sim, const std::string& baseline, const fleet_options& o) {
    // The bench holds a connection per bus, and mbus-sim a listener and a connection per bus.
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
    const int n = o.buses;
    std::vector<fleet_server> servers;
    const auto stop_all = [&] {
        for (auto& f : servers) {
            if (f.sim.pid > 0) {
                test::stop(f.sim);
                continue;
            }
            for (const pid_t p : f.pids)
                ::kill(p, SIGKILL);
            for (const pid_t p : f.pids)
                ::waitpid(p, nullptr, 0);
        }
    };
    auto s = start_sim_fleet(sim, "mbus-sim", n);
    if (!s) return;
    servers.push_back(std::move(*s));
    std::vector<unsigned char> answer;
    if (!test::round_trips(servers[0].pids[0], servers[0].ports[0], 10, 3, &answer).ok || answer.empty()) {
        std::fprintf(stderr, "fleet: mbus-sim did not answer the first requests\n");
        stop_all();
        return;
    }
    {
        const int base = free_port_range(n);
        const pid_t pid = base == 0 ? -1 : start_raw_fleet(base, n, answer);
        if (pid < 0) {
            std::fprintf(stderr, "fleet: cannot start the raw fleet server\n");
            stop_all();
            return;
        }
        fleet_server f;
        f.label = "raw epoll server";
        f.pids = {pid};
        for (int i = 0; i < n; ++i)
            f.ports.push_back(base + i);
        servers.push_back(std::move(f));
    }
    if (o.forked) {
        fleet_server f;
        f.label = "raw forked servers";
        for (int i = 0; i < n; ++i) {
            auto r = start_raw(answer);
            if (!r) break;
            f.pids.push_back(r->pid);
            f.ports.push_back(r->port);
        }
        const bool all = static_cast<int>(f.ports.size()) == n;
        servers.push_back(std::move(f));
        if (!all) {
            stop_all();
            return;
        }
    }
    if (!baseline.empty()) {
        auto b = start_sim_fleet(baseline, "baseline mbus-sim", n);
        if (!b) {
            stop_all();
            return;
        }
        servers.push_back(std::move(*b));
    }
    bool ok = true;
    for (int r = 0; r < o.rounds && ok; ++r)
        for (auto& f : servers) {
            const auto x = fleet_round(f.pids, f.ports, o);
            ok = ok && x.ok;
            f.rate.push_back(x.per_s);
            f.cpu.push_back(x.cpu_us);
        }
    stop_all();
    if (!ok) {
        std::fprintf(stderr, "fleet: a round did not complete\n");
        return;
    }
    const double sr = test::median(servers[0].rate), rr = test::median(servers[1].rate);
    const double sc = test::median(servers[0].cpu), rc = test::median(servers[1].cpu);
    fmt::print(
        "5. a fleet of {} buses, each its own TCP port: one mbus-sim process (run --copies {}) vs one "
        "raw process (an epoll loop over {} listeners and their connections, answering the canned "
        "frame); {} client threads, each holding a connection to every {}th bus and sending REQ_UD2 to "
        "them in turn, {} requests x {} rounds alternated (median)\n",
        n, n, n, o.clients, o.clients, o.requests / o.clients * o.clients, o.rounds);
    fmt::print(
        "   aggregate round trips per second: mbus-sim {:.0f} vs raw epoll server {:.0f} = {:.0f}%   (goal "
        ">= 80%)\n",
        sr, rr, rr > 0 ? 100.0 * sr / rr : 0.0);
    fmt::print("   server CPU per REQ_UD2: mbus-sim {:.1f} us vs raw epoll server {:.1f} us = {:.2f}x\n", sc,
               rc, rc > 0 ? sc / rc : 0.0);
    for (std::size_t i = 2; i < servers.size(); ++i) {
        const double r = test::median(servers[i].rate), c = test::median(servers[i].cpu);
        fmt::print("   context, {}: {:.0f} round trips/s ({:.0f}% of the epoll server's), {:.1f} us CPU per "
                   "request\n",
                   servers[i].label, r, rr > 0 ? 100.0 * r / rr : 0.0, c);
    }
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
    bool decode = true;
    bool fleet = true;
    bool round_trips = true;
    fleet_options fo;
    std::string sim = MBUS_SIM_EXE;
    std::string baseline; // another mbus-sim (the build before a change), run alongside in rows 1 and 5
    std::string libmbus = (self_dir().parent_path() / "libmbus_reference").string();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--quick") {
            requests = 5'000;
            decode_s = 0.3;
            scale_budget = 0.1;
            scan_to = 10;
            fo.requests = 10'000;
        } else if (a == "--requests" && has_value) {
            requests = std::atoi(argv[++i]);
        } else if (a == "--rounds" && has_value) {
            rounds = std::atoi(argv[++i]);
        } else if (a == "--sim" && has_value) {
            sim = argv[++i];
        } else if (a == "--baseline" && has_value) {
            baseline = argv[++i];
        } else if (a == "--fleet-forked") {
            fo.forked = true;
        } else if (a == "--libmbus" && has_value) {
            libmbus = argv[++i];
        } else if (a == "--scan-to" && has_value) {
            scan_to = std::atoi(argv[++i]);
        } else if (a == "--no-scale") {
            scale = false;
        } else if (a == "--no-scan") {
            scan = false;
        } else if (a == "--no-round-trips") {
            round_trips = false;
        } else if (a == "--no-decode") {
            decode = false;
        } else if (a == "--no-fleet") {
            fleet = false;
        } else if (a == "--fleet-buses" && has_value) {
            fo.buses = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--fleet-clients" && has_value) {
            fo.clients = std::max(1, std::atoi(argv[++i]));
        } else if (a == "--fleet-requests" && has_value) {
            fo.requests = std::max(1, std::atoi(argv[++i]));
        } else {
            std::fprintf(
                stderr,
                "usage: %s [--quick] [--requests N] [--rounds R] [--sim PATH] [--libmbus PATH] "
                "[--baseline PATH] [--scan-to LAST] [--no-round-trips] [--no-scale] [--no-scan] "
                "[--no-decode] "
                "[--no-fleet] [--fleet-buses N] [--fleet-clients C] [--fleet-requests N] [--fleet-forked]\n",
                argv[0]);
            return 2;
        }
    }
    fmt::print("bench perf_table: {}\n", sim);
    if (round_trips) round_trip_rows(sim, baseline, requests, rounds);
    if (decode) decode_rows(libmbus, decode_s, rounds);
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
    if (fleet) {
        fo.rounds = rounds;
        std::fflush(stdout);
        fleet_row(sim, baseline, fo);
    }
    return 0;
}
