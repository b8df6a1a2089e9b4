// Loading scenarios with many meters from `repeat` and {n} name templates: the time scenario::load_string
// takes and the process's peak RSS after it, for 1k, 10k and 100k meters, and for 10k meters with
// faults and events that name them (half of the names misspelt, which asks for "did you mean").
// Loading should grow linearly with the meters; nothing is asserted (figures depend on the machine).
//
// Run (Release for meaningful figures):
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench --target
//   bench_scenario_load build-bench/tests/bench_scenario_load

#include <mbus/scenario/load.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <string>

#include <sys/resource.h>

using namespace mbus;

namespace {

// `meters` meters in tables of at most 10000 (the most `repeat` allows), each named "t<table>-m{n}".
std::string many_meters(std::size_t meters) {
    std::string toml = "[bus]\nname = \"bench\"\n";
    for (std::size_t table = 0; table * 10'000 < meters; ++table)
        toml += fmt::format(
            "[[meter]]\nname = \"t{}-m{{n}}\"\naddress = {}\naddress_step = 0\nid = {}\n"
            "manufacturer = \"TST\"\nmedium = \"water\"\nrepeat = {}\n"
            "[[meter.record]]\nquantity = \"volume\"\nunit = \"m3\"\ntype = \"bcd8\"\nvalue = 1\n",
            table, table % 250, table * 10'000, std::min<std::size_t>(10'000, meters - table * 10'000));
    return toml;
}

// Faults naming meters that exist, and events naming meters that do not (t0-q1 for t0-m1).
std::string references(std::size_t count) {
    std::string toml;
    for (std::size_t i = 1; i <= count; ++i)
        toml += fmt::format("[[fault]]\nmeter = \"t0-m{}\"\nkind = \"no_answer\"\n"
                            "[[event]]\nat = \"{}s\"\nmeter = \"t0-q{}\"\naction = \"leave\"\n",
                            i, i, i);
    return toml;
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss; // KiB on Linux
}

void measure(const std::string& what, const std::string& toml) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = scenario::load_string(toml, "bench.toml");
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    fmt::print("{:<40} {:>8} KiB text {:>9.3f} s  {:>7} meters {:>6} errors  peak RSS {:>8} KiB\n", what,
               toml.size() / 1024, took.count(), r ? r.value->meters.size() : 0, r.errors.size(),
               peak_rss_kib());
}

} // namespace

int main() {
    // Peak RSS only grows: the sizes run from small to large so that each figure is that load's.
    for (const std::size_t n : {std::size_t{1'000}, std::size_t{10'000}, std::size_t{100'000}})
        measure(fmt::format("{} templated meters", n), many_meters(n));
    measure("10000 meters, 500 faults + 500 bad refs", many_meters(10'000) + references(500));
}
