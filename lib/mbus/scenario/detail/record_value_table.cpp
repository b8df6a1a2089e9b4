// A record's value in a [[meter.record]]: a number, a date or time, "now", text, bytes, or a
// generator table. What fits the record is app's rule (record_spec.hpp); this file reads the nodes
// and reports app's answers at their place.
#include <mbus/scenario/detail/exclusive_keys.hpp>
#include <mbus/scenario/detail/record_shape.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/sim/record_value.hpp>

#include <algorithm>
#include <chrono>
#include <limits>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

const std::vector<std::string_view> generator_names{"counter", "ramp", "sine", "random_walk", "now"};

bool needs_time_point(sink& s, const toml::node& n, const std::string& path, const shape& sh,
                      std::string_view what) {
    const auto why = app::time_point_problem(sh.vib, what);
    if (why) s.error(n, path, *why);
    return !why;
}

std::optional<app::value> calendar_value(sink& s, const toml::node& n, const std::string& path,
                                         const shape& sh) {
    const auto c = sh.spec.coding;
    if (const auto* d = n.as_date()) {
        const auto& v = d->get();
        return reported(s, n, path, app::value_from_date(sh.vib, c, v.year, v.month, v.day));
    }
    if (const auto* t = n.as_time()) {
        const auto& v = t->get();
        return reported(s, n, path, app::value_from_time(sh.vib, c, v.hour, v.minute, v.second));
    }
    const auto& v = n.as_date_time()->get();
    return reported(s, n, path,
                    app::value_from_date_time(sh.vib, c, v.date.year, v.date.month, v.date.day, v.time.hour,
                                              v.time.minute, v.time.second, v.offset.has_value()));
}

// "+01:00", "-05:30", or minutes as an integer.
std::optional<std::chrono::minutes> read_utc_offset(sink& s, const toml::node& n, const std::string& path) {
    constexpr std::int64_t limit = 14 * 60;
    if (n.is_integer()) {
        const auto m = read_integer(s, n, path, -limit, limit);
        if (!m) return std::nullopt;
        return std::chrono::minutes{*m};
    }
    const auto text = read_string(s, n, path);
    if (!text) return std::nullopt;
    const auto& t = *text;
    auto digit = [&t](std::size_t i) { return i < t.size() && t[i] >= '0' && t[i] <= '9'; };
    if (t.size() == 6 && (t[0] == '+' || t[0] == '-') && digit(1) && digit(2) && t[3] == ':' && digit(4) &&
        digit(5)) {
        const int h = (t[1] - '0') * 10 + (t[2] - '0');
        const int m = (t[4] - '0') * 10 + (t[5] - '0');
        const int total = h * 60 + m;
        if (m < 60 && total <= limit) return std::chrono::minutes{t[0] == '-' ? -total : total};
    }
    s.error(n, path, fmt::format("\"{}\" is not a UTC offset (write e.g. \"+01:00\" or \"-05:30\")", t));
    return std::nullopt;
}

// The source of "now" as the record's coding wants it.
sim::value_source now_source(const shape& sh, std::chrono::minutes offset) {
    if (sh.spec.coding == app::data_coding::int16) return sim::current_date{offset};
    return sim::current_date_time{offset};
}

struct generator_params {
    sink& s;
    const toml::table& t;
    std::string path;
    std::optional<double> number(std::string_view key, std::optional<double> fallback) const {
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (!fallback) s.error(t, path, fmt::format("missing key \"{}\"", key));
            return fallback;
        }
        return read_number(s, *n, child(path, key));
    }
    std::optional<sim::seconds_d> duration(std::string_view key,
                                           std::optional<sim::seconds_d> fallback) const {
        const auto* n = t.get(key);
        if (n == nullptr) {
            if (!fallback) s.error(t, path, fmt::format("missing key \"{}\"", key));
            return fallback;
        }
        const auto d = read_duration(s, *n, child(path, key));
        if (d && d->count() <= 0) {
            s.error(*n, child(path, key), "must be longer than 0");
            return std::nullopt;
        }
        return d;
    }
};

} // namespace

