// The simulator's CPU per REQ_UD2 over TCP, measured from outside: mbus-sim serves a scenario on a
// loopback port, one client sends REQ_UD2 and waits for each answer, and the server's CPU time
// (utime + stime from /proc/PID/stat) is divided by the requests served. With several simulators
// (e.g. the build before a change and after it) they are run in turn, A B A B, and each figure is
// printed side by side with the ratio to the first. Nothing is asserted.
//
//   bench_server_cpu [--requests N] [--rounds R] [--scenario FILE] SIM [SIM ...]
//
// SIM defaults to the mbus-sim of this build. The scenario's answers wait their response delay (at
// least 11 bit times at 2400 baud), so round trips per second say little; CPU per request is the figure.

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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

namespace {

struct server {
    pid_t pid{-1};
    int out{-1};
    int port{0};
};

// Starts SIM run SCENARIO --tcp 127.0.0.1:0 --quiet and reads the port from its readiness line.
std::optional<server> start(const std::string& sim, const std::string& scenario) {
    int fds[2];
    if (::pipe(fds) != 0) return std::nullopt;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> args{sim, "run", "--tcp", "127.0.0.1:0", "--quiet"};
    if (!scenario.empty()) args.insert(args.begin() + 2, scenario);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    server s;
    const int rc = ::posix_spawn(&s.pid, sim.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
        std::fprintf(stderr, "cannot start %s: %s\n", sim.c_str(), std::strerror(rc));
        return std::nullopt;
    }
    s.out = fds[0];
    std::string line;
    char c = 0;
    while (::read(s.out, &c, 1) == 1 && c != '\n')
        line += c;
    const auto at = line.find("tcp=");
    if (at == std::string::npos) {
        std::fprintf(stderr, "%s: no readiness line (got \"%s\")\n", sim.c_str(), line.c_str());
        ::kill(s.pid, SIGKILL);
        ::waitpid(s.pid, nullptr, 0);
        return std::nullopt;
    }
    s.port = std::atoi(line.c_str() + line.find(':', at) + 1);
    return s;
}

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    const auto close = stat.rfind(')');
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
        if (i == 14 || i == 15) ticks += std::stod(field);
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Reads one whole frame (E5, a short or a long frame); false on error.
bool read_frame(int fd) {
    unsigned char buf[300];
    std::size_t have = 0;
    for (;;) {
        const auto n = ::read(fd, buf + have, sizeof buf - have);
        if (n <= 0) return false;
        have += static_cast<std::size_t>(n);
        if (buf[0] == 0xE5) return true;
        if (buf[0] == 0x10 && have >= 5) return true;
        if (buf[0] == 0x68 && have >= 4 && have >= static_cast<std::size_t>(buf[1]) + 6u) return true;
        if (buf[0] != 0x10 && buf[0] != 0x68) return false;
    }
}

struct figures {
    double cpu_us{0}; // server CPU per request
    double per_s{0};  // round trips per second
    bool ok{false};
};

figures measure(const std::string& sim, const std::string& scenario, int requests, unsigned char address) {
    figures f;
    const auto s = start(sim, scenario);
    if (!s) return f;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(s->port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) { // NOLINT: the sockets API
        // A first exchange settles the session before counting.
        const unsigned char nke[5] = {0x10, 0x40, address, static_cast<unsigned char>(0x40 + address), 0x16};
        if (::write(fd, nke, 5) == 5 && read_frame(fd)) {
            const double cpu0 = cpu_seconds(s->pid);
            const auto t0 = std::chrono::steady_clock::now();
            int done = 0;
            for (; done < requests; ++done) {
                const unsigned char c =
                    (done % 2 == 0) ? 0x7B : 0x5B; // toggle the FCB: a fresh telegram each time
                const unsigned char req[5] = {0x10, c, address, static_cast<unsigned char>(c + address),
                                              0x16};
                if (::write(fd, req, 5) != 5 || !read_frame(fd)) break;
            }
            const auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const double cpu = cpu_seconds(s->pid) - cpu0;
            if (done == requests) {
                f.cpu_us = cpu / requests * 1e6;
                f.per_s = requests / wall;
                f.ok = true;
            }
        }
    }
    ::close(fd);
    ::kill(s->pid, SIGTERM);
    ::waitpid(s->pid, nullptr, 0);
    ::close(s->out);
    return f;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    int requests = 2000;
    int rounds = 3;
    std::string scenario;
    std::vector<std::string> sims;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--requests" && i + 1 < argc)
            requests = std::atoi(argv[++i]);
        else if (a == "--rounds" && i + 1 < argc)
            rounds = std::atoi(argv[++i]);
        else if (a == "--scenario" && i + 1 < argc)
            scenario = argv[++i];
        else
            sims.push_back(a);
    }
    if (sims.empty()) sims.push_back(MBUS_SIM_EXE);
    // The demo meter answers at 3.
    const unsigned char address = 3;
    std::vector<std::vector<double>> cpu(sims.size()), rate(sims.size());
    for (int r = 0; r < rounds; ++r)
        for (std::size_t i = 0; i < sims.size(); ++i) {
            const auto f = measure(sims[i], scenario, requests, address);
            if (!f.ok) {
                std::fprintf(stderr, "%s: the run did not complete\n", sims[i].c_str());
                return 1;
            }
            cpu[i].push_back(f.cpu_us);
            rate[i].push_back(f.per_s);
        }
    std::printf("server CPU per REQ_UD2 over TCP, one client, %d requests x %d rounds (median)\n", requests,
                rounds);
    const double base = median(cpu[0]);
    for (std::size_t i = 0; i < sims.size(); ++i) {
        const double c = median(cpu[i]);
        std::printf("  %-50s %8.1f us/request  %8.0f round trips/s  %.2fx the first\n", sims[i].c_str(), c,
                    median(rate[i]), base > 0 ? c / base : 0.0);
    }
    return 0;
}
