// [[event]]: the scenario's timeline (sim/timeline.hpp). Each table says when (`at` or
// `after_requests`), what (`action`) and to whom (`meter`, or `fault` for a fault's start and stop),
// with the action's own keys. Names are checked against the meters and faults read before.

#include <mbus/scenario/detail/exclusive_keys.hpp>
#include <mbus/scenario/detail/harness_tables.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/table_array.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/sim/meter.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

const std::vector<std::string_view> event_keys{"at",     "after_requests", "meter",  "action",
                                               "record", "value",          "status", "fault"};

enum class verb : std::uint8_t {
    join,
    leave,
    power_cycle,
    value,
    status,
    alarm,
    clear_alarm,
    start_fault,
    stop_fault
};
const std::vector<std::string_view> verb_names{"join",  "leave",       "power_cycle", "value",     "status",
                                               "alarm", "clear_alarm", "start_fault", "stop_fault"};

// The keys each action needs besides when, action and meter; the others it must not have.
std::vector<std::string_view> own_keys(verb v) {
    switch (v) {
    case verb::value: return {"record", "value"};
    case verb::status: return {"status"};
    case verb::start_fault:
    case verb::stop_fault: return {"fault"};
    default: return {};
    }
}

bool names_fault(verb v) { return v == verb::start_fault || v == verb::stop_fault; }

const std::vector<std::string_view> generator_names{"counter", "ramp", "sine", "random_walk"};

// `value = { counter = { ... } }` and the like: the generators of [[meter.record]] that make sense
// from a moment on (the date generator "now" does not change by an event).
std::optional<sim::value_source> read_generator(sink& s, const toml::table& outer, const std::string& path,
                                                std::uint64_t walk_seed) {
    if (outer.size() != 1) {
        s.error(outer, path,
                fmt::format("a value table names one generator: {}", one_of(std::span(generator_names))));
        return std::nullopt;
    }
    const auto first = *outer.begin();
    const std::string name(first.first.str());
    const auto p = child(path, name);
    if (std::find(generator_names.begin(), generator_names.end(), name) == generator_names.end()) {
        s.error(first.first.source(), p,
                fmt::format("unknown generator \"{}\"{}", name,
                            closest(name, generator_names)
                                ? did_you_mean(name, generator_names)
                                : "; expected " + one_of(std::span(generator_names))));
        return std::nullopt;
    }
    const auto* t = read_table(s, first.second, p);
    if (t == nullptr) return std::nullopt;
    return read_numeric_generator(s, name, *t, p, walk_seed);
}

std::optional<sim::value_source> read_source(sink& s, const toml::node& n, const std::string& path,
                                             std::uint64_t walk_seed) {
    if (n.is_number()) {
        const auto x = read_number(s, n, path);
        if (!x) return std::nullopt;
        return sim::constant{*x};
    }
    if (const auto* t = n.as_table()) return read_generator(s, *t, path, walk_seed);
    s.error(n, path,
            fmt::format("expected a number (the value from now on) or a generator table such as "
                        "{{ counter = {{ start = 0, rate = 1 }} }}, got {}",
                        type_name(n)));
    return std::nullopt;
}

// When the event happens.
std::optional<sim::events::trigger> read_when(sink& s, const toml::table& t, const std::string& path) {
    const auto* at = t.get("at");
    const auto* after = t.get("after_requests");
    if (both_given(s, t, path, "at", "after_requests")) return std::nullopt;
    if (after != nullptr) {
        const auto n = read_integer(s, *after, child(path, "after_requests"), 0,
                                    std::numeric_limits<std::int64_t>::max());
        if (!n) return std::nullopt;
        return sim::events::after_requests{static_cast<std::uint64_t>(*n)};
    }
    if (at == nullptr) {
        s.error(t, path,
                "missing key \"at\" (a time since the run started, such as \"2s\") or \"after_requests\" (a "
                "number of requests served)");
        return std::nullopt;
    }
    const auto d = read_duration(s, *at, child(path, "at"));
    if (!d) return std::nullopt;
    // Beyond a century the nanosecond clock would overflow; no run lasts that long.
    constexpr double max_seconds = 100.0 * 365 * 86400;
    if (!(d->count() >= 0) || d->count() > max_seconds) {
        s.error(*at, child(path, "at"),
                fmt::format("{}s is not a time since the start of the run (0 up to a century)", d->count()));
        return std::nullopt;
    }
    return sim::events::at_time{std::chrono::round<duration>(*d)};
}

// The meter `n` names, from the meters already read.
const sim::meter_config* read_meter(sink& s, const toml::node& n, const std::string& path, const scenario& sc,
                                    const name_index& meters) {
    const auto name = read_string(s, n, path);
    if (!name) return nullptr;
    if (const auto i = meters.find(*name)) return &sc.meters[*i];
    s.error(n, path, fmt::format("unknown meter \"{}\"{}", *name, meters.suggest(*name, "meters")));
    return nullptr;
}

std::optional<std::string> read_fault(sink& s, const toml::node& n, const std::string& path,
                                      const name_index& faults) {
    const auto name = read_string(s, n, path);
    if (!name) return std::nullopt;
    if (faults.contains(*name)) return name;
    if (faults.size() == 0)
        s.error(n, path,
                fmt::format("unknown fault \"{}\": the scenario has no [[fault]] with a name", *name));
    else
        s.error(n, path, fmt::format("unknown fault \"{}\"{}", *name, faults.suggest(*name, "faults")));
    return std::nullopt;
}