std::optional<sim::value_source> read_numeric_generator(sink& s, std::string_view name, const toml::table& t,
                                                        const std::string& p, std::uint64_t walk_seed) {
    const generator_params g{s, t, p};
    const auto errors = s.size();
    const layers one{t};

    if (name == "counter") {
        one.unknown_keys(s, p, {"start", "rate", "per"});
        const auto start = g.number("start", 0.0);
        const auto rate = g.number("rate", std::nullopt);
        const auto per = g.duration("per", std::chrono::hours{1});
        if (s.size() != errors || !start || !rate || !per) return std::nullopt;
        return sim::counter{*start, *rate, *per};
    }
    if (name == "ramp") {
        one.unknown_keys(s, p, {"from", "to", "duration", "repeat"});
        const auto from = g.number("from", std::nullopt);
        const auto to = g.number("to", std::nullopt);
        const auto duration = g.duration("duration", std::nullopt);
        bool repeat = false;
        if (const auto* r = t.get("repeat")) repeat = read_bool(s, *r, child(p, "repeat")).value_or(false);
        if (s.size() != errors || !from || !to || !duration) return std::nullopt;
        return sim::ramp{*from, *to, *duration, repeat};
    }
    if (name == "sine") {
        one.unknown_keys(s, p, {"offset", "amplitude", "period", "phase"});
        const auto offset = g.number("offset", 0.0);
        const auto amplitude = g.number("amplitude", std::nullopt);
        const auto period = g.duration("period", std::nullopt);
        const auto phase = g.number("phase", 0.0);
        if (s.size() != errors || !offset || !amplitude || !period || !phase) return std::nullopt;
        if (*amplitude < 0) {
            s.error(*t.get("amplitude"), child(p, "amplitude"),
                    "must not be negative (use phase = 180 to invert)");
            return std::nullopt;
        }
        return sim::sine{*offset, *amplitude, *period, *phase};
    }
    if (name == "random_walk") {
        one.unknown_keys(s, p, {"start", "step", "min", "max", "interval", "seed"});
        const auto min = g.number("min", std::nullopt);
        const auto max = g.number("max", std::nullopt);
        const auto start = g.number("start", min);
        const auto step = g.number("step", std::nullopt);
        const auto interval = g.duration("interval", std::chrono::seconds{1});
        std::uint64_t seed = walk_seed;
        if (const auto* n = t.get("seed"))
            seed = static_cast<std::uint64_t>(
                read_integer(s, *n, child(p, "seed"), 0, std::numeric_limits<std::int64_t>::max())
                    .value_or(0));
        if (s.size() != errors || !min || !max || !start || !step || !interval) return std::nullopt;
        if (*min > *max) {
            s.error(t, p, fmt::format("min {} is above max {}", *min, *max));
            return std::nullopt;
        }
        if (*start < *min || *start > *max) {
            s.error(t, p, fmt::format("start {} is outside min..max ({}..{})", *start, *min, *max));
            return std::nullopt;
        }
        if (*step < 0) {
            s.error(*t.get("step"), child(p, "step"), "must not be negative");
            return std::nullopt;
        }
        return sim::random_walk{*start, *step, *min, *max, *interval, seed};
    }
    return std::nullopt;
}

