// The cost of a bus's size: buses of 1, 1,000, 10,000 and 100,000 meters, each loaded from scenario
// TOML (`repeat` tables, as users write them) in a process of its own (fork), so that its RSS is its
// own. For each: the time to load and build the runner (ready), VmRSS after that (and with the
// scenario loaded, before the runner), and the CPU per
// request for a primary REQ_UD2, an exact secondary select and two wildcard selects, both through the
// runtime (in_process_bus: exchange, notes, subscribers) and through sim::bus::on_frame alone, with the
// ratio to the 1-meter bus. Every request reaches one meter on every bus: only the meters it does not
// concern change from row to row. Nothing is asserted (figures depend on the machine).
//
//   bench_bus_scale [SECONDS]   CPU time spent per figure (default 0.3 s)

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/runtime/in_process_bus.hpp>
#include <mbus/scenario/load.hpp>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace mbus;

namespace {

constexpr std::uint32_t target_id = 0x95555555; // BCD: the one meter every request reaches
constexpr byte target_address = 1;

// The target meter at address 1, and `meters - 1` others at address 0 (reachable by secondary
// address only, as on large buses) with ids from 10000000, in tables of at most 10000 (`repeat`'s
// limit). Every meter has the three records of tests/bench/server_cpu.toml.
std::string scenario_text(std::size_t meters) {
    const char* records =
        "[[meter.record]]\nquantity = \"volume\"\nunit = \"m3\"\nresolution = 0.001\n"
        "type = \"bcd8\"\nvalue = { counter = { start = 12.345, rate = 0.01, per = \"h\" } }\n"
        "[[meter.record]]\nquantity = \"voltage\"\nunit = \"V\"\nresolution = 0.1\n"
        "type = \"int16\"\nvalue = { sine = { offset = 230, amplitude = 3, period = \"1h\" } }\n"
        "[[meter.record]]\nquantity = \"date_time\"\ntype = \"int32\"\nvalue = \"now\"\n";
    std::string toml = "[bus]\nname = \"scale\"\nbaud = 2400\n";
    toml +=
        fmt::format("[[meter]]\nname = \"target\"\naddress = {}\nid = \"{:08X}\"\nmanufacturer = \"TST\"\n"
                    "version = 1\nmedium = \"water\"\n{}",
                    target_address, target_id, records);
    for (std::size_t table = 0; table * 10'000 < meters - 1; ++table)
        toml += fmt::format("[[meter]]\nname = \"t{}-m{{n}}\"\naddress = 0\naddress_step = 0\nid = {}\n"
                            "manufacturer = \"TST\"\nversion = 1\nmedium = \"water\"\nrepeat = {}\n{}",
                            table, 10'000'000 + table * 10'000,
                            std::min<std::size_t>(10'000, meters - 1 - table * 10'000), records);
    return toml;
}

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

long vm_rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
    return 0;
}

link::frame select_frame(std::uint32_t id, std::uint16_t manufacturer, std::uint8_t version,
                         std::uint8_t medium) {
    const app::select_mask mask{{id, manufacturer, version, medium}, std::nullopt};
    return link::frame::long_frame(link::c_field::snd_ud, link::address::selected, app::ci::select,
                                   app::encode_select(app::ci::select, mask));
}

struct request_case {
    const char* name;
    link::frame frame;
};

// The figures of one bus, as one line of numbers for the parent.
struct figures {
    double ready_s{0};
    double ready_cpu_s{0}; // the CPU time of the same (others' compiles on the machine do not count)
    long loaded_kib{0};    // VmRSS with the scenario loaded, before the runner
    long rss_kib{0};
    std::array<double, 4> runtime_us{};
    std::array<double, 4> core_us{};
};

std::vector<request_case> cases() {
    const auto tst = *app::manufacturer_code("TST");
    return {
        {"primary REQ_UD2", link::frame::short_frame(link::c_field::req_ud2, target_address)},
        {"select exact id", select_frame(target_id, tst, 1, 0x07)},
        {"select 9555555F", select_frame(0x9555555F, 0xFFFF, 0xFF, 0xFF)},
        {"select F5555555", select_frame(0xF5555555, 0xFFFF, 0xFF, 0xFF)},
    };
}

// CPU per call of `fn`: calls it until `budget` seconds of CPU are spent (at least 3 calls).
template <class F>
double cpu_per_call_us(double budget, F&& fn) {
    const double start = cpu_seconds();
    std::size_t n = 0;
    double spent = 0;
    do {
        fn();
        ++n;
        spent = cpu_seconds() - start;
    } while (spent < budget || n < 3);
    return spent / static_cast<double>(n) * 1e6;
}

figures measure(std::size_t meters, double budget) {
    const auto text = scenario_text(meters);
    figures f;
    const auto start = std::chrono::steady_clock::now();
    const double start_cpu = cpu_seconds();
    auto loaded = scenario::load_string(text, "scale.toml");
    if (!loaded.value || loaded.value->meters.size() != meters) {
        fmt::print(stderr, "{} meters: the scenario did not load ({} errors)\n", meters,
                   loaded.errors.size());
        std::exit(1);
    }
    f.loaded_kib = vm_rss_kib();
    runtime::in_process_bus bus(*loaded.value);
    f.ready_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.ready_cpu_s = cpu_seconds() - start_cpu;
    f.rss_kib = vm_rss_kib();

    const auto all = cases();
    for (std::size_t k = 0; k < all.size(); ++k) {
        const auto& c = all[k];
        // Each case must reach the target meter alone: a bench that measured silence would flatter.
        const auto x = bus.send(c.frame);
        if (!x || x->outcome.answered_by != std::vector<std::string>{"target"}) {
            fmt::print(stderr, "{} meters: {} was not answered by the target alone\n", meters, c.name);
            std::exit(1);
        }
        f.runtime_us[k] = cpu_per_call_us(budget, [&] { (void)bus.send(c.frame); });
        auto& core = bus.bus();
        f.core_us[k] = cpu_per_call_us(budget, [&] {
            const sim::sim_now now{clock::now(), std::chrono::system_clock::now()};
            (void)core.on_frame(c.frame, 0, now);
        });
    }
    return f;
}

// Runs measure() in a child and reads its figures back through a pipe.
figures measure_apart(std::size_t meters, double budget) {
    int fds[2];
    if (::pipe(fds) != 0) std::exit(1);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        const auto f = measure(meters, budget);
        const auto* p = reinterpret_cast<const char*>(&f);
        std::size_t left = sizeof f;
        while (left > 0) {
            const auto n = ::write(fds[1], p, left);
            if (n <= 0) std::_Exit(1);
            p += n;
            left -= static_cast<std::size_t>(n);
        }
        std::_Exit(0);
    }
    ::close(fds[1]);
    figures f;
    auto* p = reinterpret_cast<char*>(&f);
    std::size_t got = 0;
    while (got < sizeof f) {
        const auto n = ::read(fds[0], p + got, sizeof f - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (got != sizeof f || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fmt::print(stderr, "{} meters: the measuring process failed\n", meters);
        std::exit(1);
    }
    return f;
}

std::string with_ratio(double value, double base, const char* unit) {
    return fmt::format("{:>9.1f} {} ({:>5.1f}x)", value, unit, base > 0 ? value / base : 0.0);
}

} // namespace

int main(int argc, char** argv) {
    const double budget = argc > 1 ? std::atof(argv[1]) : 0.3;
    const std::vector<std::size_t> sizes{1, 1'000, 10'000, 100'000};
    std::vector<figures> all;
    for (const auto n : sizes) {
        all.push_back(measure_apart(n, budget));
        std::fflush(stdout);
    }
    const auto& base = all.front();
    fmt::print("{:>8} {:>9} {:>12} {:>10} {:>22}\n", "meters", "ready s", "ready CPU s", "RSS MiB",
               "of which the scenario");
    for (std::size_t i = 0; i < sizes.size(); ++i)
        fmt::print("{:>8} {:>9.3f} {:>12.3f} {:>10.1f} {:>22.1f}\n", sizes[i], all[i].ready_s,
                   all[i].ready_cpu_s, static_cast<double>(all[i].rss_kib) / 1024.0,
                   static_cast<double>(all[i].loaded_kib) / 1024.0);
    const auto names = cases();
    for (const bool runtime : {true, false}) {
        fmt::print("\nCPU per request, {} (ratio to the 1-meter bus)\n",
                   runtime ? "through the runtime (in_process_bus::send)" : "sim::bus::on_frame alone");
        fmt::print("{:>8}", "meters");
        for (const auto& c : names)
            fmt::print(" {:>24}", c.name);
        fmt::print("\n");
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            fmt::print("{:>8}", sizes[i]);
            for (std::size_t k = 0; k < names.size(); ++k) {
                const auto v = runtime ? all[i].runtime_us[k] : all[i].core_us[k];
                const auto b = runtime ? base.runtime_us[k] : base.core_us[k];
                fmt::print(" {:>24}", with_ratio(v, b, "us"));
            }
            fmt::print("\n");
        }
    }
}
