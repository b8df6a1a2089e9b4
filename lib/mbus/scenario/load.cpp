#include <mbus/scenario/detail/han_tables.hpp>
#include <mbus/scenario/detail/harness_tables.hpp>
#include <mbus/scenario/detail/replay_tables.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/table_array.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/scenario/detail/wmbus_tables.hpp>
#include <mbus/scenario/load.hpp>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <ostream>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

namespace mbus::scenario {

namespace {

using detail::child;

const std::vector<std::string_view> top_keys{"bus",    "meter",       "han_meter", "fault", "event",
                                             "expect", "wmbus_meter", "receiver",  "replay"};

bus_settings read_bus(detail::sink& s, const toml::node* n, const std::string& shown) {
    bus_settings b;
    b.name = std::filesystem::path(shown).stem().string();
    if (n == nullptr) return b;
    const auto* t = detail::read_table(s, *n, "bus");
    if (t == nullptr) return b;
    const detail::layers l{*t};
    l.unknown_keys(s, "bus",
                   {"name", "baud", "timing", "response_delay_ms", "seed", "strict_baud", "collision",
                    "collision_fill", "echo", "clock"});
    if (const auto* x = t->get("name")) b.name = detail::read_string(s, *x, "bus.name").value_or(b.name);
    if (const auto* x = t->get("baud")) {
        if (const auto v = detail::read_integer(s, *x, "bus.baud", 0, 1'000'000); v && detail::valid_baud(*v))
            b.baud = static_cast<unsigned>(*v);
        else if (v)
            s.error(*x, "bus.baud",
                    fmt::format(
                        "{} is not an M-Bus baud rate (300, 600, 1200, 2400, 4800, 9600, 19200, 38400)", *v));
    }
    if (const auto* x = t->get("timing"))
        if (const auto i = detail::read_choice(s, *x, "bus.timing", {"fast", "realistic", "immediate"}))
            b.timing = static_cast<timing_mode>(*i);
    if (const auto* x = t->get("response_delay_ms"))
        if (const auto d = detail::read_delay(s, *x, "bus.response_delay_ms", b.baud))
            b.config.response_delay = *d;
    if (const auto* x = t->get("seed"))
        b.config.seed = static_cast<std::uint64_t>(
            detail::read_integer(s, *x, "bus.seed", 0, std::numeric_limits<std::int64_t>::max()).value_or(0));
    if (const auto* x = t->get("clock"))
        b.clock = detail::read_wall_time(s, *x, "bus.clock", "the meters' clock at the start");
    if (const auto* x = t->get("strict_baud"))
        b.config.strict_baud = detail::read_bool(s, *x, "bus.strict_baud").value_or(false);
    if (const auto* x = t->get("collision"))
        if (const auto i = detail::read_choice(s, *x, "bus.collision", {"wired_and", "level_converter"}))
            b.config.collision = static_cast<sim::collision_model>(*i);
    if (const auto* x = t->get("collision_fill")) {
        if (const auto i = detail::read_choice(s, *x, "bus.collision_fill", {"zeros", "break"}))
            b.config.fill = static_cast<sim::collision_fill>(*i);
        // The wired-AND has no fill: a key that changes nothing would mislead whoever reads the file.
        if (b.config.collision != sim::collision_model::level_converter)
            s.error(*x, "bus.collision_fill", "applies only to collision = \"level_converter\"");
    }
    if (const auto* x = t->get("echo")) b.config.echo = detail::read_bool(s, *x, "bus.echo").value_or(false);
    return b;
}

load_result from_text(std::string_view text, const std::string& shown) {
    detail::sink s;
    auto root = detail::parse_toml(s, text, shown);
    if (!root) return {std::nullopt, s.take()};

    // A model file given where a scenario is expected: say so once rather than flag every key.
    if (root->get("meter") == nullptr && root->get("bus") == nullptr && !root->empty() &&
        std::all_of(root->begin(), root->end(),
                    [](const auto& kv) { return detail::is_meter_key(kv.first.str()); })) {
        s.error(*root, {},
                "this is a meter model (meter keys at the top level, no [[meter]]): a scenario uses it with "
                "model = \"...\" in a [[meter]] table");
        return {std::nullopt, s.take()};
    }

    for (const auto& [k, v] : *root) {
        if (std::find(top_keys.begin(), top_keys.end(), k.str()) != top_keys.end()) continue;
        s.error(k.source(), std::string(k.str()),
                fmt::format("unknown key \"{}\"{}", k.str(), detail::did_you_mean(k.str(), top_keys)));
    }

    scenario sc;
    sc.source = shown;
    sc.bus = read_bus(s, root->get("bus"), shown);

    detail::model_store models;
    // Where each meter came from, to name both places of a name used twice.
    std::vector<std::pair<const toml::table*, std::string>> origin;
    const auto* mn = root->get("meter");
    const auto* hn = root->get("han_meter");
    const auto* wn = root->get("wmbus_meter");
    const auto* rn = root->get("replay");
    if (wn == nullptr && root->get("receiver") != nullptr)
        s.error(*root->get("receiver"), "receiver",
                "a [receiver] hears [[wmbus_meter]]s: this scenario has none");
    if (rn != nullptr && (mn != nullptr || hn != nullptr || wn != nullptr)) {
        s.error(
            *rn, "replay",
            "a scenario has [[replay]]s (captured bytes sent again on a line of their own) or meters, not "
            "both: put them in two scenarios");
    } else if (rn != nullptr) {
        detail::for_each_top_table(s, rn, "replay", "replay",
                                   [&](const toml::table& t, const std::string& path, std::size_t) {
                                       if (auto r = detail::parse_replay(s, t, path, shown, sc.bus.baud))
                                           sc.replays.push_back(std::move(*r));
                                   });
        if (sc.replays.size() > 1)
            s.error(*rn, "replay",
                    fmt::format("{} replays: a line carries one capture (give each its own scenario)",
                                sc.replays.size()));
        for (std::size_t i = 0; i < sc.replays.size(); ++i)
            if (sc.replays[i].name.empty()) sc.replays[i].name = fmt::format("replay{}", i + 1);
    } else if (wn != nullptr && (mn != nullptr || hn != nullptr)) {
        s.error(*wn, "wmbus_meter",
                "a scenario has [[wmbus_meter]]s (radio, heard through a [receiver]) or wired meters, not "
                "both: put them in two scenarios");
    } else if (wn != nullptr) {
        sc.receiver = detail::parse_receiver(s, root->get("receiver"));
        detail::for_each_top_table(
            s, wn, "wmbus_meter", "wireless meter",
            [&](const toml::table& t, const std::string& path, std::size_t i) {
                if (auto m = detail::parse_wmbus_meter(s, t, path, models, shown, i, sc.bus.config.seed)) {
                    if (m->name.empty()) m->name = fmt::format("wmbus{}", i + 1);
                    for (const auto& other : sc.wmbus_meters)
                        if (other.name == m->name)
                            s.error(
                                t, path,
                                fmt::format("name \"{}\" is already the name of a wireless meter", m->name));
                    sc.wmbus_meters.push_back(std::move(*m));
                }
            });
    } else if (hn != nullptr && mn != nullptr) {
        s.error(*hn, "han_meter",
                "a scenario has [[meter]]s (a wired M-Bus) or [[han_meter]]s (a HAN port, where the meter "
                "pushes and nobody asks), not both: put them in two scenarios");
    } else if (hn != nullptr) {
        detail::for_each_top_table(s, hn, "han_meter", "HAN meter",
                                   [&](const toml::table& t, const std::string& path, std::size_t i) {
                                       if (auto m = detail::parse_han_meter(s, t, path, i))
                                           sc.han_meters.push_back(std::move(*m));
                                   });
        if (sc.han_meters.size() > 1)
            s.error(*hn, "han_meter",
                    fmt::format("{} HAN meters: a HAN port carries one meter's pushes (give each its own "
                                "scenario, as each has its own line)",
                                sc.han_meters.size()));
        for (std::size_t i = 0; i < sc.han_meters.size(); ++i)
            if (sc.han_meters[i].name.empty()) sc.han_meters[i].name = fmt::format("han{}", i + 1);
    } else if (mn == nullptr) {
        s.error(*root, {},
                "no meters: add at least one [[meter]] (or [[han_meter]], or [[wmbus_meter]]) table");
    } else {
        detail::for_each_top_table(
            s, mn, "meter", "meter", [&](const toml::table& t, const std::string& path, std::size_t i) {
                const detail::meter_context ctx{sc.bus.config.seed, sc.bus.baud, i, shown};
                // `present` is about this scenario's bus, not the model: read from the meter's table only.
                bool present = true;
                if (const auto* p = t.get("present"))
                    present = detail::read_bool(s, *p, child(path, "present")).value_or(true);
                for (auto& m : detail::parse_meter(s, t, path, models, ctx)) {
                    sc.meters.push_back(std::move(m));
                    sc.present.push_back(present);
                    origin.emplace_back(&t, path);
                }
            });
    }

    std::vector<std::string_view> names;
    names.reserve(sc.meters.size());
    for (std::size_t i = 0; i < sc.meters.size(); ++i) {
        auto& m = sc.meters[i];
        if (m.name.empty()) m.name = fmt::format("meter{}", i + 1);
        names.push_back(m.name);
    }
    // Hashed once, for the duplicates here and for the tables below that name meters: 100,000 meters
    // from `repeat` load in time linear in their number.
    const detail::name_index meters(std::move(names));
    for (std::size_t i = 0; i < sc.meters.size(); ++i)
        if (const auto first = *meters.find(sc.meters[i].name); first != i)
            s.error(*origin[i].first, origin[i].second,
                    fmt::format("name \"{}\" is already the name of a meter from {}", sc.meters[i].name,
                                origin[first].second));

    // After the meters: these name meters and are checked against them.
    detail::parse_faults(s, root->get("fault"), sc, meters);
    detail::parse_events(s, root->get("event"), sc, meters);
    detail::parse_expectations(s, root->get("expect"), sc, meters);

    auto errors = s.take();
    if (!errors.empty()) {
        // In reading order, file by file (the scenario, then models as they were first met), as a
        // compiler lists its errors.
        std::unordered_map<std::string, std::size_t> files; // not views: sorting moves the strings
        for (const auto& d : errors)
            files.emplace(d.file, files.size());
        const auto rank = [&files](const diagnostic& d) {
            return std::tuple(files.at(d.file), d.line, d.column);
        };
        std::stable_sort(errors.begin(), errors.end(),
                         [&rank](const diagnostic& a, const diagnostic& b) { return rank(a) < rank(b); });
        return {std::nullopt, std::move(errors)};
    }
    return {std::move(sc), {}};
}

} // namespace

load_result load(const std::filesystem::path& file) {
    std::string error;
    const auto text = detail::read_text(file.string(), "a scenario", error);
    if (!text) return {std::nullopt, {{file.string(), 0, 0, {}, error}}};
    return from_text(*text, file.string());
}

load_result load_string(std::string_view toml, std::string_view source_name) {
    return from_text(toml, std::string(source_name));
}

std::ostream& operator<<(std::ostream& os, const load_result& r) {
    if (r.value && !r.value->wmbus_meters.empty())
        return os << r.value->source.string() << ": ok, " << r.value->wmbus_meters.size()
                  << " wireless meters, receiver " << name_of(r.value->receiver.kind);
    if (r.value && !r.value->replays.empty()) {
        const auto& p = r.value->replays.front();
        return os << r.value->source.string() << ": ok, replay " << p.name << " ("
                  << capture::name_of(p.format) << ", " << p.chunks.size() << " chunks, "
                  << capture::total_bytes(p) << " bytes)";
    }
    if (r.value && !r.value->han_meters.empty())
        return os << r.value->source.string() << ": ok, " << r.value->han_meters.size() << " HAN meters";
    if (r.value) return os << r.value->source.string() << ": ok, " << r.value->meters.size() << " meters";
    for (const auto& d : r.errors)
        os << to_string(d) << '\n';
    return os;
}

} // namespace mbus::scenario