namespace {

// The raw numbers a source reaches must fit the coding; a counter is checked at its start only
// (it grows without end, and the simulation clamps it when it runs past the coding's range).
bool source_fits(sink& s, const toml::node& n, const std::string& path, const shape& sh,
                 std::string_view what, double lo, double hi) {
    const auto why = app::range_problem(what, lo, hi, sh.spec.coding, sh.signed_bcd, sh.scale());
    if (why) s.error(n, path, *why);
    return !why;
}

// Whether every value the generator can produce fits the record's field.
bool generator_fits(sink& s, const toml::table& t, const std::string& p, const shape& sh,
                    const sim::value_source& source) {
    if (const auto* c = std::get_if<sim::counter>(&source))
        return source_fits(s, t, p, sh, "the counter starts at", c->start, c->start);
    if (const auto* r = std::get_if<sim::ramp>(&source))
        return source_fits(s, t, p, sh, "the ramp reaches", std::min(r->from, r->to),
                           std::max(r->from, r->to));
    if (const auto* w = std::get_if<sim::sine>(&source))
        return source_fits(s, t, p, sh, "the sine reaches", w->offset - w->amplitude,
                           w->offset + w->amplitude);
    if (const auto* w = std::get_if<sim::random_walk>(&source))
        return source_fits(s, t, p, sh, "the random walk may reach", w->min, w->max);
    return true;
}

std::optional<sim::value_source> generator(sink& s, const toml::table& outer, const std::string& path,
                                           const shape& sh, std::uint64_t walk_seed) {
    if (outer.size() != 1) {
        s.error(outer, path,
                fmt::format("a value table names one generator: {}", one_of(std::span(generator_names))));
        return std::nullopt;
    }
    const auto first = *outer.begin(); // a pair of references into `outer`
    const toml::key& key = first.first;
    const toml::node& node = first.second;
    const std::string name(key.str());
    const auto p = child(path, name);
    const auto* t = read_table(s, node, p);
    if (t == nullptr) return std::nullopt;
    const layers one{*t};

    if (name == "counter" || name == "ramp" || name == "sine" || name == "random_walk") {
        auto source = read_numeric_generator(s, name, *t, p, walk_seed);
        if (!source || !generator_fits(s, *t, p, sh, *source)) return std::nullopt;
        return source;
    }
    if (name == "now") {
        one.unknown_keys(s, p, {"utc_offset"});
        std::chrono::minutes offset{0};
        if (const auto* n = t->get("utc_offset")) {
            const auto o = read_utc_offset(s, *n, child(p, "utc_offset"));
            if (!o) return std::nullopt;
            offset = *o;
        }
        if (!needs_time_point(s, *t, p, sh, "\"now\"")) return std::nullopt;
        return now_source(sh, offset);
    }
    s.error(key.source(), p,
            fmt::format("unknown generator \"{}\"{}", name,
                        closest(name, generator_names) ? did_you_mean(name, generator_names)
                                                       : "; expected " + one_of(std::span(generator_names))));
    return std::nullopt;
}

// A record with a source still carries a value of its own (the simulation encodes it once to learn
// the record's shape): the source's value at the start, at a wall time every date coding holds.
bool start_value(sink& s, const toml::node& n, const std::string& path, shape& sh,
                 const sim::value_source& source) {
    const wall_time wall{std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}};
    const auto v = sim::fit(sim::evaluate(source, duration{0}, wall), sh.spec.coding, sh.scale().shift,
                            sim::rounding_of(source));
    if (!v) {
        s.error(n, path,
                fmt::format("the generator's values cannot be sent as {}: {}", app::name(sh.spec.coding),
                            v.error().message()));
        return false;
    }
    sh.spec.v = v->value;
    return true;
}

} // namespace

// `value` (or `data`) into the spec's value or a source. False when something was reported.
bool read_value(sink& s, const toml::table& t, const std::string& path, shape& sh,
                std::optional<sim::value_source>& source, std::uint64_t walk_seed) {
    const auto* value = t.get("value");
    const auto* data = t.get("data");
    if (both_given(s, t, path, "value", "data")) return false;
    if (sh.spec.coding == app::data_coding::none) {
        if (value == nullptr && data == nullptr) return true;
        s.error(value != nullptr ? *value : *data, path,
                "type \"none\" sends no data: leave out value and data");
        return false;
    }
    if (data != nullptr) {
        auto b = read_hex(s, *data, child(path, "data"));
        if (!b) return false;
        sh.spec.v = std::move(*b);
        return true;
    }
    if (value == nullptr) {
        s.error(t, path,
                "missing key \"value\" (a number, \"now\", a date, or a generator table) or \"data\"");
        return false;
    }
    const auto vpath = child(path, "value");
    if (value->is_number()) {
        const auto x = read_number(s, *value, vpath);
        if (!x) return false;
        auto v =
            reported(s, *value, vpath, app::value_from_number(*x, sh.spec.coding, sh.signed_bcd, sh.scale()));
        if (!v) return false;
        sh.spec.v = std::move(*v);
        return true;
    }
    if (value->is_date() || value->is_time() || value->is_date_time()) {
        auto v = calendar_value(s, *value, vpath, sh);
        if (!v) return false;
        sh.spec.v = std::move(*v);
        return true;
    }
    if (const auto* text = value->as_string()) {
        if (text->get() == "now") {
            if (!needs_time_point(s, *value, vpath, sh, "\"now\"")) return false;
            source = now_source(sh, std::chrono::minutes{0});
            return start_value(s, *value, vpath, sh, *source);
        }
        if (sh.spec.coding == app::data_coding::variable) {
            sh.spec.v = text->get();
            return true;
        }
        s.error(*value, vpath,
                fmt::format("\"{}\" is not a value: write a number, \"now\", a date, or a generator table "
                            "(text needs type \"variable\")",
                            text->get()));
        return false;
    }
    if (const auto* g = value->as_table()) {
        source = generator(s, *g, vpath, sh, walk_seed);
        return source && start_value(s, *value, vpath, sh, *source);
    }
    s.error(
        *value, vpath,
        fmt::format("expected a number, \"now\", a date or a generator table, got {}", type_name(*value)));
    return false;
}

} // namespace mbus::scenario::detail
