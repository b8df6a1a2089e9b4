// mbus-sim scan --primary|--secondary LINE: find the meters on a line, as a master does: SND_NKE
// to every primary address, or a wildcard tree search by secondary address (lib/mbus/master/scan.hpp).
// Exit 0 when something answered, 1 when nothing did or the line failed, 2 for usage errors.

#include "command.hpp"
#include "line.hpp"

#include <mbus/app/manufacturer.hpp>
#include <mbus/master/scan.hpp>

#include <boost/asio/detached.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

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
};

asio::awaitable<int> scan(const scan_options& o) {
    auto opened = co_await open_line(o.line);
    if (!opened.stream) {
        std::cerr << "mbus-sim scan: " << opened.error << '\n';
        co_return exit_nothing;
    }
    const auto mo = o.line.master();
    const auto limit = std::chrono::duration_cast<duration>(std::chrono::duration<double>(o.max_seconds));
    master::transcript_hook hook;
    if (o.line.verbose) hook = print_frames(std::cerr);
    if (o.primary) {
        master::primary_scan_options po;
        po.first = static_cast<byte>(o.first);
        po.last = static_cast<byte>(o.last);
        po.max_duration = limit;
        po.transcript = hook;
        const auto r = co_await master::scan_primary(*opened.stream, mo, po);
        if (o.json)
            std::cout << master::to_json(r).dump(2) << '\n';
        else
            std::cout << r;
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
    so.transcript = hook;
    if (!o.mask.empty()) so.start = *master::parse_secondary(o.mask); // checked in run()
    for (const auto& m : o.manufacturers)
        so.manufacturers.push_back(*app::manufacturer_code(m));
    const auto r = co_await master::scan_secondary(*opened.stream, mo, so);
    if (o.json)
        std::cout << master::to_json(r).dump(2) << '\n';
    else
        std::cout << r;
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
                "address (a wildcard search that takes collisions apart)");
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
    app->add_option("--manufacturer", o->manufacturers,
                    "With --secondary: more manufacturer codes to try when meters share an id")
        ->needs(s);
    app->add_option("--from", o->first, "With --primary: the first address (default 0)")->needs(p);
    app->add_option("--to", o->last, "With --primary: the last address (default 250)")->needs(p);
    app->add_option("--max-seconds", o->max_seconds, "Give up after this long (the result says incomplete)")
        ->check(positive);
    app->add_flag("--json", o->json, "Print the result as JSON");
    add_line_options(*app, o->line);
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
