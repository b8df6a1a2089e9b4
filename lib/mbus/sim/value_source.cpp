#include <mbus/sim/value_source.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <ostream>

#include <fmt/format.h>

namespace mbus::sim {

namespace {

// splitmix64: a counter-based generator, so step k of a walk is drawn without drawing steps 0..k-1.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Uniform in [-1, 1) for step k of the walk seeded with `seed`.
double unit_step(std::uint64_t seed, std::int64_t k) {
    const auto bits = mix(mix(seed) ^ static_cast<std::uint64_t>(k));
    return static_cast<double>(bits >> 11) * 0x1.0p-52 - 1.0; // 53 bits: [0, 2) - 1
}

double reflect(double v, double lo, double hi) {
    if (hi <= lo) return lo;
    // A step larger than the range could bounce more than once; clamping after one reflection keeps
    // the value in bounds without looping.
    if (v > hi) v = hi - (v - hi);
    if (v < lo) v = lo + (lo - v);
    return std::clamp(v, lo, hi);
}

double seconds_of(duration d) { return std::max(0.0, std::chrono::duration<double>(d).count()); }

std::chrono::local_seconds local_now(wall_time wall, std::chrono::minutes utc_offset) {
    const auto utc = std::chrono::floor<std::chrono::seconds>(wall);
    return std::chrono::local_seconds{utc.time_since_epoch() + utc_offset};
}

struct evaluator {
    double t; // seconds since the meter started
    wall_time wall;

    sample operator()(const constant& c) const { return c.value; }
    sample operator()(const counter& c) const {
        const double per = c.per.count() > 0 ? c.per.count() : 1.0;
        return c.start + c.rate * t / per;
    }
    sample operator()(const ramp& r) const {
        const double len = r.duration.count();
        if (len <= 0) return r.to;
        double x = t / len;
        if (r.repeat) x -= std::floor(x);
        x = std::min(x, 1.0);
        return r.from + (r.to - r.from) * x;
    }
    sample operator()(const sine& s) const {
        const double period = s.period.count() > 0 ? s.period.count() : 1.0;
        const double angle = 2 * std::numbers::pi * t / period + s.phase_degrees * std::numbers::pi / 180;
        return s.offset + s.amplitude * std::sin(angle);
    }
    sample operator()(const random_walk&) const { return 0.0; } // walked by value_generator
    sample operator()(const current_date& d) const {
        return std::chrono::floor<std::chrono::days>(local_now(wall, d.utc_offset));
    }
    sample operator()(const current_date_time& d) const { return local_now(wall, d.utc_offset); }
};

} // namespace

rounding rounding_of(const value_source& s) {
    return std::holds_alternative<counter>(s) ? rounding::floor : rounding::nearest;
}

sample value_generator::at(duration elapsed, wall_time wall) {
    const auto* w = std::get_if<random_walk>(&source_);
    if (w == nullptr) return std::visit(evaluator{seconds_of(elapsed), wall}, source_);

    const double interval = w->interval.count() > 0 ? w->interval.count() : 1.0;
    const auto target = static_cast<std::int64_t>(std::floor(seconds_of(elapsed) / interval));
    if (walk_steps_ < 0 || target < walk_steps_) {
        walk_steps_ = 0;
        walk_value_ = std::clamp(w->start, w->min, std::max(w->min, w->max));
    }
    for (; walk_steps_ < target; ++walk_steps_)
        walk_value_ = reflect(walk_value_ + w->step * unit_step(w->seed, walk_steps_), w->min, w->max);
    return walk_value_;
}

sample evaluate(const value_source& s, duration elapsed, wall_time wall) {
    value_generator g{s};
    return g.at(elapsed, wall);
}

namespace {
struct printer {
    std::ostream& os;
    void operator()(const constant& c) const { os << fmt::format("constant {}", c.value); }
    void operator()(const counter& c) const {
        os << fmt::format("counter start={} rate={} per {}s", c.start, c.rate, c.per.count());
    }
    void operator()(const ramp& r) const {
        os << fmt::format("ramp {}..{} over {}s{}", r.from, r.to, r.duration.count(),
                          r.repeat ? " repeat" : "");
    }
    void operator()(const sine& s) const {
        os << fmt::format("sine offset={} amplitude={} period={}s phase={}deg", s.offset, s.amplitude,
                          s.period.count(), s.phase_degrees);
    }
    void operator()(const random_walk& w) const {
        os << fmt::format("random walk start={} step={} in [{}, {}] every {}s seed={}", w.start, w.step,
                          w.min, w.max, w.interval.count(), w.seed);
    }
    void operator()(const current_date& d) const {
        os << fmt::format("current date utc{:+}min", d.utc_offset.count());
    }
    void operator()(const current_date_time& d) const {
        os << fmt::format("current date-time utc{:+}min", d.utc_offset.count());
    }
};
} // namespace

std::ostream& operator<<(std::ostream& os, const value_source& s) {
    std::visit(printer{os}, s);
    return os;
}

std::ostream& operator<<(std::ostream& os, const sample& s) {
    if (const auto* d = std::get_if<double>(&s)) return os << fmt::format("{}", *d);
    const auto t = std::get<std::chrono::local_seconds>(s);
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{t - day};
    return os << fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                             static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                             hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

} // namespace mbus::sim
