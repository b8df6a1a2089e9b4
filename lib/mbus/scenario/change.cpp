#include <mbus/app/manufacturer.hpp>
#include <mbus/scenario/change.hpp>
#include <mbus/scenario/detail/harness_tables.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/tables.hpp>

#include <fmt/format.h>

#include <limits>

namespace mbus::scenario {

namespace {

using json = nlohmann::json;

// JSON's values as TOML's; null has no TOML form. `path` names the key for the error.
std::unique_ptr<toml::node> to_toml(const json& j, const std::string& path, body_error& error,
                                    int depth = 0) {
    // Deeper than any scenario table: a body nested without end is refused before it costs stack.
    if (depth > 32) {
        error = {path, "nested too deeply"};
        return nullptr;
    }
    switch (j.type()) {
    case json::value_t::boolean: return std::make_unique<toml::value<bool>>(j.get<bool>());
    case json::value_t::number_integer:
        return std::make_unique<toml::value<std::int64_t>>(j.get<std::int64_t>());
    case json::value_t::number_unsigned: {
        const auto u = j.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            error = {path, fmt::format("{} is too large", u)};
            return nullptr;
        }
        return std::make_unique<toml::value<std::int64_t>>(static_cast<std::int64_t>(u));
    }
    case json::value_t::number_float: return std::make_unique<toml::value<double>>(j.get<double>());
    case json::value_t::string: return std::make_unique<toml::value<std::string>>(j.get<std::string>());
    case json::value_t::array: {
        auto a = std::make_unique<toml::array>();
        std::size_t i = 0;
        for (const auto& x : j) {
            auto n = to_toml(x, detail::child(path, i++), error, depth + 1);
            if (!n) return nullptr;
            a->push_back(std::move(*n));
        }
        return a;
    }
    case json::value_t::object: {
        auto t = std::make_unique<toml::table>();
        for (const auto& [k, v] : j.items()) {
            auto n = to_toml(v, detail::child(path, k), error, depth + 1);
            if (!n) return nullptr;
            t->insert(k, std::move(*n));
        }
        return t;
    }
    default: error = {path, "null is not a value here: leave the key out"}; return nullptr;
    }
}

std::unique_ptr<toml::table> table_of(const json& body, body_error& error) {
    auto n = to_toml(body, "", error);
    if (!n) return nullptr;
    return std::unique_ptr<toml::table>(static_cast<toml::table*>(n.release()));
}

// The first finding, with the synthetic prefix ("fault[0].", "meter.") taken off its key.
body_error first_error(std::vector<diagnostic> found, std::string_view prefix) {
    if (found.empty()) return {"", "not accepted"};
    auto& d = found.front();
    std::string field = d.key;
    if (field.starts_with(prefix)) field.erase(0, prefix.size());
    if (field == std::string_view(prefix).substr(0, prefix.size() ? prefix.size() - 1 : 0)) field.clear();
    return {std::move(field), std::move(d.message)};
}

template <class T>
body_result<T> fail(std::string field, std::string reason) {
    return {std::nullopt, {std::move(field), std::move(reason)}};
}

const char* kind_of(const json& j) {
    switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "an array";
    default: return "an object";
    }
}

std::optional<std::int64_t> integer_in(const json& j, std::int64_t lo, std::int64_t hi) {
    if (j.is_number_integer() || j.is_number_unsigned()) {
        if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
            return std::nullopt;
        const auto v = j.get<std::int64_t>();
        if (v >= lo && v <= hi) return v;
    }
    return std::nullopt;
}

} // namespace

body_result<json> parse_body(std::string_view text) {
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded()) return fail<json>("", "malformed JSON");
    if (!j.is_object()) return fail<json>("", fmt::format("expected a JSON object, got {}", kind_of(j)));
    return {std::move(j), {}};
}

body_result<meter_patch> read_meter_patch(const json& body) {
    meter_patch p;
    static const std::vector<std::string_view> keys{"status", "alarm", "primary", "id"};
    for (const auto& [k, v] : body.items()) {
        if (k == "status") {
            const auto x = integer_in(v, 0, 255);
            if (!x) return fail<meter_patch>("status", "expected an integer 0..255 (the status byte)");
            p.status = static_cast<std::uint8_t>(*x);
        } else if (k == "alarm") {
            if (v.is_boolean())
                p.alarm = v.get<bool>();
            else if (const auto x = integer_in(v, 0, 1))
                p.alarm = *x == 1;
            else
                return fail<meter_patch>("alarm", fmt::format("expected true or false, got {}", kind_of(v)));
        } else if (k == "primary") {
            const auto x = integer_in(v, 0, 250);
            if (!x) return fail<meter_patch>("primary", "expected an integer 0..250 (a primary address)");
            p.primary = static_cast<std::uint8_t>(*x);
        } else if (k == "id") {
            if (!v.is_string()) return fail<meter_patch>("id", "expected 8 decimal digits as a string");
            const auto id = app::id_from_string(v.get<std::string>());
            if (!id || v.get<std::string>().size() != 8)
                return fail<meter_patch>("id",
                                         fmt::format("\"{}\" is not 8 decimal digits", v.get<std::string>()));
            p.id = *id;
        } else {
            return fail<meter_patch>(k,
                                     fmt::format("unknown key \"{}\"{}", k, detail::did_you_mean(k, keys)));
        }
    }
    if (p == meter_patch{})
        return fail<meter_patch>("", "nothing to change: give status, alarm, primary or id");
    return {p, {}};
}