std::optional<sim::timeline_event> parse_event(sink& s, const toml::table& t, const std::string& path,
                                               const scenario& sc, const name_index& meters,
                                               const name_index& faults, std::uint64_t walk_seed) {
    const auto errors = s.size();
    layers(t).unknown_keys(s, path, event_keys);
    const auto when = read_when(s, t, path);

    const auto* an = t.get("action");
    if (an == nullptr) {
        s.error(t, path, fmt::format("missing key \"action\" ({})", one_of(std::span(verb_names))));
        return std::nullopt;
    }
    const auto choice = read_choice(s, *an, child(path, "action"),
                                    {"join", "leave", "power_cycle", "value", "status", "alarm",
                                     "clear_alarm", "start_fault", "stop_fault"});
    if (!choice) return std::nullopt;
    const auto v = static_cast<verb>(*choice);
    const auto action_text = verb_names[*choice];

    // Keys that belong to another action are mistakes, not extras to ignore.
    const auto mine = own_keys(v);
    for (const auto key : {"record", "value", "status", "fault"}) {
        const auto* n = t.get(key);
        if (n == nullptr || std::find(mine.begin(), mine.end(), key) != mine.end()) continue;
        s.error(*n, child(path, key),
                fmt::format("action \"{}\" takes no \"{}\"{}", action_text, key,
                            std::string_view(key) == "fault"    ? " (it goes with start_fault and stop_fault)"
                            : std::string_view(key) == "status" ? " (it goes with action = \"status\")"
                                                                : " (it goes with action = \"value\")"));
    }
    for (const auto key : mine)
        if (t.get(key) == nullptr)
            s.error(t, path, fmt::format("missing key \"{}\" (action \"{}\" needs it)", key, action_text));

    sim::timeline_event e;
    const auto* mn = t.get("meter");
    const sim::meter_config* meter = nullptr;
    if (names_fault(v)) {
        if (mn != nullptr)
            s.error(*mn, child(path, "meter"),
                    "a fault event names no meter: the [[fault]] itself says which meters it hits");
    } else if (mn == nullptr) {
        s.error(t, path, fmt::format("missing key \"meter\" (the meter that does \"{}\")", action_text));
    } else {
        meter = read_meter(s, *mn, child(path, "meter"), sc, meters);
        if (meter != nullptr) e.meter = meter->name;
    }

    switch (v) {
    case verb::join: e.what = sim::events::presence{true}; break;
    case verb::leave: e.what = sim::events::presence{false}; break;
    case verb::power_cycle: e.what = sim::events::power_cycle{}; break;
    case verb::alarm: e.what = sim::events::alarm{true}; break;
    case verb::clear_alarm: e.what = sim::events::alarm{false}; break;
    case verb::status:
        if (const auto* n = t.get("status"))
            if (const auto x = read_integer(s, *n, child(path, "status"), 0, 0xFF)) {
                if (meter != nullptr && !meter->recorded.empty())
                    s.error(*n, child(path, "status"),
                            fmt::format("meter \"{}\" replays recorded telegrams, whose status byte is fixed",
                                        meter->name));
                e.what = sim::events::status{static_cast<std::uint8_t>(*x)};
            }
        break;
    case verb::start_fault:
    case verb::stop_fault:
        if (const auto* n = t.get("fault"))
            if (auto name = read_fault(s, *n, child(path, "fault"), faults))
                e.what = sim::events::fault{std::move(*name), v == verb::start_fault};
        break;
    case verb::value: {
        const auto* rn = t.get("record");
        const auto* vn = t.get("value");
        if (rn == nullptr || vn == nullptr) break;
        const auto record = read_integer(s, *rn, child(path, "record"), 1, 10'000);
        auto source = read_source(s, *vn, child(path, "value"), walk_seed);
        if (!record || !source || meter == nullptr) break;
        const auto index = static_cast<std::size_t>(*record - 1);
        if (const auto why = sim::source_problem(*meter, index, *source)) {
            // A missing record is the record key's fault; a value out of range, the value's.
            const bool bad_record = index >= meter->records.size() || !meter->recorded.empty() ||
                                    !std::holds_alternative<sim::spec_record>(meter->records[index].content);
            s.error(bad_record ? *rn : *vn, child(path, bad_record ? "record" : "value"),
                    fmt::format("meter \"{}\": {}", meter->name, *why));
            break;
        }
        e.what = sim::events::value{index, std::move(*source)};
        break;
    }
    }
    if (s.size() != errors || !when) return std::nullopt;
    e.when = *when;
    return e;
}

} // namespace

void parse_events(sink& s, const toml::node* n, scenario& sc, const name_index& meters) {
    std::vector<std::string_view> fault_names;
    for (const auto& f : sc.faults)
        fault_names.push_back(f.name);
    // A HAN meter's faults start and stop on the timeline too (the HAN port carries them out).
    for (const auto& f : sc.han_faults)
        fault_names.push_back(f.name);
    const name_index faults(std::move(fault_names));
    for_each_top_table(s, n, "event", "event",
                       [&](const toml::table& t, const std::string& path, std::size_t i) {
                           // A random walk without a seed of its own still repeats from run to run, and
                           // differs from event to event.
                           const auto walk_seed = sc.bus.config.seed + 0x9E3779B97F4A7C15ULL * (i + 1);
                           if (auto e = parse_event(s, t, path, sc, meters, faults, walk_seed))
                               sc.events.push_back(std::move(*e));
                       });
}

} // namespace mbus::scenario::detail
