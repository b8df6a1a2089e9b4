// mbus-sim test: run a master under test against a scenario's bus and judge it by the scenario's
// [[expect]] tables, for CI.
//
// The simulator runs in this process on one io_context; the master is a child process in its own
// process group (so that a timeout kills a shell and whatever it started), reaped through a SIGCHLD
// signal_set. Its stdout and stderr pass through (with --json its stdout goes to stderr, so that
// stdout holds only the report).

#include "command.hpp"
#include "pty_shim.hpp"

#include <mbus/harness/expect.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/harness/junit.hpp>
#include <mbus/runtime/child_process.hpp>
#include <mbus/runtime/log.hpp>
#include <mbus/runtime/runner.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/transport/pty.hpp>
#include <mbus/transport/tcp.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

namespace mbus::cli {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Exit codes, as the README lists them for CI jobs.
constexpr int exit_held = 0;
constexpr int exit_failed = 1; // an expectation failed, the master timed out (or failed, if required)
constexpr int exit_usage = 2;  // a bad command line or scenario, a command that cannot be started
constexpr int exit_silent = 3; // the master never sent a byte

// Answers the master asked for just before it exited may still be on their way (the response delay,
// a paced long frame): they belong in the transcript the verdicts read.
constexpr auto grace = 300ms;
// After SIGTERM on a timeout, the master's group gets this long before SIGKILL.
constexpr auto kill_grace = 2s;

struct test_options {
    std::string scenario;
    std::vector<std::string> command;
    std::string tcp; // empty: no listener unless the command names one; else HOST:PORT (port 0: any)
    double timeout_s{60};
    std::string transcript;
    std::string junit; // JUnit XML report
    bool json{false};
    bool require_success{false};
    bool verbose{false};
    bool quiet{false};
    bool no_pty_shim{false};
    bool no_realtime{false};
};

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

bool mentions_tcp(const std::vector<std::string>& args) {
    for (const auto& a : args)
        if (a.find("{port}") != std::string::npos || a.find("{host}") != std::string::npos ||
            a.find("{tcp}") != std::string::npos)
            return true;
    return false;
}

struct places {
    std::string pty;
    std::string host;
    std::string port;
};

std::vector<std::string> substitute(const std::vector<std::string>& args, const places& p) {
    std::vector<std::string> out;
    for (auto a : args) {
        a = replace_all(std::move(a), "{pty}", p.pty);
        a = replace_all(std::move(a), "{host}", p.host);
        a = replace_all(std::move(a), "{port}", p.port);
        a = replace_all(std::move(a), "{tcp}", p.host + ":" + p.port);
        out.push_back(std::move(a));
    }
    return out;
}

// The master as it ended.
struct master_status {
    pid_t pid{-1};
    bool exited{false};
    int code{0};   // exit status, or 128 + signal
    int signal{0}; // the signal that ended it, if one did
    bool timed_out{false};
    double seconds{0}; // since the run started
};

std::string describe(const master_status& m, double timeout_s) {
    if (m.timed_out) return fmt::format("killed after the timeout of {} s", timeout_s);
    if (m.signal != 0)
        return fmt::format("ended by signal {} ({}) after {:.3f} s", m.signal, ::strsignal(m.signal),
                           m.seconds);
    return fmt::format("exit code {} after {:.3f} s", m.code, m.seconds);
}

// In a process group of its own, stdin inherited; with --json its stdout goes to stderr.
runtime::child_options master_child_options(bool stdout_to_stderr) {
    runtime::child_options c;
    c.stdin_null = false;
    if (stdout_to_stderr) c.out = runtime::output::to_stderr;
    return c;
}

double seconds_of(duration d) { return std::chrono::duration<double>(d).count(); }

int run(const test_options& o) {
    auto loaded = scenario::load(o.scenario);
    if (!loaded) {
        for (const auto& d : loaded.errors)
            std::cerr << scenario::to_string(d) << '\n';
        std::cerr << fmt::format("mbus-sim: {}: {} error{}\n", o.scenario, loaded.errors.size(),
                                 loaded.errors.size() == 1 ? "" : "s");
        return exit_usage;
    }
    const auto& sc = *loaded.value;
    if (sc.expectations.empty())
        std::cerr << fmt::format("mbus-sim: {} has no [[expect]]: only the master's exit status counts\n",
                                 o.scenario);

    // Opened before the run, so that a report that cannot be written stops it before it starts.
    std::ofstream junit_file;
    if (!o.junit.empty()) {
        junit_file.open(o.junit, std::ios::trunc);
        if (!junit_file) {
            std::cerr << fmt::format("mbus-sim: cannot write {}: {}\n", o.junit, std::strerror(errno));
            return exit_usage;
        }
    }

    std::ofstream transcript_file;
    std::optional<harness::jsonl_writer> transcript;
    if (!o.transcript.empty()) {
        transcript_file.open(o.transcript, std::ios::trunc);
        if (!transcript_file) {
            std::cerr << fmt::format("mbus-sim: cannot write {}: {}\n", o.transcript, std::strerror(errno));
            return exit_usage;
        }
        transcript.emplace(transcript_file);
    }

    asio::io_context io{1};
    const auto ex = io.get_executor();
    transport::pty_options pty_options;
    pty_options.realtime = !o.no_realtime;
    auto pty = transport::pty::open(ex, pty_options);
    if (!pty) {
        std::cerr << "mbus-sim: " << pty.message << '\n';
        return exit_usage;
    }
    places where{pty->slave_path(), {}, {}};
    transport::open_result<transport::tcp_listener> tcp;
    if (!o.tcp.empty() || mentions_tcp(o.command)) {
        // A line is written tcp:HOST:PORT wherever one is taken: --tcp=tcp:HOST:PORT too.
        std::string_view at = o.tcp.empty() ? "127.0.0.1:0" : std::string_view(o.tcp);
        if (at.starts_with("tcp:")) at.remove_prefix(4);
        tcp = transport::tcp_listener::open(ex, at);
        if (!tcp) {
            std::cerr << "mbus-sim: " << tcp.message << '\n';
            return exit_usage;
        }
        where.host = std::string(at.substr(0, at.rfind(':')));
        if (where.host.empty()) where.host = "127.0.0.1";
        where.port = std::to_string(tcp->port());
    }
    const auto args = substitute(o.command, where);

    runtime::runner runner(ex, sc);
    runtime::logger log(std::cerr, o.verbose ? runtime::verbosity::normal : runtime::verbosity::quiet,
                        runner.started());
    runner.subscribe([&log](const harness::entry& e) { log.write(e); });
    std::vector<harness::record> records;
    runner.on_record([&](const harness::record& r) {
        records.push_back(r);
        if (transcript) transcript->write(r);
    });
    runner.add(std::move(pty.stream));
    if (tcp) runner.add(std::unique_ptr<transport::listener>(std::move(tcp.stream)));

    // Both before the spawn: a master that exits at once must not slip past the SIGCHLD wait.
    asio::signal_set child_signals(io, SIGCHLD);
    asio::signal_set stop_signals(io, SIGINT, SIGTERM);
    ::setenv("MBUS_SIM_PTY", where.pty.c_str(), 1);
    // The master gets the PTY shim (pty_shim/pty_shim.c): its tcsetattr at 8E1 then works every time,
    // not only when the watch threads win their race. The environment is ours to change: this process
    // starts no other program.
    if (!o.no_pty_shim) {
        const auto shim = find_pty_shim();
        if (shim.path) {
            if (o.verbose)
                std::cerr << fmt::format("mbus-sim: the master runs with the PTY shim {}\n", *shim.path);
            ::setenv("LD_PRELOAD", prepend_preload(*shim.path, ::getenv("LD_PRELOAD")).c_str(), 1);
            // A master built with AddressSanitizer refuses to start when a preload comes before its
            // runtime, although the shim's two functions need none of it.
            ::setenv("ASAN_OPTIONS", asan_options_for_preload(::getenv("ASAN_OPTIONS")).c_str(), 1);
        } else
            std::cerr << fmt::format("mbus-sim: the PTY shim is not installed (looked for {}); the master "
                                     "runs without it\n",
                                     fmt::join(shim.looked, ", "));
    }
    if (!where.port.empty()) ::setenv("MBUS_SIM_TCP", (where.host + ":" + where.port).c_str(), 1);

    master_status master;
    runtime::child_process master_process(args, master_child_options(o.json));
    master.pid = master_process.pid();
    if (!master_process.started()) {
        std::cerr << fmt::format("mbus-sim: {}\n", master_process.error_message());
        runner.stop("the master could not be started");
        io.run();
        return exit_usage;
    }

    asio::steady_timer deadline(io);
    asio::steady_timer kill_timer(io);
    const auto end_group = [&](int sig) { master_process.signal(sig); };
    runner.on_stop([&] {
        child_signals.cancel();
        stop_signals.cancel();
        deadline.cancel();
        kill_timer.cancel();
    });

    // The master's end: reap it, leave its answers a moment to arrive, stop the bus.
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (;;) {
                if (const auto status = master_process.try_wait()) {
                    master.exited = true;
                    master.seconds = seconds_of(runner.elapsed());
                    master.code = status->code;
                    master.signal = status->signal;
                    break;
                }
                co_await child_signals.async_wait(asio::use_awaitable);
            }
            end_group(SIGTERM); // whatever the master left running in its group goes with it
            deadline.cancel();
            asio::steady_timer settle(io, grace);
            co_await settle.async_wait(asio::use_awaitable);
            runner.stop("the master exited");
        },
        asio::detached);

    // The timeout, and Ctrl-C or SIGTERM to us: end the master's group, SIGKILL if it lingers.
    const auto give_up = [&]() -> asio::awaitable<void> {
        if (master.exited) co_return;
        end_group(SIGTERM);
        kill_timer.expires_after(kill_grace);
        co_await kill_timer.async_wait(asio::use_awaitable);
        if (!master.exited) end_group(SIGKILL);
    };
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            deadline.expires_after(
                std::chrono::duration_cast<duration>(std::chrono::duration<double>(o.timeout_s)));
            co_await deadline.async_wait(asio::use_awaitable);
            master.timed_out = !master.exited;
            co_await give_up();
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            const int sig = co_await stop_signals.async_wait(asio::use_awaitable);
            std::cerr << fmt::format("mbus-sim: {}: stopping the master\n", ::strsignal(sig));
            master.timed_out = !master.exited; // it did not finish on its own
            co_await give_up();
        },
        asio::detached);

    io.run();

    harness::evaluation_context ctx;
    ctx.session_end = master.seconds;
    if (master.timed_out) ctx.session_end.reset(); // killed: its last request tells more than the kill
    std::vector<std::string> meters;
    for (const auto& m : sc.meters)
        meters.push_back(m.name);
    const auto verdicts = harness::evaluate_all(records, sc.expectations, meters, ctx);
    const bool sent = harness::master_sent_anything(records);
    bool all_held = true;
    for (const auto& v : verdicts)
        all_held = all_held && v.held;
    const bool master_ok = !master.timed_out && (!o.require_success || master.code == 0);
    const int code = !sent ? exit_silent : (all_held && master_ok) ? exit_held : exit_failed;

    if (junit_file.is_open()) {
        harness::junit_report report;
        report.suite = sc.bus.name.empty() ? o.scenario : sc.bus.name;
        report.verdicts = verdicts;
        report.master = fmt::format("{}", fmt::join(args, " "));
        report.master_output = describe(master, o.timeout_s);
        if (!sent)
            report.master_failure = "the master never sent anything";
        else if (master.timed_out)
            report.master_failure = report.master_output;
        else if (o.require_success && master.code != 0)
            report.master_failure = report.master_output + " (--require-master-success)";
        report.seconds = seconds_of(runner.elapsed());
        junit_file << harness::to_junit(report) << std::flush;
        if (!junit_file) std::cerr << fmt::format("mbus-sim: cannot write {}\n", o.junit);
    }

    if (o.json) {
        nlohmann::json j;
        j["scenario"] = o.scenario;
        j["command"] = args;
        j["master"] = {{"exit_code", master.code},
                       {"signal", master.signal},
                       {"timed_out", master.timed_out},
                       {"seconds", master.seconds},
                       {"sent_anything", sent}};
        j["expectations"] = nlohmann::json::parse(harness::to_json(verdicts));
        j["counters"] = harness::to_json(runner.kind_counters());
        j["records"] = records.size();
        j["exit_code"] = code;
        std::cout << j.dump() << std::endl;
        return code;
    }
    if (!o.quiet)
        std::cout << fmt::format("mbus-sim test: {} against {}\n",
                                 sc.bus.name.empty() ? o.scenario : sc.bus.name, fmt::join(args, " "));
    if (o.quiet) {
        for (const auto& v : verdicts)
            if (!v.held) std::cout << v; // the failures only, then the result line
    } else {
        harness::print_report(std::cout, verdicts);
    }
    if (!o.quiet)
        std::cout << fmt::format("master: {}{}\n", describe(master, o.timeout_s),
                                 master.timed_out                        ? " (FAIL)"
                                 : o.require_success && master.code != 0 ? " (FAIL: --require-master-success)"
                                                                         : "");
    if (!o.quiet) std::cout << runner.kind_counters();
    if (!sent) std::cout << "the master never sent anything (exit code 3)\n";
    std::cout << fmt::format("result: {} (exit code {})\n", code == exit_held ? "PASS" : "FAIL", code);
    return code;
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<test_options>();
    auto* app = parent.add_subcommand(
        "test", "Run a master under test against a scenario and check the scenario's [[expect]] tables.\n"
                "Placeholders in the command: {pty}, {host}, {port}, {tcp} (host:port; {host}, {port} and "
                "{tcp} open the TCP listener too).\n"
                "Exit codes: 0 every expectation held, 1 one failed (or the master timed out, or failed with "
                "--require-master-success), 2 a usage or scenario error, 3 the master never sent anything.");
    app->add_option("scenario", o->scenario, "Scenario file (TOML) with [[expect]] tables")->required();
    app->add_option("command", o->command, "-- then the master's command and its arguments")->required();
    app->add_flag("--tcp{127.0.0.1:0}", o->tcp,
                  "Also listen for raw M-Bus over TCP: on 127.0.0.1 at a free port, or --tcp=HOST:PORT "
                  "(tcp:HOST:PORT as well)");
    app->add_option("--time-limit,--timeout", o->timeout_s,
                    "Kill the master after this many seconds (default 60)")
        ->check(positive);
    app->add_option("--transcript", o->transcript, "Write every frame as JSON lines to this file");
    app->add_option("--junit", o->junit,
                    "Also write a JUnit XML report to FILE: a test case per expectation (the failing frames "
                    "in its failure) and one for the master's run");
    app->add_flag("--json", o->json,
                  "Print the report as one JSON object (the master's stdout goes to stderr)");
    app->add_flag("--require-master-success", o->require_success, "Fail unless the master exits with 0");
    auto* verbose = app->add_flag("-v,--verbose", o->verbose, "Log the simulator's traffic to stderr");
    app->add_flag("-q,--quiet", o->quiet, "Print only the failed expectations and the result line")
        ->excludes(verbose);
    app->add_flag("--no-pty-shim", o->no_pty_shim,
                  "Do not preload the PTY shim into the master (LD_PRELOAD): its tcsetattr at 8E1 on the pty "
                  "may then fail now and then, as without mbus-sim test");
    app->add_flag("--no-realtime", o->no_realtime,
                  "Keep the pty's watch threads at normal priority even where real-time priority is allowed");
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
