// mbus-sim scan --primary|--secondary LINE: find the meters on a line, as a master does: SND_NKE
// to every primary address, or a wildcard tree search by secondary address (lib/mbus/master/scan.hpp).
// Scans that talk: each meter is printed as it is found (text mode); on a terminal a progress line
// on stderr says what is probed, what was found and how long is left. SIGINT or SIGTERM ends the
// scan after the probe in flight and prints what was found so far (JSON: "complete": false).
// Exit 0 when something answered (a collision included: meters are there), 1 when nothing did or
// the line failed, 2 for usage errors, 128 + the signal when interrupted (130 for SIGINT, 143 for
// SIGTERM, as shells report them).

#include "command.hpp"
#include "line.hpp"

#include <mbus/app/manufacturer.hpp>
#include <mbus/master/scan.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <iostream>
#include <memory>
#include <sstream>

#include <unistd.h>

namespace mbus::cli {
namespace {

struct scan_options {
    line_options line;
    bool primary{false};
    bool secondary{false};
    bool hex{false};
    bool thorough{false};
    std::string ci{"52"};
    bool json{false};
    unsigned first{0};
    unsigned last{250};
    std::string mask;
    std::vector<std::string> manufacturers;
    double max_seconds{0};
    unsigned retries_on_silence{0};
};

double seconds(duration d) { return std::chrono::duration<double>(d).count(); }

// The progress line on a terminal: redrawn in place on stderr (at most ten times a second), wiped
// before anything else is printed.
class progress_line {
  public:
    explicit progress_line(bool on) : on_(on) {}

    void show(const master::scan_progress& p) {
        if (!on_) return;
        const auto now = clock::now();
        if (shown_ && now - drawn_ < std::chrono::milliseconds(100)) return;
        drawn_ = now;
        shown_ = true;
        std::cerr << fmt::format(
                         "\r\033[Kscan: {}, {} found, {} collision{}, {} probes, {:.1f} s, {}{:.0f} s left",
                         p.probing, p.found, p.collisions, p.collisions == 1 ? "" : "s", p.probes,
                         seconds(p.elapsed), p.left_at_least ? ">= " : "~", seconds(p.left))
                  << std::flush;
    }
    void wipe() {
        if (!shown_) return;
        std::cerr << "\r\033[K" << std::flush;
        shown_ = false;
    }

