// mbus-sim run: serve a scenario's meters to real masters over a pty, TCP and/or a serial device.

#include "command.hpp"

#include <mbus/harness/jsonl.hpp>
#include <mbus/runtime/readiness.hpp>
#include <mbus/runtime/runner.hpp>
#include <mbus/scenario/demo.hpp>
#include <mbus/scenario/load.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace mbus::cli {
namespace {

namespace asio = boost::asio;

struct run_options {
    std::string scenario;
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
};

// Exit codes: 0 a clean stop (signal or stop condition), 1 a transport that cannot be opened,
// 2 a bad command line or scenario.
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

int run(const run_options& o) {
    const auto sc = load_scenario(o.scenario);
    if (!sc) return exit_scenario;

    const auto level = o.quiet     ? runtime::verbosity::quiet
                       : o.verbose ? runtime::verbosity::verbose
                                   : runtime::verbosity::normal;
    runtime::runner_options ro;
    ro.max_requests = o.max_requests;
    ro.max_duration = seconds(o.duration_s);
    ro.idle_limit = seconds(o.idle_s);

    asio::io_context io{1};
    const auto ex = io.get_executor();
    runtime::readiness ready;
    ready.meters = sc->meters.size();
    ready.scenario = scenario_name(*sc);

    // Everything is opened before the runner exists, so that a device that cannot be opened stops
    // the run before any readiness line.
    const bool want_pty = o.pty || !o.link.empty() || (o.tcp.empty() && o.serial.empty());
    transport::open_result<transport::pty> pty;
    transport::open_result<transport::tcp_listener> tcp;
    transport::open_result<transport::serial_port> serial;
    if (want_pty) {
        pty = transport::pty::open(ex, {o.link});
        if (!pty) {
            std::cerr << "mbus-sim: " << pty.message << '\n';
            return exit_transport;
        }
        ready.pty = pty->slave_path();
        ready.link = pty->link_path();
    }
    if (!o.tcp.empty()) {
        tcp = transport::tcp_listener::open(ex, o.tcp);
        if (!tcp) {
            std::cerr << "mbus-sim: " << tcp.message << '\n';
            return exit_transport;
        }
        ready.tcp = tcp->describe().substr(4); // "tcp HOST:PORT"
    }
    if (!o.serial.empty()) {
        serial = transport::serial_port::open(ex, {o.serial, o.baud != 0 ? o.baud : sc->bus.baud});
        if (!serial) {
            std::cerr << "mbus-sim: " << serial.message << '\n';
            return exit_transport;
        }
        ready.serial = o.serial;
    }

    // Both files are opened before the readiness line, so that a path that cannot be written stops
    // the run at once instead of after it.
    std::ofstream transcript_file;
    std::optional<harness::jsonl_writer> transcript;
    if (!o.transcript.empty()) {
        transcript_file.open(o.transcript, std::ios::out | std::ios::trunc);
        if (!transcript_file) {
            std::cerr << "mbus-sim: cannot write the transcript " << o.transcript << '\n';
            return exit_scenario;
        }
        transcript.emplace(transcript_file);
    }
    if (!o.counters.empty() && !std::ofstream(o.counters, std::ios::out | std::ios::app)) {
        std::cerr << "mbus-sim: cannot write the counters " << o.counters << '\n';
        return exit_scenario;
    }

    runtime::runner runner(ex, *sc, runtime::logger(std::cerr, level), ro);
    if (transcript) runner.on_record([&transcript](const harness::record& r) { transcript->write(r); });
    runner.log().info(fmt::format("scenario {} ({}): {} meters, {} timing, strict baud {}", ready.scenario,
                                  sc->source.string(), sc->meters.size(),
                                  sc->bus.timing == scenario::timing_mode::realistic ? "realistic" : "fast",
                                  sc->bus.config.strict_baud ? "on" : "off"));
    if (pty) runner.add(std::move(pty.stream));
    if (tcp) runner.add(std::move(tcp.stream));
    if (serial) runner.add(std::move(serial.stream));

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (!ec) runner.stop(sig == SIGINT ? "SIGINT" : "SIGTERM");
    });
    runner.on_stop([&] { signals.cancel(); });

    std::cout << runtime::format_readiness(ready) << std::endl; // endl: flushed, scripts wait for it
    io.run();
    runner.summary();
    if (transcript && !transcript->good()) runner.log().error("the transcript could not be written whole");
    if (!o.counters.empty()) {
        std::ofstream out(o.counters, std::ios::out | std::ios::trunc);
        out << harness::to_json(runner.kind_counters()).dump(2) << '\n';
        if (!out) runner.log().error(fmt::format("cannot write the counters {}", o.counters));
    }
    return exit_ok;
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<run_options>();
    auto* app =
        parent.add_subcommand("run", "Serve a scenario's meters to M-Bus masters over a pty, TCP or a "
                                     "serial device (default: the built-in demo on a pty)");
    app->add_option("scenario", o->scenario, "Scenario file (TOML); without one, the built-in demo");
    app->add_flag("--pty", o->pty, "Serve on a new pseudo-terminal (the default when no transport is given)");
    app->add_option("--link", o->link, "With --pty: a stable symlink to the pty device, removed on exit");
    app->add_option("--tcp", o->tcp, "Listen for raw M-Bus over TCP on [HOST:]PORT (port 0: any free port)");
    auto* serial = app->add_option("--serial", o->serial, "Serve on a serial device (8E1)");
    app->add_option("--baud", o->baud, "With --serial: its rate (default: the scenario's bus rate)")
        ->needs(serial);
    auto* quiet = app->add_flag("-q,--quiet", o->quiet, "Log errors only");
    app->add_flag("-v,--verbose", o->verbose, "Log bytes in hex, timing and what each meter did")
        ->excludes(quiet);
    app->add_option("--max-requests", o->max_requests, "Stop after serving this many requests")
        ->check(CLI::PositiveNumber);
    app->add_option("--duration", o->duration_s, "Stop after this many seconds")->check(CLI::PositiveNumber);
    app->add_option("--idle", o->idle_s, "Stop when no master has sent a byte for this many seconds")
        ->check(CLI::PositiveNumber);
    app->add_option(
        "--transcript", o->transcript,
        "Write every request, reply, silence, junk and event as JSON lines to FILE as they happen");
    app->add_option("--counters", o->counters, "Write the counters per request kind as JSON to FILE at exit");
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
