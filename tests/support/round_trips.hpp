#pragma once
// One client's round trips against a TCP server measured from outside, for the benchmarks
// (bench_server_cpu, bench_perf_table): the server's CPU time from /proc/PID/task/*/schedstat, divided by the
// requests it answered, and the round trips per second the client saw.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX names it so

namespace mbus::test {

struct served {
    pid_t pid{-1};
    int out{-1}; // its stdout (the readiness line), kept open so that it never blocks on a write
    int port{0};
    std::string ready; // the readiness line (runtime/readiness.hpp)
};

// One line from a descriptor, without the newline; empty at the end.
inline std::string read_line(int fd) {
    std::string line;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n')
        line += c;
    return line;
}

// Starts SIM with ARGS (args[0] is SIM) and reads the port from its first readiness line; a fleet's
// further ready lines are left in `out` for the caller.
inline std::optional<served> start_sim_args(const std::string& sim, std::vector<std::string> args) {
    int fds[2];
    if (::pipe(fds) != 0) return std::nullopt;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    served s;
    const int rc = ::posix_spawn(&s.pid, sim.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        std::fprintf(stderr, "cannot start %s: %s\n", sim.c_str(), std::strerror(rc));
        ::close(fds[0]);
        return std::nullopt;
    }
    s.out = fds[0];
    const auto line = read_line(s.out);
    const auto at = line.find("tcp=");
    if (at == std::string::npos) {
        std::fprintf(stderr, "%s: no readiness line (got \"%s\")\n", sim.c_str(), line.c_str());
        ::kill(s.pid, SIGKILL);
        ::waitpid(s.pid, nullptr, 0);
        ::close(s.out);
        return std::nullopt;
    }
    s.port = std::atoi(line.c_str() + line.find(':', at) + 1);
    s.ready = line;
    return s;
}

// Starts SIM run SCENARIO --tcp 127.0.0.1:0 --quiet EXTRA... and reads the port from its readiness line.
inline std::optional<served> start_sim(const std::string& sim, const std::string& scenario,
                                       const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{sim, "run", "--tcp", "127.0.0.1:0", "--quiet"};
    if (!scenario.empty()) args.insert(args.begin() + 2, scenario);
    args.insert(args.end(), extra.begin(), extra.end());
    return start_sim_args(sim, std::move(args));
}

// Stops a server started here, by its PID.
inline void stop(served& s) {
    if (s.pid > 0) {
        ::kill(s.pid, SIGTERM);
        ::waitpid(s.pid, nullptr, 0);
    }
    if (s.out >= 0) ::close(s.out);
    s = {};
}

// CPU time of a process, in seconds: the run time the scheduler counted for each of its threads
// (/proc/PID/task/TID/schedstat, nanoseconds), where /proc/PID/stat's utime + stime come in clock
// ticks of 10 ms, a microsecond per request over 10,000 requests.
inline double cpu_seconds(pid_t pid) {
    double ns = 0;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
        std::ifstream in(task.path() / "schedstat");
        double run = 0;
        if (in >> run) ns += run;
    }
    return ns / 1e9;
}

// Reads one whole frame (E5, a short or a long frame) into `into`; false on error.
inline bool read_frame(int fd, std::vector<unsigned char>* into = nullptr) {
    unsigned char buf[300];
    std::size_t have = 0;
    for (;;) {
        const auto n = ::read(fd, buf + have, sizeof buf - have);
        if (n <= 0) return false;
        have += static_cast<std::size_t>(n);
        const bool whole = buf[0] == 0xE5 || (buf[0] == 0x10 && have >= 5) ||
                           (buf[0] == 0x68 && have >= 4 && have >= static_cast<std::size_t>(buf[1]) + 6u);
        if (whole) {
            if (into != nullptr) into->assign(buf, buf + have);
            return true;
        }
        if (buf[0] != 0x10 && buf[0] != 0x68) return false;
    }
}

inline int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) { // NOLINT: the sockets API
        ::close(fd);
        return -1;
    }
    return fd;
}

struct round_trip_figures {
    double cpu_us{0}; // server CPU per request
    double per_s{0};  // round trips per second
    bool ok{false};
};

// `requests` REQ_UD2 to `address` (FCB toggled: a fresh telegram each time), each answer read whole
// before the next; the server's CPU counted from after a first exchange (SND_NKE) that settles the
// session and `warmup` further REQ_UD2 that are not counted (what a server does once, such as
// filling a ring of records, stays out of the figure). `answer` gets the first answer's bytes.
// With no requests (a warm-up only) ok says whether the warm-up went through.
inline round_trip_figures round_trips(pid_t server, int port, int requests, unsigned char address,
                                      std::vector<unsigned char>* answer = nullptr, int warmup = 0) {
    round_trip_figures f;
    const int fd = connect_loopback(port);
    if (fd < 0) return f;
    const unsigned char nke[5] = {0x10, 0x40, address, static_cast<unsigned char>(0x40 + address), 0x16};
    int sent = 0; // the FCB alternates over the warm-up and the counted requests alike
    const auto request = [&](std::vector<unsigned char>* into) {
        const unsigned char c = (sent++ % 2 == 0) ? 0x7B : 0x5B;
        const unsigned char req[5] = {0x10, c, address, static_cast<unsigned char>(c + address), 0x16};
        return ::write(fd, req, 5) == 5 && read_frame(fd, into);
    };
    bool warm = ::write(fd, nke, 5) == 5 && read_frame(fd);
    for (int i = 0; warm && i < warmup; ++i)
        warm = request(nullptr);
    if (warm) {
        const double cpu0 = cpu_seconds(server);
        const auto t0 = std::chrono::steady_clock::now();
        int done = 0;
        for (; done < requests; ++done)
            if (!request(done == 0 ? answer : nullptr)) break;
        const auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double cpu = cpu_seconds(server) - cpu0;
        if (done == requests) {
            f.cpu_us = requests > 0 ? cpu / requests * 1e6 : 0;
            f.per_s = requests > 0 ? requests / wall : 0;
            f.ok = true;
        }
    }
    ::close(fd);
    return f;
}

inline double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace mbus::test