  private:
    bool on_;
    bool shown_{false};
    time_point drawn_{};
};

// "physical bound at 2400 baud: 251 requests (1255 bytes, 5.75 s) and 251 response windows of
// 187.5 ms = 52.82 s; elapsed 52.31 s = 0.99 x the bound"
std::string bound_text(const master::line_use& u, duration elapsed, unsigned baud) {
    const auto bound = master::physical_bound(u, baud);
    const double window_ms = 330'000.0 / baud + 50;
    const double request_s = static_cast<double>(u.request_bytes) * 11.0 / baud;
    return fmt::format(
        "physical bound at {} baud: {} requests ({} bytes, {:.2f} s) and {} response windows of "
        "{:.1f} ms = {:.2f} s; elapsed {:.2f} s = {:.2f} x the bound",
        baud, u.requests, u.request_bytes, request_s, u.requests, window_ms, seconds(bound), seconds(elapsed),
        bound.count() > 0 ? seconds(elapsed) / seconds(bound) : 0.0);
}

const char* signal_name(int sig) {
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

asio::awaitable<int> scan(const scan_options& o) {
    auto opened = co_await open_line(o.line);
    if (!opened.stream) {
        std::cerr << "mbus-sim scan: " << opened.error << '\n';
        co_return exit_nothing;
    }
    const auto mo = o.line.master(opened.stream->carried_by());
    const auto limit = std::chrono::duration_cast<duration>(std::chrono::duration<double>(o.max_seconds));
    // Frames (--verbose) scroll on stderr: no progress line among them.
    progress_line progress(::isatty(STDERR_FILENO) == 1 && !o.line.verbose && !o.line.debug && !o.line.quiet);
    const master::transcript_hook hook = frame_printer(o.line, std::cerr);
    if (o.line.verbose) std::cerr << "timing: " << mo.timing << '\n';

    // The first SIGINT or SIGTERM ends the scan after the probe in flight; a second one finds the
    // default action again (the set is cancelled once the scan is over, or at the first signal).
    asio::signal_set signals(co_await asio::this_coro::executor, SIGINT, SIGTERM);
    auto caught = std::make_shared<int>(0);
    signals.async_wait([caught](const boost::system::error_code& ec, int sig) {
        if (!ec) *caught = sig;
    });
    auto cancelled = [caught] { return *caught != 0; };
    auto interrupted = [&](std::size_t found) {
        signals.cancel();
        if (*caught == 0) return false;
        std::cerr << fmt::format("mbus-sim scan: interrupted by {}: {} found so far\n", signal_name(*caught),
                                 found);
        return true;
    };
    auto print_found = [&](const auto& what) {
        if (o.json || o.line.quiet) return;
        progress.wipe();
        std::cout << "found " << what << std::endl; // as it happens, also into a pipe
    };

    if (o.primary) {
        master::primary_scan_options po;
        po.first = static_cast<byte>(o.first);
        po.last = static_cast<byte>(o.last);
        po.max_duration = limit;
        po.retries_on_silence = o.retries_on_silence;
        po.transcript = hook;
        po.progress = [&](const master::scan_progress& p) { progress.show(p); };
        po.on_found = [&](const master::address_found& a) { print_found(a); };
        po.cancelled = cancelled;
        const auto r = co_await master::scan_primary(*opened.stream, mo, po);
        progress.wipe();
        if (o.json) {
            auto j = master::to_json(r);
            if (o.line.verbose)
                j["physical_bound_ms"] = std::chrono::duration<double, std::milli>(
                                             master::physical_bound(r.use, o.line.timing_baud()))
                                             .count();
            std::cout << j.dump(2) << '\n';
        } else {
            std::cout << r;
            if (o.line.verbose)
                std::cout << "  " << bound_text(r.use, r.elapsed, o.line.timing_baud()) << '\n';
        }
        std::cout << std::flush;
        if (interrupted(r.found.size())) co_return 128 + *caught;
        if (r.error) std::cerr << "mbus-sim scan: " << o.line.line << ": " << r.error.message() << '\n';
        if (r.found.empty() && !r.error)
            std::cerr << fmt::format("mbus-sim scan: no meter answered at addresses {}..{} on {}\n", o.first,
                                     o.last, o.line.line);
        co_return r.found.empty() || r.error ? exit_nothing : exit_found;
    }
    master::secondary_scan_options so;
    so.ci = o.ci == "56" ? app::ci::select_msb : app::ci::select;
    so.hex = o.hex;
    so.thorough = o.thorough;
    so.max_duration = limit;
    so.retries_on_silence = o.retries_on_silence;
    so.transcript = hook;
    so.progress = [&](const master::scan_progress& p) { progress.show(p); };
    so.on_found = [&](const master::meter_found& m) { print_found(m); };
    so.cancelled = cancelled;
    if (!o.mask.empty()) so.start = *master::parse_secondary(o.mask); // checked in run()
    for (const auto& m : o.manufacturers)
        so.manufacturers.push_back(*app::manufacturer_code(m));
    const auto r = co_await master::scan_secondary(*opened.stream, mo, so);
    progress.wipe();
    if (o.json) {
        auto j = master::to_json(r);
        if (o.line.verbose)
            j["physical_bound_ms"] =
                std::chrono::duration<double, std::milli>(master::physical_bound(r.use, o.line.timing_baud()))
                    .count();
        std::cout << j.dump(2) << '\n';
    } else {
        std::cout << r;
        if (o.line.verbose) std::cout << "  " << bound_text(r.use, r.elapsed, o.line.timing_baud()) << '\n';
    }
    std::cout << std::flush;
    if (interrupted(r.meters.size())) co_return 128 + *caught;
    if (r.error) std::cerr << "mbus-sim scan: " << o.line.line << ": " << r.error.message() << '\n';
    if (r.meters.empty() && r.unresolved.empty() && !r.error)
        std::cerr << fmt::format("mbus-sim scan: no meter answered a select on {}\n", o.line.line);
    co_return (r.meters.empty() && r.unresolved.empty()) || r.error ? exit_nothing : exit_found;
}

int run(const scan_options& o) {
    if (o.primary == o.secondary) {
        std::cerr << "mbus-sim scan: give --primary or --secondary\n";
        return exit_usage;
    }
    if (o.first > o.last || o.last > 250) {
        std::cerr << "mbus-sim scan: --from and --to must be 0..250, --from <= --to\n";
        return exit_usage;
    }
    if (!o.mask.empty() && !master::parse_secondary(o.mask)) {
        std::cerr << "mbus-sim scan: --mask wants 8 or 16 hex characters (F: any), e.g. 1234FFFF\n";
        return exit_usage;
    }
    for (const auto& m : o.manufacturers)
        if (!app::manufacturer_code(m)) {
            std::cerr << "mbus-sim scan: --manufacturer wants three letters A-Z, not \"" << m << "\"\n";
            return exit_usage;
        }
    return run_to_exit(scan(o));
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<scan_options>();
    auto* app = parent.add_subcommand(
        "scan", "Find the meters on an M-Bus line: by primary address (SND_NKE to 0..250) or by secondary "
                "address (a wildcard search that takes collisions apart). Each meter is printed as it is "
                "found; on a terminal a progress line shows where the scan is. Exit codes: 0 something "
                "answered (a collision too), 1 nothing answered or the line failed, 2 usage, 130 "
                "interrupted by SIGINT (143 SIGTERM): what was found so far is printed, with --json as "
                "\"complete\": false");
    auto* p = app->add_flag("--primary", o->primary, "SND_NKE to each primary address");
    auto* s = app->add_flag("--secondary", o->secondary, "Wildcard search by secondary address");
    p->excludes(s);
    app->add_flag("--hex", o->hex, "With --secondary: identification digits 0-F, not only 0-9")->needs(s);
    app->add_flag("--thorough", o->thorough,
                  "With --secondary: search below every meter found at a wildcard mask, for meters whose "
                  "answers arrive in the same instant and look like one")
        ->needs(s);
    app->add_option("--ci", o->ci,
                    "With --secondary: select with CI 52 (LSB first, default) or 56 (MSB first)")
        ->check(CLI::IsMember({"52", "56"}))
        ->needs(s);
    app->add_option("--mask", o->mask, "With --secondary: search only below this mask (e.g. 1234FFFF)")
        ->needs(s);
    // One code per --manufacturer (or KAM,SEN): a list that took every following word would swallow LINE.
    app->add_option("--manufacturer", o->manufacturers,
                    "With --secondary: another manufacturer code to try when meters share an id (repeat it, "
                    "or give KAM,SEN)")
        ->allow_extra_args(false)
        ->delimiter(',')
        ->needs(s);
    app->add_option("--from", o->first, "With --primary: the first address (default 0)")->needs(p);
    app->add_option("--to", o->last, "With --primary: the last address (default 250)")->needs(p);
    app->add_option("--time-limit,--max-seconds", o->max_seconds,
                    "Give up after this many seconds (the result says incomplete)")
        ->check(positive);
    app->add_option(
           "--retries-on-silence", o->retries_on_silence,
           "Repeats of a probe (SND_NKE, select) that got no answer (default 0: a silent address "
           "is silent, and each costs one response window); with --primary a garbled answer is repeated "
           "--retries times")
        ->check(CLI::Range(0, 10));
    app->add_flag("--json", o->json, "Print the result as JSON");
    add_line_options(*app, o->line);
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
