// The simulator's CPU per REQ_UD2 over TCP, measured from outside: mbus-sim serves a scenario on a
// loopback port, one client sends REQ_UD2 and waits for each answer, and the server's CPU time
// (scheduler run time from /proc/PID/task/*/schedstat) is divided by the requests served. With several
// simulators (e.g. the build before a change and after it) they are run in turn, A B A B, and each figure is
// printed side by side with the ratio to the first. Nothing is asserted.
//
//   bench_server_cpu [--requests N] [--rounds R] [--scenario FILE] [--control] SIM [SIM ...]
//
// --control: what the control API costs (issue 10's figure): each simulator three ways in turn,
// plain, with --http (nobody asks), and with --http and one WebSocket subscriber on the bus's stream
// (opened here with Beast, reading as fast as it can); figures side by side with the ratios to plain
// and to --http. The scenario defaults then to tests/bench/perf_table.toml (immediate timing).
//
// SIM defaults to the mbus-sim of this build. The scenario's answers wait their response delay (at
// least 11 bit times at 2400 baud), so round trips per second say little; CPU per request is the figure.

#include "support/round_trips.hpp"

#include <mbus/runtime/readiness.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <cstdlib>
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

struct measured {
    mbus::test::round_trip_figures f;
    std::uint64_t streamed{0};
    std::uint64_t dropped{0};
};

measured measure(const std::string& sim, const std::string& scenario, int requests, unsigned char address,
                 variant v = variant::plain) {
    measured m;
    std::vector<std::string> extra;
    if (v != variant::plain) extra = {"--http", "127.0.0.1:0"};
    auto s = mbus::test::start_sim(sim, scenario, extra);
    if (!s) return m;
    stream_reader reader;
    if (v == variant::subscriber) {
        const auto ready = mbus::runtime::parse_readiness(s->ready);
        if (!ready || ready->http.empty() || !reader.open(ready->http, ready->scenario)) {
            std::fprintf(stderr, "%s: no stream to subscribe to (readiness \"%s\")\n", sim.c_str(),
                         s->ready.c_str());
            mbus::test::stop(*s);
            return m;
        }
    }
    m.f = mbus::test::round_trips(s->pid, s->port, requests, address);
    mbus::test::stop(*s);
    reader.join();
    m.streamed = reader.records();
    m.dropped = reader.dropped();
    return m;
}

int control_table(const std::vector<std::string>& sims, const std::string& scenario, int requests, int rounds,
                  unsigned char address) {
    constexpr std::size_t variants = 3;
    std::vector<std::vector<std::vector<double>>> cpu(sims.size(),
                                                      std::vector<std::vector<double>>(variants));
    std::vector<std::vector<double>> streamed(sims.size()), dropped(sims.size());
    for (int r = 0; r < rounds; ++r)
        for (std::size_t i = 0; i < sims.size(); ++i)
            for (std::size_t v = 0; v < variants; ++v) {
                const auto m = measure(sims[i], scenario, requests, address, static_cast<variant>(v));
                if (!m.f.ok) {
                    std::fprintf(stderr, "%s (%s): the run did not complete\n", sims[i].c_str(),
                                 variant_names[v]);
                    return 1;
                }
                cpu[i][v].push_back(m.f.cpu_us);
                if (v == variants - 1) {
                    streamed[i].push_back(static_cast<double>(m.streamed));
                    dropped[i].push_back(static_cast<double>(m.dropped));
                }
            }
    std::printf("server CPU per REQ_UD2 over TCP with the control API, one client, %d requests x %d rounds "
                "(median), %s\n",
                requests, rounds, scenario.c_str());
    for (std::size_t i = 0; i < sims.size(); ++i) {
        std::printf("  %s\n", sims[i].c_str());
        const double plain = mbus::test::median(cpu[i][0]);
        const double http = mbus::test::median(cpu[i][1]);
        for (std::size_t v = 0; v < variants; ++v) {
            const double c = mbus::test::median(cpu[i][v]);
            std::printf("    %-24s %8.1f us/request  %.2fx plain  %.2fx --http\n", variant_names[v], c,
                        plain > 0 ? c / plain : 0.0, http > 0 ? c / http : 0.0);
        }
        std::printf("    the subscriber got %.0f records, was told of %.0f dropped (median of rounds; "
                    "%d requests make %d records)\n",
                    mbus::test::median(streamed[i]), mbus::test::median(dropped[i]), requests + 1,
                    2 * (requests + 1));
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    int requests = 2000;
    int rounds = 3;
    bool control = false;
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
        else if (a == "--control")
            control = true;
        else
            sims.push_back(a);
    }
    if (sims.empty()) sims.push_back(MBUS_SIM_EXE);
    // The demo meter answers at 3.
    const unsigned char address = 3;
    if (control) {
        if (scenario.empty()) scenario = std::string(MBUS_SOURCE_DIR) + "/tests/bench/perf_table.toml";
        return control_table(sims, scenario, requests, rounds, address);
    }
    std::vector<std::vector<double>> cpu(sims.size()), rate(sims.size());
    for (int r = 0; r < rounds; ++r)
        for (std::size_t i = 0; i < sims.size(); ++i) {
            const auto m = measure(sims[i], scenario, requests, address);
            if (!m.f.ok) {
                std::fprintf(stderr, "%s: the run did not complete\n", sims[i].c_str());
                return 1;
            }
            cpu[i].push_back(m.f.cpu_us);
            rate[i].push_back(m.f.per_s);
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
