#include <mbus/app/record_spec.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/sim/record_value.hpp>

#include <algorithm>
#include <cfloat>
#include <cmath>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

const std::vector<std::string_view> record_keys{
    "quantity", "unit",     "resolution", "vife",     "plain_unit", "vif",
    "raw",      "function", "storage",    "tariff",   "subunit",    "type",
    "value",    "data",     "writable",   "telegram", "signed_bcd"};

// Keys that describe the DIB or VIB, which `raw` already gives as bytes.
const std::vector<std::string_view> shape_keys{"quantity", "resolution", "vife",   "plain_unit", "vif",
                                               "function", "storage",    "tariff", "subunit",    "type"};

const std::vector<std::string_view> function_names{"instantaneous", "maximum", "minimum", "error_state"};
const std::vector<std::string_view> coding_names{"int8",  "int16",  "int24",    "int32", "int48",
                                                 "int64", "real32", "bcd2",     "bcd4",  "bcd6",
                                                 "bcd8",  "bcd12",  "variable", "none"};
const std::vector<std::string_view> generator_names{"counter", "ramp", "sine", "random_walk", "now"};

std::string join_names(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names)
        s += (s.empty() ? "\"" : ", \"") + n + "\"";
    return s;
}

// 10^e as a person writes it: 0.001, 1, 100.
std::string power_text(int e) { return fmt::format("{}", std::pow(10.0, e)); }

// A record's DIB and VIB as read, and how its value is written.
struct shape {
    app::record_spec spec; // everything but the value
    app::vib_meaning vib;
    // A number in the file means number * 10^value_exponent of the VIB's unit: the unit the author
    // wrote ("kWh": 3), or the VIB's own step when no unit was written (the number is the raw field).
    int value_exponent{0};
    std::string unit_text; // for messages
    bool signed_bcd{false};

    // Powers of ten from a number in the file to the raw field.
    int shift() const { return value_exponent - vib.exponent; }
    std::string step_text() const {
        const auto step = power_text(-shift());
        return unit_text.empty() ? step : step + " " + unit_text;
    }
};

std::optional<sim::integer_range> allowed(const shape& sh) {
    auto r = sim::range_of(sh.spec.coding);
    if (r && app::is_bcd(sh.spec.coding) && !sh.signed_bcd) r->min = 0;
    return r;
}

// Why the raw number `raw` does not fit the record's coding ("does not fit int8 (-128..127)"), or
// nothing when it fits. The caller puts the subject in front.
std::optional<std::string> misfit(const shape& sh, double raw) {
    const auto c = sh.spec.coding;
    if (c == app::data_coding::real32) {
        if (std::fabs(raw) <= FLT_MAX) return std::nullopt;
        return "does not fit real32";
    }
    const auto r = allowed(sh);
    if (!r) return std::nullopt;
    if (raw < 0 && app::is_bcd(c) && !sh.signed_bcd)
        return fmt::format(
            "is negative: {} cannot hold it (set signed_bcd = true to send it with F in the top digit)",
            app::name(c));
    // int64's limits are not exact doubles: 2^63 compares equal to the max yet does not convert.
    if (raw < static_cast<double>(r->min) || raw > static_cast<double>(r->max) || raw >= 0x1p63)
        return fmt::format("does not fit {} ({}..{})", app::name(c), r->min, r->max);
    return std::nullopt;
}

bool fits(sink& s, const toml::node& at, const std::string& path, const shape& sh, double raw,
          const std::string& what) {
    const auto why = misfit(sh, raw);
    if (why) s.error(at, path, what + " " + *why);
    return !why;
}

std::string value_text(const shape& sh, double x, double raw) {
    if (sh.shift() == 0) return fmt::format("value {}", x);
    return fmt::format("value {} ({} in steps of {})", x, raw, sh.step_text());
}

// A number in the file: the raw field value, exact.
std::optional<app::value> number_value(sink& s, const toml::node& n, const std::string& path, const shape& sh,
                                       double x) {
    const double raw = x * std::pow(10.0, sh.shift());
    const auto c = sh.spec.coding;
    if (c == app::data_coding::real32) {
        if (!fits(s, n, path, sh, raw, value_text(sh, x, raw))) return std::nullopt;
        return app::value{raw};
    }
    if (!app::is_integer(c) && !app::is_bcd(c) && c != app::data_coding::variable) {
        s.error(n, path, fmt::format("a number cannot be sent as {}", app::name(c)));
        return std::nullopt;
    }
    const double whole = std::round(raw);
    // A value finer than the record sends would be changed on the way out: say so instead.
    if (std::fabs(whole - raw) > 1e-6 * std::max(1.0, std::fabs(raw))) {
        s.error(n, path,
                fmt::format("value {} is finer than the record's resolution ({})", x, sh.step_text()));
        return std::nullopt;
    }
    if (!fits(s, n, path, sh, whole, value_text(sh, x, whole))) return std::nullopt;
    return app::value{static_cast<std::int64_t>(whole)};
}

