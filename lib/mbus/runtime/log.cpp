#include <mbus/runtime/log.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/transport/errc.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <chrono>
#include <ostream>
#include <type_traits>
#include <variant>

namespace mbus::runtime {

namespace {

double ms(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string app_summary(const app::user_data& ud) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, app::variable_data>) {
                std::string out;
                if (const auto& a = v.header.address)
                    out = fmt::format("id={} man={} ver={} medium={} ", app::id_to_string(a->id),
                                      app::manufacturer_letters(a->manufacturer), a->version,
                                      app::medium_name(a->medium));
                return out + fmt::format("records={}", v.records.size());
            } else if constexpr (std::is_same_v<T, app::fixed_data>) {
                return fmt::format("fixed id={}", app::id_to_string(v.id));
            } else if constexpr (std::is_same_v<T, app::application_error>) {
                return v.status ? fmt::format("application error {:02X}", *v.status)
                                : std::string("application error");
            } else {
                return fmt::format("{} bytes", v.data.size());
            }
        },
        ud);
}

std::string names(const std::vector<sim::answer>& answers, const sim::bus& bus) {
    std::string out;
    for (const auto& a : answers) {
        if (!out.empty()) out += ',';
        const auto& n = a.slave < bus.size() ? bus.at(a.slave).name() : std::string();
        out += n.empty() ? fmt::format("meter{}", a.slave) : n;
    }
    return out.empty() ? std::string("nobody") : out;
}

} // namespace

std::string summarize(const link::frame& f) {
    auto out = link::describe(f);
    if (f.kind != link::frame_kind::long_frame || link::c_field_name(f.c) != "RSP_UD") return out;
    const auto ud = app::decode(f.ci, f.data);
    if (!ud) return out + fmt::format(" [undecodable: {}]", ud.error().message());
    return out + " [" + app_summary(*ud) + "]";
}

std::string summarize(bytes_view wire) {
    std::string out;
    while (!wire.empty()) {
        if (!out.empty()) out += " + ";
        const auto d = link::decode(wire);
        if (!d) {
            out += fmt::format("? {} bytes ({})", wire.size(), d.error().message());
            break;
        }
        out += summarize(d->value);
        wire = wire.subspan(d->size);
    }
    return out;
}

logger::logger(std::ostream& out, verbosity level, time_point origin)
    : out_(out), level_(level), origin_(origin) {}

void logger::line(std::string_view text, time_point at) {
    const auto t = std::chrono::duration<double>(at - origin_).count();
    // One write per line, flushed: the log interleaves sanely with other output and shows up at once.
    out_ << fmt::format("[{:9.3f}] {}\n", t, text) << std::flush;
}

void logger::detail(std::string_view text) {
    if (level_ == verbosity::verbose) out_ << fmt::format("{:12}{}\n", "", text) << std::flush;
}

void logger::opened(unsigned session, std::string_view what) {
    if (level_ != verbosity::quiet) line(fmt::format("#{} open {}", session, what), clock::now());
}

void logger::closed(unsigned session, std::error_code why) {
    if (why && why != transport::errc::closed && why != std::errc::operation_canceled) {
        error(fmt::format("#{} closed: {}", session, why.message()));
        return;
    }
    if (level_ == verbosity::quiet) return;
    line(why == transport::errc::closed ? fmt::format("#{} closed: {}", session, why.message())
                                        : fmt::format("#{} closed", session),
         clock::now());
}

void logger::line_change(unsigned session, const transport::line_settings& l, std::size_t meters_at_rate,
                         bool strict_baud) {
    if (level_ == verbosity::quiet) return;
    auto text = l.baud != 0 ? fmt::format("#{} line {} baud", session, l.baud)
                            : fmt::format("#{} line rate not set", session);
    text += l.raw ? " raw" : " NOT raw (the master may see bytes changed or lost)";
    if (strict_baud && l.baud != 0)
        text += meters_at_rate == 0 ? " (strict baud: no meter listens at this rate)"
                                    : fmt::format(" (strict baud: {} meters listen)", meters_at_rate);
    line(text, clock::now());
}

void logger::request(unsigned session, const link::stream_event& ev, unsigned line_baud) {
    if (level_ == verbosity::quiet) return;
    line(fmt::format("#{} > {}", session, summarize(ev.f)), ev.last);
    detail(to_hex(ev.raw));
    if (line_baud != 0) detail(fmt::format("line {} baud", line_baud));
}

void logger::junk(unsigned session, const link::stream_event& ev) {
    if (level_ == verbosity::quiet) return;
    line(fmt::format("#{} ! junk {} bytes: {}", session, ev.raw.size(), ev.error.message()), ev.last);
    detail(to_hex(ev.raw));
}

void logger::reply(unsigned session, const sim::bus_reply& r, const sim::bus& bus, const reply_timing& t) {
    if (level_ == verbosity::quiet) return;
    const auto now = clock::now();
    if (r.silent()) {
        line(fmt::format("#{} - no answer{}", session, r.injected.empty() ? "" : " (fault injected)"), now);
    } else if (r.collision) {
        const auto intact = r.intact_from ? fmt::format(", intact: {}", bus.at(*r.intact_from).name()) : "";
        line(fmt::format("#{} < COLLISION {} bytes from {}{}: {}", session, r.wire.size(),
                         names(r.answers, bus), intact, summarize(r.wire)),
             now);
    } else {
        line(fmt::format("#{} < {} from {}", session, summarize(r.wire), names(r.answers, bus)), now);
    }
    if (level_ != verbosity::verbose) return;
    if (!r.silent()) {
        detail(to_hex(r.wire));
        detail(fmt::format("delay {:.1f} ms (chosen {:.1f} ms), {:.1f} ms on the wire{} at {} baud",
                           ms(t.since_request), ms(r.delay), ms(t.on_wire), t.paced ? " paced" : "", r.baud));
    }
    for (const auto& e : r.events) {
        const auto& n = bus.at(e.slave).name();
        detail(fmt::format("{}: {}", n.empty() ? fmt::format("meter{}", e.slave) : n,
                           e.reply.note.empty() ? std::string("ignored") : e.reply.note));
    }
}

void logger::preamble(unsigned session, const link::stream_event& ev) {
    if (level_ == verbosity::quiet) return;
    line(fmt::format("#{} preamble {} x 00", session, ev.raw.size()), ev.last);
}

void logger::injected(unsigned session, std::string_view what) {
    if (level_ != verbosity::quiet) line(fmt::format("#{} ! INJECTED {}", session, what), clock::now());
}

void logger::event(std::string_view what) {
    if (level_ != verbosity::quiet) line(fmt::format("event: {}", what), clock::now());
}

void logger::write_failed(unsigned session, std::error_code why) {
    error(fmt::format("#{} cannot write the answer: {}", session, why.message()));
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
