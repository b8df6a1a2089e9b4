#include <mbus/sim/timeline.hpp>

#include <algorithm>
#include <ostream>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace mbus::sim {

namespace events {

std::ostream& operator<<(std::ostream& os, const trigger& t) {
    if (const auto* a = std::get_if<at_time>(&t))
        return os << fmt::format("at {}s", std::chrono::duration<double>(a->since_start).count());
    const auto n = std::get<after_requests>(t).count;
    return os << fmt::format("after {} request{}", n, n == 1 ? "" : "s");
}

} // namespace events

namespace {

// What an event does, as a sentence about its meter: `done` in the past tense (it happened), else
// in the present (it is planned).
std::string describe(const timeline_event& e, bool done) {
    const auto who = fmt::format("meter {}", e.meter);
    struct visitor {
        const std::string& who;
        bool done;
        std::string operator()(const events::presence& p) const {
            if (p.present) return who + (done ? " joined the bus" : " joins the bus");
            return who + (done ? " left the bus" : " leaves the bus");
        }
        std::string operator()(const events::power_cycle&) const {
            return who +
                   (done ? " was power-cycled (selection and link state forgotten)" : " is power-cycled");
        }
        std::string operator()(const events::value& v) const {
            return fmt::format("{} record {} {} {}", who, v.record + 1, done ? "now follows" : "follows",
                               fmt::streamed(v.source));
        }
        std::string operator()(const events::status& s) const {
            return fmt::format("{} status byte {} {:02X}", who, done ? "now" : "becomes", s.byte);
        }
        std::string operator()(const events::alarm& a) const {
            if (a.pending) return who + (done ? " raised an alarm" : " raises an alarm");
            return who + (done ? " cleared its alarm" : " clears its alarm");
        }
        std::string operator()(const events::fault& f) const {
            return fmt::format("fault '{}' {}", f.name,
                               f.active ? (done ? "started" : "starts") : (done ? "stopped" : "stops"));
        }
    };
    return std::visit(visitor{who, done}, e.what);
}

bool is_timed(const timeline_event& e) { return std::holds_alternative<events::at_time>(e.when); }

// The order events fall due in: timed ones by time, then counted ones by count.
bool falls_due_before(const timeline_event& a, const timeline_event& b) {
    if (is_timed(a) != is_timed(b)) return is_timed(a);
    if (is_timed(a))
        return std::get<events::at_time>(a.when).since_start < std::get<events::at_time>(b.when).since_start;
    return std::get<events::after_requests>(a.when).count < std::get<events::after_requests>(b.when).count;
}

} // namespace

std::ostream& operator<<(std::ostream& os, const timeline_event& e) {
    return os << fmt::format("{}: {}", fmt::streamed(e.when), describe(e, false));
}

timeline::timeline(std::vector<timeline_event> events, time_point start) : start_(start) {
    for (std::size_t i = 0; i < events.size(); ++i)
        events_.push_back({i + 1, std::move(events[i])});
    std::stable_sort(events_.begin(), events_.end(),
                     [](const pending& a, const pending& b) { return falls_due_before(a.event, b.event); });
}

std::optional<time_point> timeline::next_time() const {
    // Timed events come first in events_, earliest first.
    if (events_.empty() || !is_timed(events_.front().event)) return std::nullopt;
    return start_ + std::get<events::at_time>(events_.front().event.when).since_start;
}

std::string timeline::apply(const pending& p, const sim_now& now, bus& b, fault_engine* faults) {
    return apply(p.event, fmt::format(" (event {}, {})", p.number, fmt::streamed(p.event.when)), now, b,
                 faults);
}

std::string timeline::apply_now(const timeline_event& e, const sim_now& now, bus& b, fault_engine* faults) {
    return apply(e, " (now)", now, b, faults);
}

std::string timeline::apply(const timeline_event& e, std::string_view tag, const sim_now& now, bus& b,
                            fault_engine* faults) {
    if (const auto* f = std::get_if<events::fault>(&e.what)) {
        if (faults == nullptr)
            return fmt::format("fault '{}' not changed: the bus has no faults{}", f->name, tag);
        if (!faults->set_active(f->name, f->active))
            return fmt::format("fault '{}' not changed: there is no fault of that name{}", f->name, tag);
        return describe(e, true) + std::string(tag);
    }
    const auto index = b.find(e.meter);
    if (!index) return fmt::format("event skipped: no meter {} on the bus{}", e.meter, tag);
    auto& s = b.at(*index);
    struct visitor {
        std::size_t index;
        slave& s;
        bus& b;
        fault_engine* faults;
        const sim_now& now;
        // Empty: done; else why not.
        std::string operator()(const events::presence& p) const {
            b.set_present(index, p.present);
            return {};
        }
        std::string operator()(const events::power_cycle&) const {
            s.power_cycle();
            if (faults != nullptr) faults->power_cycled(index);
            return {};
        }
        std::string operator()(const events::value& v) const {
            if (const auto why = source_problem(s.app().config(), v.record, v.source)) return *why;
            s.app().set_source(v.record, v.source, now.mono);
            return {};
        }
        std::string operator()(const events::status& st) const {
            s.app().set_status(st.byte);
            return {};
        }
        std::string operator()(const events::alarm& a) const {
            s.set_alarm(a.pending);
            return {};
        }
        std::string operator()(const events::fault&) const { return {}; } // handled above
    };
    const auto why = std::visit(visitor{*index, s, b, faults, now}, e.what);
    if (!why.empty()) return fmt::format("event skipped: {}: {}{}", describe(e, false), why, tag);
    return describe(e, true) + std::string(tag);
}

std::vector<std::string> timeline::apply_due(const sim_now& now, std::uint64_t served, bus& b,
                                             fault_engine* faults) {
    std::vector<std::string> lines;
    std::vector<pending> left;
    for (auto& p : events_) {
        const bool due = is_timed(p.event)
                             ? now.mono >= start_ + std::get<events::at_time>(p.event.when).since_start
                             : served >= std::get<events::after_requests>(p.event.when).count;
        if (due)
            lines.push_back(apply(p, now, b, faults));
        else
            left.push_back(std::move(p));
    }
    events_ = std::move(left);
    return lines;
}

} // namespace mbus::sim
