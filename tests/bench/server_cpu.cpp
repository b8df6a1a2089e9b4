// The simulator's CPU per REQ_UD2 over TCP, measured from outside: mbus-sim serves a scenario on a
// loopback port, one client sends REQ_UD2 and waits for each answer, and the server's CPU time
// (scheduler run time from /proc/PID/task/*/schedstat) is divided by the requests served. With several
// simulators (e.g. the build before a change and after it) they are run in turn, A B A B, and each figure is
// printed side by side with the ratio to the first. Nothing is asserted.
//
//   bench_server_cpu [--requests N] [--warmup W] [--rounds R] [--scenario FILE] [--control]
//                    [--callgrind DIR] SIM [SIM ...]
//
// --warmup W: W requests first that are not counted (the client sends them on the same connection).
//
// --control: what the control API costs (issue 10's figure): each simulator three ways in turn,
// plain, with --http (nobody asks), and with --http and one WebSocket subscriber on the bus's stream
// (opened here with Beast, reading as fast as it can); figures side by side with the ratios to plain
// and to --http. The scenario defaults then to tests/bench/perf_table.toml (immediate timing), the
// warm-up to 6000 requests: the feed keeps its last 10,000 records (5,000 exchanges) in a ring whose
// slots are allocated once, and the figure is what a subscriber costs a bus that runs for hours.
//
// --callgrind DIR (with --control): instructions rather than CPU time, exact and unmoved by the
// machine's load. Each simulator runs under valgrind --tool=callgrind twice per way, once with the
// warm-up only and once with the warm-up and N requests; the difference divided by N is the
// steady-state figure (start-up, the warm-up and exit cancel out), printed next to the whole run's
// instructions per request (start-up included). The callgrind files stay in DIR
// (SIMINDEX-WAY-REQUESTS.out) for callgrind_annotate.
//
// SIM defaults to the mbus-sim of this build. The scenario's answers wait their response delay (at
// least 11 bit times at 2400 baud), so round trips per second say little; CPU per request is the figure.

#include "support/round_trips.hpp"

#include <mbus/runtime/readiness.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// A stream client in a thread of its own: opened (handshake done) before the requests start, it
// reads every message as fast as it can until the server goes away, counting the records (one JSON
// line each) and the records the server said it dropped.
class stream_reader {
  public:
    bool open(const std::string& http, const std::string& bus) {
        const auto colon = http.rfind(':');
        if (colon == std::string::npos) return false;
        try {
            asio::ip::tcp::resolver resolver(io_);
            ws_.next_layer().connect(resolver.resolve(http.substr(0, colon), http.substr(colon + 1)));
            ws_.handshake(http, "/api/v1/buses/" + bus + "/stream");
        } catch (const boost::system::system_error& e) {
            std::fprintf(stderr, "stream %s: %s\n", http.c_str(), e.code().message().c_str());
            return false;
        }
        thread_ = std::thread([this] { read(); });
        return true;
    }
    // After the server stopped: the reader has seen the end of the stream.
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    std::uint64_t records() const { return records_; }
    std::uint64_t dropped() const { return dropped_; }

  private:
    void read() {
        beast::flat_buffer buffer;
        for (;;) {
            boost::system::error_code ec;
            ws_.read(buffer, ec);
            if (ec) break;
            const auto text = beast::buffers_to_string(buffer.data());
            buffer.clear();
            for (std::size_t from = 0; from < text.size();) {
                auto end = text.find('\n', from);
                if (end == std::string::npos) end = text.size();
                const std::string_view line(text.data() + from, end - from);
                if (line.starts_with("{\"kind\":\"dropped\"")) {
                    const auto at = line.find("\"count\":");
                    if (at != std::string_view::npos)
                        dropped_ += std::strtoull(line.data() + at + 8, nullptr, 10);
                } else if (!line.empty()) {
                    ++records_;
                }
                from = end + 1;
            }
        }
    }

    asio::io_context io_;
    websocket::stream<beast::tcp_stream> ws_{io_};
    std::thread thread_;
    std::uint64_t records_{0};
    std::uint64_t dropped_{0};
};

enum class variant { plain, http, subscriber };
constexpr const char* variant_names[] = {"plain", "--http", "--http + 1 subscriber"};
constexpr const char* variant_files[] = {"plain", "http", "subscriber"};

struct measured {
    mbus::test::round_trip_figures f;
    std::uint64_t streamed{0};
    std::uint64_t dropped{0};
    double instructions{0}; // under callgrind: the whole run's
};

// How a simulator is started: as it is, or under callgrind writing to `callgrind_out`.
struct launch {
    std::string sim;
    std::string callgrind_out; // empty: not under callgrind
};

