#include <mbus/core/text.hpp>
#include <mbus/runtime/log.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <chrono>
#include <ostream>

namespace mbus::runtime {

namespace {

double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double ms(std::chrono::microseconds d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string names(const std::vector<std::string>& answered_by) {
    return answered_by.empty() ? std::string("nobody") : fmt::format("{}", fmt::join(answered_by, ","));
}

} // namespace

logger::logger(std::ostream& out, verbosity level, time_point origin, std::string prefix)
    : out_(out), level_(level), origin_(origin), prefix_(std::move(prefix)) {}

void logger::line(std::string_view text, double t) {
    // One write per line, flushed: the log interleaves sanely with other output and shows up at once.
    // Meter names and notes come from scenario files and peers: escaped, they cannot forge a line.
    out_ << fmt::format("[{:9.3f}] {}{}\n", t, printable(prefix_), printable(text)) << std::flush;
}

void logger::line(std::string_view text, time_point at) {
    line(text, std::chrono::duration<double>(at - origin_).count());
}

void logger::detail(std::string_view text) {
    if (level_ == verbosity::verbose) out_ << fmt::format("{:12}{}\n", "", printable(text)) << std::flush;
}

void logger::write(const harness::entry& e) {
    if (const auto* x = std::get_if<harness::exchange>(&e)) {
        exchange(*x);
        return;
    }
    const auto& n = std::get<harness::notice>(e);
    if (n.error) {
        line("error: " + n.text, n.line.t);
        return;
    }
    if (level_ == verbosity::quiet) return;
    line(n.text, n.line.t);
    if (n.line.kind == harness::record_kind::junk) detail(to_hex(n.line.raw));
}

void logger::exchange(const harness::exchange& x) {
    using harness::fate;
    const auto& rq = x.request;
    const auto& out = x.outcome;
    const auto id = rq.session;
    if (x.end == fate::write_failed) {
        // Shown even when quiet: the master did not get what the bus answered.
        if (level_ == verbosity::quiet) {
            line(fmt::format("error: #{} cannot write the answer: {}", id, x.error), out.t);
            return;
        }
    }
    if (level_ == verbosity::quiet) return;
    line(fmt::format("#{} > {}", id, rq.summary), rq.t);
    detail(to_hex(rq.raw));
    if (rq.line_baud != 0) detail(fmt::format("line {} baud", rq.line_baud));
    for (const auto& what : out.injected)
        line(fmt::format("#{} ! INJECTED {}", id, what), rq.t);
    switch (x.end) {
    case fate::silent:
        line(fmt::format("#{} - no answer{}", id, out.injected.empty() ? "" : " (fault injected)"), out.t);
        break;
    case fate::answered:
        if (out.collision)
            line(fmt::format("#{} < COLLISION {} bytes from {}{}: {}", id, out.raw.size(),
                             names(out.answered_by),
                             x.intact_from.empty() ? "" : ", intact: " + x.intact_from, out.summary),
                 out.t);
        else
            line(fmt::format("#{} < {} from {}", id, out.summary, names(out.answered_by)), out.t);
        if (level_ == verbosity::verbose) {
            detail(to_hex(out.raw));
            detail(fmt::format("delay {:.1f} ms (chosen {:.1f} ms), {:.1f} ms on the wire{} at {} baud",
                               ms(x.since_request), ms(x.chosen_delay), ms(x.on_wire),
                               x.paced ? " paced" : "", x.baud));
        }
        break;
    case fate::gone: line(fmt::format("#{} gone before its answer", id), out.t); break;
    case fate::write_failed:
        line(fmt::format("error: #{} cannot write the answer: {}", id, x.error), out.t);
        break;
    case fate::stopped: break;
    }
    for (const auto& note : x.notes)
        detail(note);
}

void logger::info(std::string_view text) {
    if (level_ != verbosity::quiet) line(text, clock::now());
}

void logger::error(std::string_view text) { line(fmt::format("error: {}", text), clock::now()); }

void logger::summary(std::string_view why, const stats& s, duration elapsed) {
    if (level_ == verbosity::quiet) return;
    line(fmt::format("stopped ({}) after {:.1f} s: {}", why, std::chrono::duration<double>(elapsed).count(),
                     fmt::streamed(s)),
         clock::now());
}

void logger::kinds(const harness::counters& c) {
    if (level_ == verbosity::quiet) return;
    const auto now = clock::now();
    for (std::size_t i = 0; i < c.by_kind.size(); ++i) {
        const auto& k = c.by_kind[i];
        if (k.received == 0) continue;
        line(fmt::format("{}: {} received, {} answered, {} repeated, {} collided, {} ignored",
                         link::name(static_cast<link::request_kind>(i)), k.received, k.answered, k.repeated,
                         k.collided, k.ignored),
             now);
    }
    if (c.malformed != 0 || c.injected != 0)
        line(fmt::format("malformed: {} ({} bytes), faults injected: {}", c.malformed, c.malformed_bytes,
                         c.injected),
             now);
}

} // namespace mbus::runtime
