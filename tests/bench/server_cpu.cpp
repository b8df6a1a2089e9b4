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

#include "support/round_trips.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

mbus::test::round_trip_figures measure(const std::string& sim, const std::string& scenario, int requests,
                                       unsigned char address) {
    auto s = mbus::test::start_sim(sim, scenario);
    if (!s) return {};
    const auto f = mbus::test::round_trips(s->pid, s->port, requests, address);
    mbus::test::stop(*s);
    return f;
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
    const double base = mbus::test::median(cpu[0]);
    for (std::size_t i = 0; i < sims.size(); ++i) {
        const double c = mbus::test::median(cpu[i]);
        std::printf("  %-50s %8.1f us/request  %8.0f round trips/s  %.2fx the first\n", sims[i].c_str(), c,
                    mbus::test::median(rate[i]), base > 0 ? c / base : 0.0);
    }
    return 0;
}