std::string in_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    for (std::size_t from = 0; from <= dirs.size();) {
        auto end = dirs.find(':', from);
        if (end == std::string::npos) end = dirs.size();
        const auto candidate = dirs.substr(from, end - from) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        from = end + 1;
    }
    return {};
}

// The "totals:" (or "summary:") line of a callgrind file: instructions of the whole run.
double callgrind_total(const std::string& file) {
    std::ifstream in(file);
    std::string line;
    double total = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("totals:")) return std::strtod(line.c_str() + 7, nullptr);
        if (line.starts_with("summary:")) total = std::strtod(line.c_str() + 8, nullptr);
    }
    return total;
}

measured measure(const launch& l, const std::string& scenario, int requests, int warmup,
                 unsigned char address, variant v = variant::plain) {
    measured m;
    std::vector<std::string> args{l.sim, "run", "--tcp", "127.0.0.1:0", "--quiet"};
    if (!scenario.empty()) args.insert(args.begin() + 2, scenario);
    if (v != variant::plain) args.insert(args.end(), {"--http", "127.0.0.1:0"});
    std::string program = l.sim;
    if (!l.callgrind_out.empty()) {
        program = in_path("valgrind");
        if (program.empty()) {
            std::fprintf(stderr, "--callgrind: no valgrind in PATH\n");
            return m;
        }
        args.insert(args.begin(),
                    {"valgrind", "-q", "--tool=callgrind", "--callgrind-out-file=" + l.callgrind_out});
    }
    auto s = mbus::test::start_sim_args(program, args);
    if (!s) return m;
    stream_reader reader;
    if (v == variant::subscriber) {
        const auto ready = mbus::runtime::parse_readiness(s->ready);
        if (!ready || ready->http.empty() || !reader.open(ready->http, ready->scenario)) {
            std::fprintf(stderr, "%s: no stream to subscribe to (readiness \"%s\")\n", l.sim.c_str(),
                         s->ready.c_str());
            mbus::test::stop(*s);
            return m;
        }
    }
    m.f = mbus::test::round_trips(s->pid, s->port, requests, address, nullptr, warmup);
    mbus::test::stop(*s);
    reader.join();
    m.streamed = reader.records();
    m.dropped = reader.dropped();
    if (!l.callgrind_out.empty()) {
        m.instructions = callgrind_total(l.callgrind_out);
        if (m.instructions <= 0) {
            std::fprintf(stderr, "%s: no totals in %s\n", l.sim.c_str(), l.callgrind_out.c_str());
            m.f.ok = false;
        }
    }
    return m;
}

struct control_options {
    std::string scenario;
    int requests{0};
    int warmup{0};
    int rounds{0};
    unsigned char address{0};
    std::string callgrind_dir; // empty: CPU time from /proc
};