body_result<sim::timeline_event> read_record_change(const json& body, const sim::meter_config& m,
                                                    std::size_t index) {
    const bool has_value = body.contains("value");
    const bool has_generator = body.contains("generator");
    if (has_value == has_generator)
        return fail<sim::timeline_event>("",
                                         "give \"value\" (a number) or \"generator\" (a generator table)");
    for (const auto& [k, v] : body.items())
        if (k != "value" && k != "generator")
            return fail<sim::timeline_event>(
                k, fmt::format("unknown key \"{}\": give \"value\" or \"generator\"", k));
    const auto& given = has_value ? body["value"] : body["generator"];
    const std::string key = has_value ? "value" : "generator";
    if (has_value && !given.is_number())
        return fail<sim::timeline_event>(key, fmt::format("expected a number, got {}", kind_of(given)));
    if (has_generator && !given.is_object())
        return fail<sim::timeline_event>(
            key, fmt::format(
                     "expected a generator table such as {{\"counter\":{{\"start\":0,\"rate\":1}}}}, got {}",
                     kind_of(given)));
    body_error error;
    auto value = to_toml(given, key, error);
    if (!value) return {std::nullopt, error};

    // The [[event]] a scenario would write for it, read by the scenario's own reader.
    toml::table event;
    event.insert("at", 0);
    event.insert("meter", m.name);
    event.insert("action", "value");
    event.insert("record", static_cast<std::int64_t>(index + 1));
    event.insert("value", std::move(*value));
    toml::array events;
    events.push_back(std::move(event));

    scenario sc;
    sc.meters.push_back(m);
    const detail::name_index names({std::string_view(sc.meters.front().name)});
    detail::sink s;
    detail::parse_events(s, &events, sc, names);
    if (sc.events.size() != 1) {
        auto e = first_error(s.take(), "event[0].");
        // The event's `value` is the body's "value" or "generator".
        if (e.field == "value" || e.field.starts_with("value.")) e.field = key + e.field.substr(5);
        if (e.field == "record") e.field = "index";
        return {std::nullopt, std::move(e)};
    }
    return {std::move(sc.events.front()), {}};
}

namespace {
// The body as the one [[fault]] a scenario would write, named `default_name` unless it has a name.
std::optional<toml::array> fault_array(const json& body, const std::string& default_name, body_error& error) {
    auto t = table_of(body, error);
    if (!t) return std::nullopt;
    if (!t->contains("name")) t->insert("name", default_name);
    toml::array faults;
    faults.push_back(std::move(*t));
    return faults;
}
} // namespace

body_result<sim::fault_spec> read_fault(const json& body, std::span<const std::string> meters,
                                        const std::string& default_name) {
    body_error error;
    auto faults = fault_array(body, default_name, error);
    if (!faults) return {std::nullopt, error};

    scenario sc;
    std::vector<std::string_view> names(meters.begin(), meters.end());
    const detail::name_index index(std::move(names));
    detail::sink s;
    detail::parse_faults(s, &*faults, sc, index);
    if (sc.faults.size() != 1) return {std::nullopt, first_error(s.take(), "fault[0].")};
    return {std::move(sc.faults.front()), {}};
}

body_result<sim::han_fault_spec> read_han_fault(const json& body, std::span<const std::string> meters,
                                                const std::string& default_name) {
    body_error error;
    auto faults = fault_array(body, default_name, error);
    if (!faults) return {std::nullopt, error};

    scenario sc;
    for (const auto& m : meters) {
        sim::han_meter_config c;
        c.name = m;
        sc.han_meters.push_back(std::move(c));
    }
    const detail::name_index none(std::vector<std::string_view>{});
    detail::sink s;
    detail::parse_faults(s, &*faults, sc, none);
    if (sc.han_faults.size() != 1) {
        if (s.size() == 0 && sc.faults.size() == 1)
            return fail<sim::han_fault_spec>("kind", "this bus is a HAN port: the kind must be a han_* kind");
        return {std::nullopt, first_error(s.take(), "fault[0].")};
    }
    return {std::move(sc.han_faults.front()), {}};
}

body_result<new_meter> read_meter(const json& body, const bus_settings& bus, const std::string& scenario_file,
                                  std::size_t index, const std::string& default_name) {
    if (body.contains("repeat"))
        return fail<new_meter>("repeat", "one meter per request: leave out \"repeat\"");
    body_error error;
    auto t = table_of(body, error);
    if (!t) return {std::nullopt, error};
    if (!t->contains("name")) t->insert("name", default_name);

    detail::sink s;
    new_meter out;
    if (const auto* p = t->get("present"))
        out.present = detail::read_bool(s, *p, "meter.present").value_or(true);
    detail::model_store models;
    const detail::meter_context ctx{bus.config.seed, bus.baud, index, scenario_file};
    auto made = detail::parse_meter(s, *t, "meter", models, ctx);
    if (s.size() != 0 || made.size() != 1) return {std::nullopt, first_error(s.take(), "meter.")};
    out.config = std::move(made.front());
    return {std::move(out), {}};
}

} // namespace mbus::scenario
