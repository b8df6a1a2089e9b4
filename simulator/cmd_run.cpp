// mbus-sim run: serve a scenario's meters to real masters over a pty, TCP and/or a serial device.

#include "command.hpp"

#include <mbus/control/server.hpp>
#include <mbus/han/meter.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/runtime/fleet.hpp>
#include <mbus/runtime/han_push.hpp>
#include <mbus/runtime/log.hpp>
#include <mbus/runtime/readiness.hpp>
#include <mbus/runtime/state_file.hpp>
#include <mbus/runtime/wmbus_air.hpp>
#include <mbus/scenario/demo.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/transport/pty.hpp>
#include <mbus/transport/serial.hpp>
#include <mbus/transport/tcp.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace mbus::cli {
namespace {

namespace asio = boost::asio;

struct run_options {
    std::vector<std::string> scenarios;
    bool pty{false};
    std::string link;
    std::string tcp;
    std::string serial;
    unsigned baud{0}; // 0: the scenario's bus rate
    bool quiet{false};
    bool verbose{false};
    std::uint64_t max_requests{0};
    double duration_s{0};
    double idle_s{0};
    std::string transcript; // JSON lines, written as they happen
    std::string counters;   // JSON, written at exit
    bool read_only{false};
    double connection_idle_s{300};
    std::size_t max_connections{256};
    std::string state;     // what masters wrote, kept across restarts
    std::size_t copies{1}; // each scenario this many times, as buses NAME-1 .. NAME-N
    std::string shard;     // "I/N": only every N-th bus, starting with the I-th (1-based)
    bool no_realtime{false};
    std::string http; // [HOST:]PORT of the control API; empty: none
    std::string http_token;
    std::string http_cors;
    std::size_t http_stream_queue{1024};
};

struct shard_spec {
    std::size_t index{0}; // 0-based
    std::size_t count{1};
};

std::optional<shard_spec> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos) return std::nullopt;
    try {
        std::size_t used = 0;
        const auto i = std::stoul(text.substr(0, slash), &used);
        if (used != slash) return std::nullopt;
        const auto n = std::stoul(text.substr(slash + 1), &used);
        if (used != text.size() - slash - 1 || n == 0 || i == 0 || i > n) return std::nullopt;
        return shard_spec{i - 1, n};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// A fleet of buses needs a descriptor per listener and per connection: take what the hard limit allows.
void raise_descriptor_limit(std::size_t buses) {
    rlimit l{};
    if (buses < 64 || ::getrlimit(RLIMIT_NOFILE, &l) != 0 || l.rlim_cur >= l.rlim_max) return;
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
}

// A bus anyone can reach takes SND_UD from anyone: say so where the user will see it.
void warn_if_exposed(const std::string& where, bool read_only) {
    const auto hp = transport::parse_host_port(where);
    if (!hp) return;
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(hp->host, ec);
    if (!ec && address.is_loopback()) return;
    std::cerr << fmt::format(
        "mbus-sim: warning: --tcp {} listens beyond this machine: whoever reaches it can "
        "send SND_UD (change addresses and identification, write records, switch the baud "
        "rate){}\n",
        where, read_only ? " and gets no answer: --read-only refuses them" : "; --read-only refuses them");
}

// Exit codes: 0 a clean stop (signal or stop condition), 1 a transport (or the --http port) that cannot
// be opened, 2 a bad command line or scenario (or --http beyond loopback without --http-token).
constexpr int exit_ok = 0;
constexpr int exit_transport = 1;
constexpr int exit_scenario = 2;

duration seconds(double s) { return std::chrono::duration_cast<duration>(std::chrono::duration<double>(s)); }

std::string scenario_name(const scenario::scenario& sc) {
    if (!sc.bus.name.empty()) return sc.bus.name;
    return sc.source.stem().string();
}

std::optional<scenario::scenario> load_scenario(const std::string& path) {
    if (path.empty()) return scenario::builtin_demo();
    auto r = scenario::load(path);
    if (!r) {
        for (const auto& d : r.errors)
            std::cerr << scenario::to_string(d) << '\n';
        std::cerr << fmt::format("mbus-sim: {}: {} error{}\n", path, r.errors.size(),
                                 r.errors.size() == 1 ? "" : "s");
        return std::nullopt;
    }
    return std::move(r.value);
}

// With several buses each writes its own file: "run.jsonl" -> "run.heat-meters.jsonl".
std::string per_bus(const std::string& path, const std::string& bus, std::size_t buses) {
    if (buses < 2 || path.empty()) return path;
    std::filesystem::path p(path);
    return (p.parent_path() / (p.stem().string() + "." + bus + p.extension().string())).string();
}

// With several buses, bus i listens on PORT + i (port 0: each on a free port of its own); empty when
// that is beyond 65535.
std::string tcp_for(const std::string& where, std::size_t i) {
    if (i == 0) return where;
    auto hp = transport::parse_host_port(where);
    if (!hp || hp->port == 0) return where;
    const auto port = hp->port + i;
    if (port > 65535) return {};
    const auto host = hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : hp->host;
    return fmt::format("{}:{}", host, port);
}

// One bus's transports and outputs, all opened before any readiness line, so that a device or file
// that cannot be opened stops the run before it starts.
struct bus_setup {
    scenario::scenario sc;
    std::string name;
    runtime::readiness ready;
    transport::open_result<transport::pty> pty;
    transport::open_result<transport::tcp_listener> tcp;
    transport::open_result<transport::serial_port> serial;
    std::string transcript_path;
    std::string counters_path;
    std::unique_ptr<std::ofstream> transcript_file;
    std::optional<harness::jsonl_writer> transcript;
};

int open_bus(const run_options& o, bus_setup& b, std::size_t i, std::size_t buses,
             const asio::any_io_executor& ex) {
    b.name = scenario_name(b.sc);
    b.ready.meters = !b.sc.replays.empty()     ? b.sc.replays.size()
                     : b.sc.han_meters.empty() ? b.sc.meters.size()
                                               : b.sc.han_meters.size();
    b.ready.scenario = b.name;
    // Wireless meters: a stick on the pty, or text lines on stdout (a pty only when asked for).
    const bool wireless = !b.sc.wmbus_meters.empty();
    const bool text_receiver = wireless && (b.sc.receiver.kind == scenario::receiver_kind::rtlwmbus ||
                                            b.sc.receiver.kind == scenario::receiver_kind::hex);
    if (wireless) {
        b.ready.meters = b.sc.wmbus_meters.size();
        b.ready.receiver = std::string(scenario::name_of(b.sc.receiver.kind));
        if (!o.serial.empty() || (!o.tcp.empty() && !text_receiver)) {
            std::cerr << "mbus-sim: a scenario of wireless meters is heard through a receiver stick (im871a, "
                         "amb8465) on a pty, or as text lines (rtlwmbus, hex) on stdout or --tcp: not over "
                      << (o.serial.empty() ? "--tcp with a stick" : "--serial") << '\n';
            return exit_scenario;
        }
    }
    const bool want_pty = o.pty || !o.link.empty() || (o.tcp.empty() && o.serial.empty() && !text_receiver);
    if (want_pty) {
        b.pty = transport::pty::open(ex, {o.link, !o.no_realtime});
        if (!b.pty) {
            std::cerr << "mbus-sim: " << b.pty.message << '\n';
            return exit_transport;
        }
        b.ready.pty = b.pty->slave_path();
        b.ready.link = b.pty->link_path();
    }
    if (!o.tcp.empty()) {
        const auto where = tcp_for(o.tcp, i);
        if (where.empty()) {
            std::cerr << fmt::format("mbus-sim: --tcp {}: bus {} would need a port above 65535\n", o.tcp,
                                     i + 1);
            return exit_transport;
        }
        b.tcp = transport::tcp_listener::open(ex, where);
        if (!b.tcp) {
            std::cerr << "mbus-sim: " << b.tcp.message << '\n';
            return exit_transport;
        }
        b.ready.tcp = b.tcp->describe().substr(4); // "tcp HOST:PORT"
    }
    if (!o.serial.empty()) {
        transport::serial_options so{o.serial, o.baud != 0 ? o.baud : b.sc.bus.baud};
        // A HAN port's line is its make's (Kamstrup 8N1, Aidon and Kaifa 8E1), not M-Bus's 8E1.
        if (!b.sc.han_meters.empty() && han::line_of(b.sc.han_meters.front().identity.make).parity == 'N')
            so.par = transport::parity::none;
        b.serial = transport::serial_port::open(ex, so);
        if (!b.serial) {
            std::cerr << "mbus-sim: " << b.serial.message << '\n';
            return exit_transport;
        }
        b.ready.serial = o.serial;
    }
    b.transcript_path = per_bus(o.transcript, b.name, buses);
    b.counters_path = per_bus(o.counters, b.name, buses);
    if (!b.transcript_path.empty()) {
        b.transcript_file =
            std::make_unique<std::ofstream>(b.transcript_path, std::ios::out | std::ios::trunc);
        if (!*b.transcript_file) {
            std::cerr << "mbus-sim: cannot write the transcript " << b.transcript_path << '\n';
            return exit_scenario;
        }
        b.transcript.emplace(*b.transcript_file);
    }
    if (!b.counters_path.empty() && !std::ofstream(b.counters_path, std::ios::out | std::ios::app)) {
        std::cerr << "mbus-sim: cannot write the counters " << b.counters_path << '\n';
        return exit_scenario;
    }
    return exit_ok;
}

int run(run_options o) {
    // A line is written tcp:HOST:PORT wherever one is taken (scan, read): --tcp takes that form too.
    if (o.tcp.starts_with("tcp:")) o.tcp.erase(0, 4);
    const auto paths = o.scenarios.empty() ? std::vector<std::string>{""} : o.scenarios;
    shard_spec shard;
    if (!o.shard.empty()) {
        const auto s = parse_shard(o.shard);
        if (!s) {
            std::cerr << fmt::format("mbus-sim: --shard {}: expected I/N with 1 <= I <= N (e.g. 2/8)\n",
                                     o.shard);
            return exit_scenario;
        }
        shard = *s;
    }
    // Before the buses: their streams must close while the io_context they use still exists.
    // One thread runs it, and only that thread starts or completes operations on its sockets, timers,
    // descriptors and signal_set: the only other threads, a pty's termios watches, just post() to it.
    // So the reactor's lock per socket, taken and released around every read and write, guards nothing
    // here and is left out (UNSAFE_IO); the scheduler keeps its lock for those posts (and would let an
    // async resolve work). Like 1, the hint tells Asio that one thread runs it.
    asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    const auto ex = io.get_executor();
    // Bus k of all (scenario by scenario, copy by copy) listens on PORT + k whichever shard runs it,
    // so that the shards of a fleet together cover one port range.
    std::vector<bus_setup> buses;
    std::vector<std::size_t> bus_number;
    std::size_t k = 0;
    for (const auto& path : paths) {
        auto sc = load_scenario(path);
        if (!sc) return exit_scenario;
        for (std::size_t c = 0; c < o.copies; ++c, ++k) {
            if (k % shard.count != shard.index) continue;
            auto& b = buses.emplace_back();
            b.sc = *sc;
            if (o.copies > 1) {
                b.sc.bus.name = fmt::format("{}-{}", scenario_name(*sc), c + 1);
                b.sc.bus.config.seed += c; // copies differ in their timing as real buses do
            }
            bus_number.push_back(k);
        }
    }
    const auto n = buses.size();
    if (n == 0) {
        std::cerr << fmt::format("mbus-sim: --shard {} leaves no bus of the {} to run\n", o.shard, k);
        return exit_scenario;
    }
    if (n > 1 && (!o.link.empty() || !o.serial.empty())) {
        std::cerr << "mbus-sim: --link and --serial serve one bus: give one scenario with them\n";
        return exit_scenario;
    }
    raise_descriptor_limit(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (scenario_name(buses[i].sc) == scenario_name(buses[j].sc)) {
                std::cerr << fmt::format(
                    "mbus-sim: two buses are named {}: give each scenario its own [bus] name\n",
                    scenario_name(buses[i].sc));
                return exit_scenario;
            }

    const auto level = o.quiet     ? runtime::verbosity::quiet
                       : o.verbose ? runtime::verbosity::verbose
                                   : runtime::verbosity::normal;
    runtime::runner_options ro;
    ro.max_requests = o.max_requests;
    ro.max_duration = seconds(o.duration_s);
    ro.idle_limit = seconds(o.idle_s);
    ro.read_only = o.read_only;
    ro.session_idle = seconds(o.connection_idle_s);
    ro.max_sessions = o.max_connections;
    if (!o.tcp.empty()) warn_if_exposed(o.tcp, o.read_only);

    for (std::size_t i = 0; i < n; ++i)
        if (const int rc = open_bus(o, buses[i], bus_number[i], n, ex); rc != exit_ok) return rc;

    // Before the fleet: its buses report to it until they are gone.
    std::optional<runtime::state_file> state;
    if (!o.state.empty()) {
        std::string error;
        state = runtime::state_file::open(o.state, error);
        if (!state) {
            std::cerr << "mbus-sim: --state " << error << '\n';
            return exit_scenario;
        }
    }

    // A HAN port (a meter's pushes, or a replay) goes out on every stream the bus was given.
    const auto attach = [](runtime::han_port& port, auto& b, runtime::logger& log) {
        if (b.pty) port.add(std::unique_ptr<transport::byte_stream>(std::move(b.pty.stream)));
        if (b.tcp) {
            log.info(fmt::format("listening on {}", b.tcp->describe()));
            port.add(std::unique_ptr<transport::listener>(std::move(b.tcp.stream)));
        }
        if (b.serial) port.add(std::unique_ptr<transport::byte_stream>(std::move(b.serial.stream)));
    };
    runtime::fleet fleet(ex);
    std::vector<runtime::logger> logs;
    // After the fleet, which stops them, and the logs they write to: they go first.
    std::vector<std::unique_ptr<runtime::han_port>> han_ports;
    std::vector<std::size_t> han_bus; // the bus of each HAN port
    std::vector<bool> han_replay;     // whether it sends a replay (its pushes are chunks)
    std::vector<std::unique_ptr<runtime::wmbus_air>> airs;
    logs.reserve(n);
    for (auto& b : buses) {
        // A HAN port starts and stops its own faults: its timeline's fault events go to it, not to
        // the runner (which has no HAN faults and would skip them).
        std::vector<sim::timeline_event> han_events;
        if (!b.sc.han_meters.empty()) {
            auto& ev = b.sc.events;
            for (auto it = ev.begin(); it != ev.end();) {
                const auto* f = std::get_if<sim::events::fault>(&it->what);
                const bool han_fault =
                    f != nullptr && std::any_of(b.sc.han_faults.begin(), b.sc.han_faults.end(),
                                                [&](const auto& h) { return h.name == f->name; });
                if (han_fault) {
                    han_events.push_back(std::move(*it));
                    it = ev.erase(it);
                } else {
                    ++it;
                }
            }
        }
        auto& runner = fleet.add(b.sc, ro);
        auto& log =
            logs.emplace_back(std::cerr, level, runner.started(), n > 1 ? b.name + " " : std::string());
        // A quiet log shows errors only, which carry their own words.
        runner.subscribe([&log](const harness::entry& e) { log.write(e); },
                         level == runtime::verbosity::quiet ? runtime::sink_reads::facts
                                                            : runtime::sink_reads::everything);
        if (b.transcript) runner.subscribe([&b](const harness::entry& e) { b.transcript->write(e); });
        if (state) {
            for (const auto& line : state->restore(runner.name(), runner.bus()))
                log.error(line);
            state->watch(runner, [&log](const std::string& line) { log.error(line); });
        }
        if (!b.sc.wmbus_meters.empty()) {
            // Wireless meters heard through a receiver; the runner (no M-Bus meters) keeps the stop
            // conditions and the summary, as for a HAN port.
            log.info(fmt::format("scenario {} ({}): {} wireless meters, receiver {}", b.name,
                                 b.sc.source.string(), b.sc.wmbus_meters.size(),
                                 scenario::name_of(b.sc.receiver.kind)));
            // Injected faults into the transcript as events, as HAN faults.
            auto& air = airs.emplace_back(std::make_unique<runtime::wmbus_air>(
                ex, b.sc.wmbus_meters, b.sc.receiver, [&log](const std::string& line) { log.info(line); },
                b.sc.wmbus_faults, b.sc.bus.config.seed,
                [&runner](const std::string& what) { runner.announce(what); }));
            air->set_clock(b.sc.bus.clock);
            if (b.pty && !(b.sc.receiver.kind == scenario::receiver_kind::rtlwmbus ||
                           b.sc.receiver.kind == scenario::receiver_kind::hex))
                air->serve(std::unique_ptr<transport::byte_stream>(std::move(b.pty.stream)));
            else if (b.tcp) // text lines to every TCP client, as a HAN port's pushes
                air->serve_lines(std::unique_ptr<transport::listener>(std::move(b.tcp.stream)));
            else
                air->print_to(std::cout);
            continue;
        }
        if (!b.sc.replays.empty()) {
            // A replay goes out as a HAN meter's pushes do, on the same port.
            const auto& r = b.sc.replays.front();
            log.info(fmt::format("scenario {} ({}): replay {} of {} ({}, {} chunks, {} bytes), speed {}{}",
                                 b.name, b.sc.source.string(), r.name, r.file, capture::name_of(r.format),
                                 r.chunks.size(), capture::total_bytes(r), r.speed,
                                 r.loop ? ", looping" : ""));
            han_bus.push_back(logs.size() - 1);
            han_replay.push_back(true);
            auto& port = han_ports.emplace_back(std::make_unique<runtime::han_port>(
                ex, r, [&log](const std::string& line) { log.info(line); }));
            attach(*port, b, log);
            continue;
        }
        if (!b.sc.han_meters.empty()) {
            // A HAN port: the meter pushes, nobody asks; the runner (no M-Bus meters) keeps the stop
            // conditions and the summary.
            const auto& m = b.sc.han_meters.front();
            const auto han_line = han::line_of(m.identity.make);
            log.info(fmt::format("scenario {} ({}): HAN port, meter {} ({} {}, {} phase{}), {} baud 8{}{}",
                                 b.name, b.sc.source.string(), m.name, sim::name_of(m.identity.make),
                                 sim::name_of(m.identity.variant), m.identity.phases,
                                 m.identity.phases == 1 ? "" : "s", han_line.baud, han_line.parity,
                                 han_line.stop_bits));
            runtime::han_port_options ho;
            ho.baud = han_line.baud;
            ho.bits_per_char = han_line.bits_per_char();
            ho.faults = b.sc.han_faults;
            ho.seed = b.sc.bus.config.seed;
            ho.clock = b.sc.bus.clock;
            // Into the transcript as events, as the runner records what it does on its own.
            ho.injected = [&runner](const std::string& what) { runner.announce(what); };
            han_bus.push_back(logs.size() - 1);
            han_replay.push_back(false);
            auto& port = han_ports.emplace_back(std::make_unique<runtime::han_port>(
                ex, b.sc.han_meters, [&log](const std::string& line) { log.info(line); }, std::move(ho)));
            port->schedule(std::move(han_events));
            attach(*port, b, log);
            continue;
        }
        log.info(fmt::format("scenario {} ({}): {} meters, {} timing, strict baud {}", b.name,
                             b.sc.source.string(), b.sc.meters.size(),
                             b.sc.bus.timing == scenario::timing_mode::realistic   ? "realistic"
                             : b.sc.bus.timing == scenario::timing_mode::immediate ? "immediate"
                                                                                   : "fast",
                             b.sc.bus.config.strict_baud ? "on" : "off"));
        if (b.pty) runner.add(std::move(b.pty.stream));
        if (b.tcp) {
            log.info(fmt::format("listening on {}", b.tcp->describe()));
            runner.add(std::unique_ptr<transport::listener>(std::move(b.tcp.stream)));
        }
        if (b.serial) runner.add(std::move(b.serial.stream));
    }

    if (state)
        for (const auto& line : state->unused_buses())
            logs.front().error(line);

    // After the fleet: it goes first, while the buses it reads still exist.
    std::unique_ptr<control::server> http;
    if (!o.http.empty()) {
        control::server_options so;
        if (!control::parse_listen(o.http, so.host, so.port)) {
            std::cerr << fmt::format(
                "mbus-sim: --http {}: expected [HOST:]PORT (e.g. 8080 or 0.0.0.0:8080)\n", o.http);
            return exit_scenario;
        }
        so.token = o.http_token;
        so.cors = o.http_cors;
        so.stream_queue = o.http_stream_queue;
        std::vector<control::bus_info> infos;
        for (std::size_t i = 0; i < n; ++i) {
            control::bus_info info{&fleet[i], {}, buses[i].sc.source.string(), nullptr, {}};
            for (std::size_t h = 0; h < han_ports.size(); ++h)
                if (han_bus[h] == i && !han_replay[h]) {
                    info.han = han_ports[h].get();
                    for (const auto& m : buses[i].sc.han_meters)
                        info.han_meters.push_back(m.name);
                }
            const auto& r = buses[i].ready;
            if (!r.pty.empty()) info.lines.push_back(r.pty);
            if (!r.tcp.empty()) info.lines.push_back("tcp:" + r.tcp);
            if (!r.serial.empty()) info.lines.push_back(r.serial);
            infos.push_back(std::move(info));
        }
        std::string error;
        http = control::server::open(ex, std::move(infos), so, error);
        if (!http) {
            std::cerr << "mbus-sim: " << error << '\n';
            return control::is_loopback(so.host) ? exit_transport : exit_scenario;
        }
        if (!control::is_loopback(so.host))
            std::cerr << fmt::format(
                "mbus-sim: warning: --http {} is exposed beyond this machine: whoever has the "
                "token can change the meters and faults of every bus\n",
                http->bound());
        for (auto& b : buses)
            b.ready.http = http->bound();
        logs.front().info(fmt::format("control API on http://{}/", http->bound()));
    }

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (!ec) fleet.stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
    });
    fleet.on_stop([&](runtime::runner* r) {
        if (r == nullptr) {
            signals.cancel();
            for (auto& p : han_ports)
                p->stop();
            for (auto& a : airs)
                a->stop();
            if (http) http->stop();
            return;
        }
        for (std::size_t i = 0; i < n; ++i)
            if (&fleet[i] == r) logs[i].info(fmt::format("stopping: {}", r->stop_reason()));
    });

    for (const auto& b : buses)
        std::cout << runtime::format_readiness(b.ready) << '\n';
    std::cout << std::flush; // scripts wait for the readiness lines
    io.run();
    for (std::size_t i = 0; i < n; ++i) {
        auto& runner = fleet[i];
        auto& b = buses[i];
        logs[i].summary(runner.stop_reason().empty() ? "running" : runner.stop_reason(), runner.counters(),
                        runner.elapsed());
        logs[i].kinds(runner.kind_counters());
        for (std::size_t h = 0; h < han_ports.size(); ++h)
            if (han_bus[h] == i && han_replay[h])
                logs[i].info(fmt::format("replayed chunks: {}", han_ports[h]->pushes()));
            else if (han_bus[h] == i)
                logs[i].info(fmt::format("HAN pushes: {}, faults injected: {}", han_ports[h]->pushes(),
                                         han_ports[h]->injected()));
        if (b.transcript && !b.transcript->good()) logs[i].error("the transcript could not be written whole");
        if (!b.counters_path.empty()) {
            std::ofstream out(b.counters_path, std::ios::out | std::ios::trunc);
            out << harness::to_json(runner.kind_counters()).dump(2) << '\n';
            if (!out) logs[i].error(fmt::format("cannot write the counters {}", b.counters_path));
        }
    }
    return exit_ok;
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<run_options>();
    auto* app =
        parent.add_subcommand("run", "Serve a scenario's meters to M-Bus masters over a pty, TCP or a "
                                     "serial device (default: the built-in demo on a pty)");
    app->add_option("scenario", o->scenarios,
                    "Scenario files (TOML), each its own bus; without one, the built-in demo");
    app->add_flag("--pty", o->pty, "Serve on a new pseudo-terminal (the default when no transport is given)");
    app->add_option("--link", o->link, "With --pty: a stable symlink to the pty device, removed on exit")
        ->check(not_empty);
    app->add_option("--tcp", o->tcp,
                    "Listen for raw M-Bus over TCP on [HOST:]PORT or tcp:HOST:PORT (port 0: any free port; "
                    "HAN pushes and rtlwmbus/hex lines go to every client); with several "
                    "scenarios bus i listens on PORT+i")
        ->check(not_empty);
    auto* serial = app->add_option("--serial", o->serial, "Serve on a serial device (8E1)")->check(not_empty);
    app->add_option("-b,--baud", o->baud, "With --serial: its rate (default: the scenario's bus rate)")
        ->needs(serial);
    app->add_flag("--no-realtime", o->no_realtime,
                  "Keep the pty's watch threads at normal priority even where real-time priority is allowed "
                  "(to see how masters fare without it)");
    auto* quiet = app->add_flag("-q,--quiet", o->quiet, "Log errors only");
    app->add_flag("-v,--verbose", o->verbose, "Log bytes in hex, timing and what each meter did")
        ->excludes(quiet);
    app->add_option("--max-requests", o->max_requests, "Stop after serving this many requests")
        ->check(positive);
    app->add_option("--time-limit,--duration", o->duration_s, "Stop after this many seconds")
        ->check(positive);
    app->add_option("--idle", o->idle_s, "Stop when no master has sent a byte for this many seconds")
        ->check(positive);
    app->add_option(
        "--transcript", o->transcript,
        "Write every request, reply, silence, junk and event as JSON lines to FILE as they happen "
        "(several buses: FILE with the bus name before its extension)");
    app->add_flag(
        "--read-only", o->read_only,
        "Refuse SND_UD that would change a meter (addresses, records, baud rate, reset): no answer, "
        "as a meter refuses it; selection still works. For shared demo rigs");
    app->add_option("--connection-idle", o->connection_idle_s,
                    "Close a TCP connection whose master sent nothing for this many seconds (default 300; 0: "
                    "never)")
        ->check(non_negative);
    app->add_option("--max-connections", o->max_connections,
                    "TCP connections served at once per bus (default 256); a further one is closed at once "
                    "and logged")
        ->check(positive);
    app->add_option("--state", o->state,
                    "Keep what masters write (primary address, identification, baud rate, written "
                    "records) in FILE (JSON), saved atomically before each write is acknowledged and "
                    "restored at start, as a real meter keeps it over a power cut; a FILE that is no "
                    "state file stops the run");
    app->add_option("--copies", o->copies,
                    "Run each scenario this many times, as buses NAME-1 .. NAME-N (each its own pty, or TCP "
                    "port PORT+k), to load-test head-ends that poll many gateways")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000}));
    app->add_option("--shard", o->shard,
                    "I/N: run only every N-th bus starting with the I-th, on the ports the whole fleet would "
                    "give them: N processes (or machines) with --shard 1/N .. N/N together run the fleet");
    auto* http =
        app->add_option("--http", o->http,
                        "Serve the control API, its WebSocket stream and the web console on [HOST:]PORT "
                        "(loopback unless HOST is given; port 0: any free port); docs/http-api.md")
            ->check(not_empty);
    app->add_option("--http-token", o->http_token,
                    "With --http: require Authorization: Bearer TOKEN (needed for a non-loopback HOST)")
        ->needs(http)
        ->check(not_empty);
    app->add_option(
           "--http-cors", o->http_cors,
           "With --http: let pages from ORIGIN call the API (Access-Control-Allow-Origin); none by default")
        ->needs(http)
        ->check(not_empty);
    app->add_option("--http-stream-queue", o->http_stream_queue,
                    "With --http: records a stream client may have waiting (default 1024, at most the 10000 "
                    "records the server keeps); beyond, it loses records and is told how many")
        ->needs(http)
        ->check(CLI::Range(std::size_t{1}, std::size_t{10000}));
    app->add_option("--counters", o->counters,
                    "Write the counters per request kind as JSON to FILE at exit (several buses: "
                    "one file each, named as for --transcript)");
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