int control_table(const std::vector<std::string>& sims, const control_options& o) {
    constexpr std::size_t variants = 3;
    const bool callgrind = !o.callgrind_dir.empty();
    // cpu: us per request from /proc, or under callgrind the steady-state instructions per request;
    // whole: under callgrind, the whole run's instructions per request (start-up included).
    std::vector<std::vector<std::vector<double>>> cpu(sims.size(),
                                                      std::vector<std::vector<double>>(variants));
    auto whole = cpu;
    std::vector<std::vector<double>> streamed(sims.size()), dropped(sims.size());
    for (int r = 0; r < o.rounds; ++r)
        for (std::size_t i = 0; i < sims.size(); ++i)
            for (std::size_t v = 0; v < variants; ++v) {
                const auto way = static_cast<variant>(v);
                const auto out = [&](int requests) {
                    return callgrind ? fmt::format("{}/{}-{}-{}.out", o.callgrind_dir, i, variant_files[v],
                                                   requests)
                                     : std::string();
                };
                const auto m = measure({sims[i], out(o.warmup + o.requests)}, o.scenario, o.requests,
                                       o.warmup, o.address, way);
                measured base;
                if (callgrind && m.f.ok)
                    base = measure({sims[i], out(o.warmup)}, o.scenario, 0, o.warmup, o.address, way);
                if (!m.f.ok || (callgrind && !base.f.ok)) {
                    std::fprintf(stderr, "%s (%s): the run did not complete\n", sims[i].c_str(),
                                 variant_names[v]);
                    return 1;
                }
                if (callgrind) {
                    cpu[i][v].push_back((m.instructions - base.instructions) / o.requests);
                    whole[i][v].push_back(m.instructions / (o.warmup + o.requests));
                } else {
                    cpu[i][v].push_back(m.f.cpu_us);
                }
                if (way == variant::subscriber) {
                    streamed[i].push_back(static_cast<double>(m.streamed));
                    dropped[i].push_back(static_cast<double>(m.dropped));
                }
            }
    if (callgrind)
        std::printf("server instructions per REQ_UD2 over TCP with the control API (callgrind), one client, "
                    "%d requests after a warm-up of %d x %d rounds (median), %s\n"
                    "  steady state: (run of warm-up + requests - run of warm-up only) / requests; "
                    "whole run: instructions / (warm-up + requests)\n",
                    o.requests, o.warmup, o.rounds, o.scenario.c_str());
    else
        std::printf("server CPU per REQ_UD2 over TCP with the control API, one client, %d requests after a "
                    "warm-up of %d x %d rounds (median), %s\n",
                    o.requests, o.warmup, o.rounds, o.scenario.c_str());
    for (std::size_t i = 0; i < sims.size(); ++i) {
        std::printf("  %s\n", sims[i].c_str());
        const double plain = mbus::test::median(cpu[i][0]);
        const double http = mbus::test::median(cpu[i][1]);
        const double whole_plain = callgrind ? mbus::test::median(whole[i][0]) : 0;
        const double whole_http = callgrind ? mbus::test::median(whole[i][1]) : 0;
        for (std::size_t v = 0; v < variants; ++v) {
            const double c = mbus::test::median(cpu[i][v]);
            if (callgrind) {
                const double w = mbus::test::median(whole[i][v]);
                std::printf("    %-24s steady %8.0f instr/request  %.2fx plain  %.2fx --http   |  whole run "
                            "%8.0f  %.2fx plain  %.2fx --http\n",
                            variant_names[v], c, plain > 0 ? c / plain : 0.0, http > 0 ? c / http : 0.0, w,
                            whole_plain > 0 ? w / whole_plain : 0.0, whole_http > 0 ? w / whole_http : 0.0);
            } else {
                std::printf("    %-24s %8.1f us/request  %.2fx plain  %.2fx --http\n", variant_names[v], c,
                            plain > 0 ? c / plain : 0.0, http > 0 ? c / http : 0.0);
            }
        }
        const int total = o.warmup + o.requests;
        std::printf("    the subscriber got %.0f records, was told of %.0f dropped (median of rounds; "
                    "%d requests make %d records)\n",
                    mbus::test::median(streamed[i]), mbus::test::median(dropped[i]), total + 1,
                    2 * (total + 1));
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    int requests = 2000;
    int warmup = -1; // the default depends on the mode
    int rounds = 3;
    bool control = false;
    std::string scenario;
    std::string callgrind_dir;
    std::vector<std::string> sims;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--requests" && i + 1 < argc)
            requests = std::atoi(argv[++i]);
        else if (a == "--warmup" && i + 1 < argc)
            warmup = std::atoi(argv[++i]);
        else if (a == "--rounds" && i + 1 < argc)
            rounds = std::atoi(argv[++i]);
        else if (a == "--scenario" && i + 1 < argc)
            scenario = argv[++i];
        else if (a == "--callgrind" && i + 1 < argc)
            callgrind_dir = argv[++i];
        else if (a == "--control")
            control = true;
        else
            sims.push_back(a);
    }
    if (requests <= 0) {
        std::fprintf(stderr, "--requests: at least 1\n");
        return 2;
    }
    if (!callgrind_dir.empty() && !control) {
        std::fprintf(stderr, "--callgrind goes with --control\n");
        return 2;
    }
    if (sims.empty()) sims.push_back(MBUS_SIM_EXE);
    // The demo meter answers at 3.
    const unsigned char address = 3;
    if (control) {
        if (scenario.empty()) scenario = std::string(MBUS_SOURCE_DIR) + "/tests/bench/perf_table.toml";
        return control_table(
            sims, {scenario, requests, warmup < 0 ? 6000 : warmup, rounds, address, callgrind_dir});
    }
    std::vector<std::vector<double>> cpu(sims.size()), rate(sims.size());
    for (int r = 0; r < rounds; ++r)
        for (std::size_t i = 0; i < sims.size(); ++i) {
            const auto m = measure({sims[i], {}}, scenario, requests, std::max(warmup, 0), address);
            if (!m.f.ok) {
                std::fprintf(stderr, "%s: the run did not complete\n", sims[i].c_str());
                return 1;
            }
            cpu[i].push_back(m.f.cpu_us);
            rate[i].push_back(m.f.per_s);
        }
    std::printf("server CPU per REQ_UD2 over TCP, one client, %d requests (after %d not counted) x %d rounds "
                "(median)\n",
                requests, std::max(warmup, 0), rounds);
    const double base = mbus::test::median(cpu[0]);
    for (std::size_t i = 0; i < sims.size(); ++i) {
        const double c = mbus::test::median(cpu[i]);
        std::printf("  %-50s %8.1f us/request  %8.0f round trips/s  %.2fx the first\n", sims[i].c_str(), c,
                    mbus::test::median(rate[i]), base > 0 ? c / base : 0.0);
    }
    return 0;
}