bool needs_time_point(sink& s, const toml::node& n, const std::string& path, const shape& sh,
                      std::string_view what) {
    if (sh.vib.time_point) return true;
    s.error(n, path,
            fmt::format("{} needs a date or time record (quantity \"date\" or \"date_time\"), not {}", what,
                        app::name(sh.vib.q)));
    return false;
}

bool needs_coding(sink& s, const toml::node& n, const std::string& path, const shape& sh,
                  std::string_view what, std::initializer_list<app::data_coding> codings,
                  std::string_view which) {
    for (const auto c : codings)
        if (sh.spec.coding == c) return true;
    s.error(n, path, fmt::format("{} needs type {}, not {}", what, which, app::name(sh.spec.coding)));
    return false;
}

std::optional<app::value> calendar_value(sink& s, const toml::node& n, const std::string& path,
                                         const shape& sh) {
    if (const auto* d = n.as_date()) {
        const auto& v = d->get();
        if (!needs_time_point(s, n, path, sh, "a date") ||
            !needs_coding(s, n, path, sh, "a date", {app::data_coding::int16}, "int16 (type G)"))
            return std::nullopt;
        auto r = app::make_date(v.year, v.month, v.day);
        if (!r) {
            s.error(n, path,
                    fmt::format("date cannot be sent: {} (years 1981..2080 fit)", r.error().message()));
            return std::nullopt;
        }
        return app::value{*r};
    }
    if (const auto* t = n.as_time()) {
        const auto& v = t->get();
        if (!needs_time_point(s, n, path, sh, "a time") ||
            !needs_coding(s, n, path, sh, "a time", {app::data_coding::int24}, "int24 (type J)"))
            return std::nullopt;
        return app::value{app::time_of_day{v.hour, v.minute, v.second}};
    }
    const auto& v = n.as_date_time()->get();
    if (!needs_time_point(s, n, path, sh, "a date-time") ||
        !needs_coding(s, n, path, sh, "a date-time", {app::data_coding::int32, app::data_coding::int48},
                      "int32 (type F) or int48 (type I)"))
        return std::nullopt;
    if (v.offset) {
        s.error(n, path, "a meter keeps local time: leave out the UTC offset");
        return std::nullopt;
    }
    if (sh.spec.coding == app::data_coding::int32 && v.time.second != 0) {
        s.error(n, path, "type F (int32) holds minutes: the seconds must be 0, or use int48 (type I)");
        return std::nullopt;
    }
    auto r =
        app::make_date_time(v.date.year, v.date.month, v.date.day, v.time.hour, v.time.minute, v.time.second);
    if (!r) {
        s.error(n, path,
                fmt::format("date-time cannot be sent: {} (years 1981..2080 fit)", r.error().message()));
        return std::nullopt;
    }
    return app::value{*r};
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

// The raw numbers a source reaches must fit the coding; a counter is checked at its start only
// (it grows without end, and the simulation clamps it when it runs past the coding's range).
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

bool source_fits(sink& s, const toml::node& n, const std::string& path, const shape& sh,
                 std::string_view what, double lo, double hi) {
    const double k = std::pow(10.0, sh.shift());
    for (const double x : {lo, hi}) {
        const double raw = std::round(x * k);
        const auto text = sh.shift() == 0
                              ? fmt::format("{} {}, which", what, x)
                              : fmt::format("{} {} ({} in steps of {}), which", what, x, raw, sh.step_text());
        if (!fits(s, n, path, sh, raw, text)) return false;
    }
    return true;
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
    const auto v = sim::fit(sim::evaluate(source, duration{0}, wall), sh.spec.coding, sh.shift(),
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

// `value` (or `data`) into the spec's value or a source. False when something was reported.
bool read_value(sink& s, const toml::table& t, const std::string& path, shape& sh,
                std::optional<sim::value_source>& source, std::uint64_t walk_seed) {
    const auto* value = t.get("value");
    const auto* data = t.get("data");
    if (value != nullptr && data != nullptr) {
        s.error(*data, child(path, "data"), "give either value or data, not both");
        return false;
    }
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
        auto v = number_value(s, *value, vpath, sh, *x);
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

// The unit a value is written in ("kWh": Wh, 3), or nullopt after reporting an unknown one.
std::optional<app::scaled_unit> read_unit(sink& s, const toml::node& n, const std::string& path) {
    const auto text = read_string(s, n, path);
    if (!text) return std::nullopt;
    const auto u = app::unit_from_name(*text);
    if (u) return *u;
    // The app's list finds names that contain what was typed; the nearest by edit distance go first.
    auto close = app::close_unit_names(*text, 10);
    std::stable_sort(close.begin(), close.end(), [&text](const std::string& a, const std::string& b) {
        return edit_distance(*text, a) < edit_distance(*text, b);
    });
    if (close.size() > 3) close.resize(3);
    s.error(n, path,
            fmt::format("unknown unit \"{}\"{}", *text,
                        close.empty() ? std::string() : "; did you mean " + join_names(close) + "?"));
    return std::nullopt;
}

// 0.01 -> -2; nullopt (reported) when not a power of ten.
std::optional<int> read_resolution(sink& s, const toml::node& n, const std::string& path) {
    const auto x = read_number(s, n, path);
    if (!x) return std::nullopt;
    if (*x > 0) {
        const double e = std::log10(*x);
        if (std::fabs(e - std::round(e)) < 1e-9) return static_cast<int>(std::lround(e));
    }
    s.error(n, path, fmt::format("resolution {} is not a power of ten (0.001, 0.01, 1, 10, ...)", *x));
    return std::nullopt;
}

// The VIB from quantity / unit / resolution / vife / plain_unit.
bool quantity_shape(sink& s, const toml::table& t, const std::string& path, shape& sh) {
    const auto* qn = t.get("quantity");
    const auto qname = read_string(s, *qn, child(path, "quantity"));
    if (!qname) return false;
    const auto q = app::quantity_from_name(*qname);
    if (!q) {
        const auto close = app::close_quantity_names(*qname, 3);
        s.error(*qn, child(path, "quantity"),
                fmt::format("unknown quantity \"{}\"{}", *qname,
                            close.empty() ? std::string() : "; did you mean " + join_names(close) + "?"));
        return false;
    }
    app::scaled_unit su{};
    std::string unit_name;
    const auto* un = t.get("unit");
    if (un != nullptr) {
        const auto u = read_unit(s, *un, child(path, "unit"));
        if (!u) return false;
        su = *u;
        unit_name = un->as_string()->get();
    }
    int step = 0;
    if (const auto* rn = t.get("resolution")) {
        const auto r = read_resolution(s, *rn, child(path, "resolution"));
        if (!r) return false;
        step = *r;
    }
    const auto code = app::find_vif(*q, su.u, su.exponent + step);
    if (!code) {
        bool unit_fits = false;
        for (int e = -15; e <= 15 && !unit_fits; ++e)
            unit_fits = app::find_vif(*q, su.u, e).has_value();
        const auto& at = un != nullptr ? *un : *qn;
        const auto key = child(path, un != nullptr ? "unit" : "quantity");
        if (!unit_fits && un == nullptr)
            s.error(
                at, key,
                fmt::format("{} needs a unit; it can be sent as: {}", app::name(*q), app::vif_options(*q)));
        else if (!unit_fits)
            s.error(at, key,
                    fmt::format("{} is not measured in \"{}\"; it can be sent as: {}", app::name(*q),
                                unit_name, app::vif_options(*q)));
        else
            s.error(at, key,
                    fmt::format("no VIF sends {} in steps of {} {}; the codes cover: {}", app::name(*q),
                                power_text(step), unit_name, app::vif_options(*q)));
        return false;
    }
    sh.spec.q = *q;
    sh.spec.u = su.u;
    sh.spec.exponent = su.exponent + step;
    sh.value_exponent = su.exponent;
    sh.unit_text = unit_name;

    if (const auto* vn = t.get("vife")) {
        const auto* a = read_array(s, *vn, child(path, "vife"));
        if (a == nullptr) return false;
        for (std::size_t i = 0; i < a->size(); ++i) {
            const auto c = read_integer(s, (*a)[i], child(child(path, "vife"), i), 0, 0x7F);
            if (!c) return false;
            sh.spec.extra_vife.push_back(static_cast<std::uint8_t>(*c));
        }
    }
    const auto* pn = t.get("plain_unit");
    if (pn != nullptr) {
        const auto text = read_string(s, *pn, child(path, "plain_unit"));
        if (!text) return false;
        if (*q != app::quantity::plain_text_unit) {
            s.error(*pn, child(path, "plain_unit"),
                    "only quantity \"plain_text_unit\" (VIF 7C) takes a plain unit");
            return false;
        }
        sh.spec.plain_text_unit = *text;
    } else if (*q == app::quantity::plain_text_unit) {
        s.error(*qn, child(path, "quantity"), "plain_text_unit needs plain_unit = \"...\" (the unit's text)");
        return false;
    }
    return true;
}

// A `unit` beside bytes that fix the VIB: the value is written in it, so it must be the VIB's unit.
bool unit_over_vib(sink& s, const toml::table& t, const std::string& path, shape& sh) {
    sh.value_exponent = sh.vib.exponent;
    sh.unit_text = sh.vib.unit_text;
    const auto* un = t.get("unit");
    if (un == nullptr) return true;
    const auto u = read_unit(s, *un, child(path, "unit"));
    if (!u) return false;
    if (u->u != sh.vib.u) {
        s.error(*un, child(path, "unit"),
                fmt::format("unit \"{}\" does not measure what the VIF sends ({})", un->as_string()->get(),
                            sh.vib.unit_text.empty() ? "no unit" : sh.vib.unit_text));
        return false;
    }
    sh.value_exponent = u->exponent;
    sh.unit_text = un->as_string()->get();
    return true;
}

bool read_coding(sink& s, const toml::table& t, const std::string& path, shape& sh) {
    const auto* n = t.get("type");
    if (n == nullptr) {
        // A date or date-time has one usual coding; for any other record the author must choose.
        if (sh.vib.time_point) {
            sh.spec.coding =
                sh.vib.q == app::quantity::date ? app::data_coding::int16 : app::data_coding::int32;
            return true;
        }
        s.error(t, path,
                fmt::format("missing key \"type\" (the data coding: {})", one_of(std::span(coding_names))));
        return false;
    }
    const auto text = read_string(s, *n, child(path, "type"));
    if (!text) return false;
    const auto c = app::coding_from_name(*text);
    if (!c || *c == app::data_coding::selection || *c == app::data_coding::special) {
        s.error(
            *n, child(path, "type"),
            c ? fmt::format("type \"{}\" is not a meter's data coding{}", *text,
                            *c == app::data_coding::special ? " (write raw = \"0F\" for manufacturer data)"
                                                            : "")
              : fmt::format("unknown type \"{}\"{}", *text,
                            closest(*text, coding_names) ? did_you_mean(*text, coding_names)
                                                         : "; expected " + one_of(std::span(coding_names))));
        return false;
    }
    sh.spec.coding = *c;
    return true;
}

bool read_dib(sink& s, const toml::table& t, const std::string& path, shape& sh) {
    const auto errors = s.size();
    if (const auto* n = t.get("function")) {
        if (const auto text = read_string(s, *n, child(path, "function"))) {
            if (const auto f = app::function_from_name(*text))
                sh.spec.function = *f;
            else
                s.error(*n, child(path, "function"),
                        fmt::format("unknown function \"{}\"{}", *text,
                                    closest(*text, function_names)
                                        ? did_you_mean(*text, function_names)
                                        : "; expected " + one_of(std::span(function_names))));
        }
    }
    if (const auto* n = t.get("storage"))
        sh.spec.storage = static_cast<std::uint64_t>(
            read_integer(s, *n, child(path, "storage"), 0, static_cast<std::int64_t>(app::max_storage))
                .value_or(0));
    if (const auto* n = t.get("tariff"))
        sh.spec.tariff = static_cast<std::uint32_t>(
            read_integer(s, *n, child(path, "tariff"), 0, app::max_tariff).value_or(0));
    if (const auto* n = t.get("subunit"))
        sh.spec.subunit = static_cast<std::uint16_t>(
            read_integer(s, *n, child(path, "subunit"), 0, app::max_subunit).value_or(0));
    return s.size() == errors;
}

bool describe_vib(sink& s, const toml::table& t, const std::string& path, shape& sh, const app::vib& v) {
    const auto m = app::describe(v);
    if (!m) {
        s.error(t, path, fmt::format("the VIF cannot be read: {}", m.error().message()));
        return false;
    }
    sh.vib = *m;
    return true;
}

// The DIB and VIB as bytes: DIF, DIFEs (while the extension bit is set), then the VIB.
struct raw_head {
    app::dib dib;
    std::optional<app::vib> vib;
};

std::optional<raw_head> split_raw(sink& s, const toml::node& n, const std::string& path, const bytes& b) {
    if (b.empty()) {
        s.error(n, path, "raw needs at least the DIF byte");
        return std::nullopt;
    }
    raw_head h;
    h.dib.dif = b[0];
    std::size_t i = 1;
    bool more = (b[0] & 0x80) != 0;
    while (more) {
        if (i >= b.size()) {
            s.error(n, path, "the last DIF/DIFE announces a DIFE (bit 7) that is not there");
            return std::nullopt;
        }
        h.dib.dife.push_back(b[i]);
        more = (b[i++] & 0x80) != 0;
    }
    const auto dif = h.dib.dif;
    if (app::coding_of(dif) == app::data_coding::special) {
        if (dif != app::special_dif::manufacturer_specific && dif != app::special_dif::more_records_follow &&
            dif != app::special_dif::idle_filler) {
            s.error(n, path, fmt::format("DIF {:02X} is not one a meter sends (0F, 1F and 2F are)", dif));
            return std::nullopt;
        }
        if (i != b.size()) {
            s.error(n, path, fmt::format("DIF {:02X} has no VIF: put its bytes in data", dif));
            return std::nullopt;
        }
        return h;
    }
    if (i >= b.size()) {
        s.error(n, path, "raw needs the VIF after the DIF");
        return std::nullopt;
    }
    auto v = app::parse_vib(bytes_view(b).subspan(i));
    if (!v) {
        s.error(n, path, fmt::format("the VIF bytes cannot be read: {}", v.error().message()));
        return std::nullopt;
    }
    h.vib = std::move(*v);
    return h;
}

std::optional<sim::record_config> raw_record(sink& s, const toml::table& t, const std::string& path,
                                             std::uint64_t walk_seed) {
    for (const auto key : shape_keys)
        if (const auto* n = t.get(key))
            s.error(*n, child(path, key),
                    fmt::format("\"{}\" cannot go with raw: the raw bytes give it", key));
    const auto* rn = t.get("raw");
    const auto b = read_hex(s, *rn, child(path, "raw"));
    if (!b) return std::nullopt;
    const auto head = split_raw(s, *rn, child(path, "raw"), *b);
    if (!head) return std::nullopt;

    const auto* data = t.get("data");
    if (!head->vib) { // DIF 0F, 1F, 2F
        if (const auto* v = t.get("value")) {
            s.error(*v, child(path, "value"), "manufacturer data has no value: give its bytes in data");
            return std::nullopt;
        }
        bytes d;
        if (data != nullptr) {
            auto x = read_hex(s, *data, child(path, "data"));
            if (!x) return std::nullopt;
            d = std::move(*x);
        }
        if (head->dib.dif == app::special_dif::idle_filler && !d.empty()) {
            s.error(*data, child(path, "data"), "an idle filler (DIF 2F) has no data");
            return std::nullopt;
        }
        return sim::record_config{sim::raw_record{{head->dib, std::nullopt, std::move(d)}}};
    }
    if (data != nullptr && t.get("value") == nullptr) {
        auto d = read_hex(s, *data, child(path, "data"));
        if (!d) return std::nullopt;
        const auto coding = app::coding_of(head->dib.dif);
        if (const auto size = app::coding_size(coding); size && *size != d->size()) {
            s.error(*data, child(path, "data"),
                    fmt::format("data has {} bytes but DIF {:02X} ({}) carries {}", d->size(), head->dib.dif,
                                app::name(coding), *size));
            return std::nullopt;
        }
        return sim::record_config{sim::raw_record{{head->dib, head->vib, std::move(*d)}}};
    }
    // Bytes for the head, a value for the data: the spec must encode back to the same DIB.
    shape sh;
    const auto dm = app::describe(head->dib);
    sh.spec.function = dm.function;
    sh.spec.storage = dm.storage;
    sh.spec.tariff = dm.tariff;
    sh.spec.subunit = dm.subunit;
    sh.spec.coding = dm.coding;
    sh.spec.raw_vib = head->vib;
    const auto canonical = app::encode_dib(dm);
    if (!canonical || *canonical != head->dib) {
        s.error(
            *rn, child(path, "raw"),
            "these DIF/DIFE bytes are not the shortest for their meaning, so a value cannot be encoded into "
            "them: give the data as bytes (data = \"...\")");
        return std::nullopt;
    }
    if (!describe_vib(s, t, path, sh, *head->vib)) return std::nullopt;
    if (!unit_over_vib(s, t, path, sh)) return std::nullopt;
    if (const auto* n = t.get("signed_bcd"))
        sh.signed_bcd = read_bool(s, *n, child(path, "signed_bcd")).value_or(false);
    std::optional<sim::value_source> source;
    if (!read_value(s, t, path, sh, source, walk_seed)) return std::nullopt;
    return sim::record_config{sim::spec_record{sh.spec, source, sh.value_exponent}};
}

} // namespace

std::optional<parsed_record> parse_record(sink& s, const toml::table& t, const std::string& path,
                                          std::uint64_t walk_seed) {
    const auto errors = s.size();
    layers(t).unknown_keys(s, path, record_keys);

    parsed_record out;
    if (const auto* n = t.get("writable"))
        out.config.writable = read_bool(s, *n, child(path, "writable")).value_or(false);
    if (const auto* n = t.get("telegram"))
        if (const auto k = read_integer(s, *n, child(path, "telegram"), 1, 255))
            out.telegram = static_cast<std::size_t>(*k);

    if (t.get("raw") != nullptr) {
        const bool writable = out.config.writable;
        auto r = raw_record(s, t, path, walk_seed);
        if (!r || s.size() != errors) return std::nullopt;
        out.config = std::move(*r);
        out.config.writable = writable;
        return out;
    }

    shape sh;
    bool ok = read_dib(s, t, path, sh);
    const auto* vif = t.get("vif");
    const auto* quantity = t.get("quantity");
    if (vif != nullptr && quantity != nullptr) {
        s.error(*vif, child(path, "vif"), "give either quantity or vif (the VIF as bytes), not both");
        return std::nullopt;
    }
    if (vif != nullptr) {
        for (const auto key : {"resolution", "vife", "plain_unit"})
            if (const auto* n = t.get(key)) {
                s.error(*n, child(path, key),
                        fmt::format("\"{}\" cannot go with vif: the VIF bytes give it", key));
                ok = false;
            }
        const auto b = read_hex(s, *vif, child(path, "vif"));
        if (!b) return std::nullopt;
        auto v = app::parse_vib(*b);
        if (!v) {
            s.error(*vif, child(path, "vif"),
                    fmt::format("the VIF bytes cannot be read: {}", v.error().message()));
            return std::nullopt;
        }
        sh.spec.raw_vib = *v;
        if (!describe_vib(s, t, path, sh, *v) || !unit_over_vib(s, t, path, sh)) return std::nullopt;
    } else if (quantity != nullptr) {
        if (!quantity_shape(s, t, path, sh)) return std::nullopt;
        const auto code = app::find_vif(sh.spec.q, sh.spec.u, sh.spec.exponent);
        auto v = app::encode_vib(*code, sh.spec.plain_text_unit, sh.spec.extra_vife);
        if (!v) {
            s.error(t, path, fmt::format("the VIF cannot be encoded: {}", v.error().message()));
            return std::nullopt;
        }
        if (!describe_vib(s, t, path, sh, *v)) return std::nullopt;
    } else {
        s.error(t, path, "a record needs quantity (with unit), vif = \"..\" or raw = \"..\"");
        return std::nullopt;
    }
    if (!read_coding(s, t, path, sh) || !ok) return std::nullopt;
    if (const auto* n = t.get("signed_bcd"))
        sh.signed_bcd = read_bool(s, *n, child(path, "signed_bcd")).value_or(false);

    std::optional<sim::value_source> source;
    if (!read_value(s, t, path, sh, source, walk_seed)) return std::nullopt;
    auto check = app::encode_record(sh.spec);
    if (!check) {
        s.error(t, path, fmt::format("the record cannot be encoded: {}", check.error().message()));
        return std::nullopt;
    }
    if (s.size() != errors) return std::nullopt;
    out.config.content = sim::spec_record{std::move(sh.spec), std::move(source), sh.value_exponent};
    return out;
}

} // namespace mbus::scenario::detail
