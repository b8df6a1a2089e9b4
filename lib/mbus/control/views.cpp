#include <mbus/app/json.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/control/views.hpp>
#include <mbus/core/variant.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/scenario/fault_kinds.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace mbus::control {

namespace {

using json = nlohmann::json;

std::string seconds_text(sim::seconds_d s) { return fmt::format("{}s", s.count()); }

// The unit a scenario wrote the value in: the VIF's unit moved by the record's value exponent.
std::string scaled_unit(std::string_view symbol, int exponent) {
    if (symbol.empty()) return {};
    switch (exponent) {
    case 0: return std::string(symbol);
    case 3: return fmt::format("k{}", symbol);
    case 6: return fmt::format("M{}", symbol);
    case 9: return fmt::format("G{}", symbol);
    case -3:
        return symbol.starts_with("m3") ? fmt::format("l{}", symbol.substr(2)) : fmt::format("m{}", symbol);
    default: return fmt::format("1e{} {}", exponent, symbol);
    }
}

// A number as its decimal text gives it: the double nearest to `text` ("11280e-1" is 1128, where
// 11280 * 0.1 is 1128.0000000000002).
double from_decimal(const std::string& text) {
    double d = 0;
    std::from_chars(text.data(), text.data() + text.size(), d);
    return d;
}

// The value in the unit the scenario wrote it in (exponent: the record's value exponent), as the
// coding gives it: an integer's raw value moved by the VIF's exponent less `exponent`, written as a
// scaled decimal and read back, so that 1128 litres shown in m3 is 1.128 and shown in l is 1128,
// not 1127.9999999999998. Values that are no such integer (real32, a VIF with an additive part) are
// rounded to the 15 significant digits a double holds for sure.
double scenario_value(const json& decoded, int exponent) {
    const double scaled = decoded["value"].get<double>() / std::pow(10.0, exponent);
    const auto raw = decoded.find("raw");
    const auto vif_exponent = decoded.find("exponent");
    if (raw != decoded.end() && raw->is_number_integer() && vif_exponent != decoded.end() &&
        vif_exponent->is_number_integer()) {
        const auto text =
            raw->is_number_unsigned()
                ? fmt::format("{}e{}", raw->get<std::uint64_t>(), vif_exponent->get<int>() - exponent)
                : fmt::format("{}e{}", raw->get<std::int64_t>(), vif_exponent->get<int>() - exponent);
        const double exact = from_decimal(text);
        if (std::abs(exact - scaled) <= 1e-9 * std::max(1.0, std::abs(scaled))) return exact;
    }
    if (!std::isfinite(scaled)) return scaled;
    return from_decimal(fmt::format("{:.15g}", scaled));
}

json record_view(const sim::meter_config& cfg, const sim::meter& m, const app::record& now_record,
                 std::size_t i) {
    json out;
    out["index"] = i;
    const auto name = record_name(cfg, i);
    out["name"] = name ? json(*name) : json(nullptr);
    const auto decoded = app::to_json(now_record, i);
    out["quantity"] = decoded.value("quantity", decoded.value("description", std::string("unknown")));
    out["storage"] = decoded.value("storage", 0);
    out["tariff"] = decoded.value("tariff", 0);
    out["function"] = decoded.value("function", std::string("instantaneous"));
    int exponent = 0;
    if (const auto* sr = std::get_if<sim::spec_record>(&cfg.records[i].content))
        exponent = sr->value_exponent;
    const auto unit = decoded.value("unit", std::string());
    out["unit"] = scaled_unit(unit, exponent);
    if (decoded.contains("value") && decoded["value"].is_number())
        out["value"] = scenario_value(decoded, exponent);
    else if (decoded.contains("raw"))
        out["value"] = decoded["raw"];
    else
        out["value"] = nullptr;
    const auto* src = m.source(i);
    out["generator"] = src ? generator_view(*src) : json(nullptr);
    out["writable"] = cfg.records[i].writable;
    return out;
}

// A parameter's default as the JSON a client sends back: numbers as numbers ("0x00" is 0), null for
// none.
json typed_default(const scenario::fault_parameter& p) {
    const auto& v = p.default_value;
    if (v.empty()) return nullptr;
    if (p.type == "integer" || p.type == "milliseconds") {
        const bool hex = v.starts_with("0x") || v.starts_with("0X");
        const auto digits = hex ? v.substr(2) : v;
        std::int64_t n = 0;
        const auto* end = digits.data() + digits.size();
        if (auto [q, ec] = std::from_chars(digits.data(), end, n, hex ? 16 : 10);
            ec == std::errc{} && q == end)
            return n;
    }
    if (p.type == "number") {
        double d = 0;
        const auto* end = v.data() + v.size();
        if (auto [q, ec] = std::from_chars(v.data(), end, d); ec == std::errc{} && q == end) return d;
    }
    if (p.type == "boolean" && (v == "true" || v == "false")) return v == "true";
    return std::string(v);
}

} // namespace

std::optional<std::string> record_name(const sim::meter_config& m, std::size_t record) {
    const auto* sr = std::get_if<sim::spec_record>(&m.records[record].content);
    if (sr == nullptr || sr->spec.q == app::quantity::unknown) return std::nullopt;
    // The first record of a quantity is called by it, the others by it and their rank: "energy",
    // "energy_2" (the tariff-2 register, a stored value, ...).
    std::size_t rank = 1;
    for (std::size_t i = 0; i < record; ++i) {
        const auto* other = std::get_if<sim::spec_record>(&m.records[i].content);
        if (other != nullptr && other->spec.q == sr->spec.q) ++rank;
    }
    const auto base = std::string(app::name(sr->spec.q));
    return rank == 1 ? base : fmt::format("{}_{}", base, rank);
}

std::optional<std::size_t> find_record(const sim::meter_config& m, std::string_view name_or_index) {
    std::size_t index = 0;
    const auto* end = name_or_index.data() + name_or_index.size();
    if (auto [p, ec] = std::from_chars(name_or_index.data(), end, index); ec == std::errc{} && p == end)
        return index < m.records.size() ? std::optional(index) : std::nullopt;
    for (std::size_t i = 0; i < m.records.size(); ++i)
        if (const auto n = record_name(m, i); n && *n == name_or_index) return i;
    return std::nullopt;
}

json generator_view(const sim::value_source& s) {
    return std::visit(
        overloaded{
            [](const sim::constant&) { return json(nullptr); },
            [](const sim::counter& c) {
                return json{
                    {"counter", {{"start", c.start}, {"rate", c.rate}, {"per", seconds_text(c.per)}}}};
            },
            [](const sim::ramp& r) {
                return json{{"ramp",
                             {{"from", r.from},
                              {"to", r.to},
                              {"duration", seconds_text(r.duration)},
                              {"repeat", r.repeat}}}};
            },
            [](const sim::sine& w) {
                return json{{"sine",
                             {{"offset", w.offset},
                              {"amplitude", w.amplitude},
                              {"period", seconds_text(w.period)},
                              {"phase", w.phase_degrees}}}};
            },
            [](const sim::random_walk& w) {
                return json{{"random_walk",
                             {{"start", w.start},
                              {"step", w.step},
                              {"min", w.min},
                              {"max", w.max},
                              {"interval", seconds_text(w.interval)},
                              {"seed", w.seed}}}};
            },
            [](const sim::current_date&) { return json("now"); },
            [](const sim::current_date_time&) { return json("now"); },
        },
        s);
}

json meter_view(runtime::runner& r, std::size_t i) {
    const auto& bus = std::as_const(r.bus());
    const auto& slave = bus.at(i);
    const auto& m = slave.app();
    const auto& cfg = m.config();
    const auto& id = m.identity();
    json out;
    out["name"] = slave.name();
    out["primary"] = slave.address();
    out["id"] = app::id_to_string(id.id);
    out["manufacturer"] = app::manufacturer_letters(id.manufacturer);
    out["version"] = id.version;
    const auto medium = app::medium_name(id.medium);
    out["medium"] = medium.starts_with("reserved") ? json(id.medium) : json(medium);
    out["secondary"] = app::secondary_string(id);
    out["present"] = bus.present(i);
    out["status"] = m.status();
    out["alarm"] = m.alarm_pending();
    out["selected"] = slave.selected();
    const auto fcb = slave.last_fcb();
    out["fcb"] = fcb ? json(*fcb) : json(nullptr);
    out["baud"] = m.baud();
    auto records = json::array();
    if (m.generates()) {
        // records_at advances no state a master sees: a random walk is replayed, a counter computed.
        auto values = r.bus().at(i).app().records_at(r.now());
        for (std::size_t k = 0; k < values.size() && k < cfg.records.size(); ++k)
            records.push_back(record_view(cfg, bus.at(i).app(), values[k], k));
    }
    out["records"] = std::move(records);
    return out;
}

json fault_view(const sim::fault_spec& f) {
    json out;
    out["name"] = f.name;
    out["kind"] = std::string(sim::name(f.action));
    out["active"] = f.active;
    out["meter"] = f.meter.empty() ? json(nullptr) : json(f.meter);
    auto kinds = json::array();
    for (const auto k : f.trigger.requests)
        kinds.push_back(std::string(link::name(k)));
    out["requests"] = std::move(kinds);
    if (f.trigger.probability) out["probability"] = *f.trigger.probability;
    if (f.trigger.every != 0) out["every"] = f.trigger.every;
    if (f.trigger.after != 0) out["after"] = f.trigger.after;
    out["description"] = fmt::format("{}", fmt::streamed(f));
    return out;
}

json fault_view(const sim::han_fault_spec& f) {
    json out;
    out["name"] = f.name;
    out["kind"] = std::string(sim::name(f.action));
    out["active"] = f.active;
    out["meter"] = f.meter.empty() ? json(nullptr) : json(f.meter);
    out["requests"] = json::array(); // nobody asks a HAN meter: its pushes are counted
    if (f.trigger.probability) out["probability"] = *f.trigger.probability;
    if (f.trigger.every != 0) out["every"] = f.trigger.every;
    if (f.trigger.after != 0) out["after"] = f.trigger.after;
    out["description"] =
        fmt::format("{} on {}'s pushes", sim::name(f.action), f.meter.empty() ? "every HAN meter" : f.meter);
    return out;
}

json fault_kinds_view() {
    auto out = json::array();
    for (const auto& k : scenario::fault_kinds()) {
        auto params = json::array();
        for (const auto& p : k.parameters)
            params.push_back({{"name", p.name}, {"type", p.type}, {"default", typed_default(p)}});
        out.push_back({{"kind", k.kind},
                       {"meters", scenario::is_han_fault_kind(k.kind)     ? "han"
                                  : scenario::is_wmbus_fault_kind(k.kind) ? "wmbus"
                                                                          : "mbus"},
                       {"parameters", std::move(params)},
                       {"description", k.description}});
    }
    return out;
}

json event_view(const sim::timeline_event& e, std::size_t index) {
    json out;
    out["index"] = index;
    out["when"] = fmt::format("{}", fmt::streamed(e.when));
    out["meter"] = e.meter.empty() ? json(nullptr) : json(e.meter);
    out["action"] =
        std::visit(overloaded{
                       [](const sim::events::presence& p) { return p.present ? "join" : "leave"; },
                       [](const sim::events::power_cycle&) { return "power_cycle"; },
                       [](const sim::events::value&) { return "value"; },
                       [](const sim::events::status&) { return "status"; },
                       [](const sim::events::alarm& a) { return a.pending ? "alarm" : "clear_alarm"; },
                       [](const sim::events::fault& f) { return f.active ? "start_fault" : "stop_fault"; },
                   },
                   e.what);
    out["text"] = fmt::format("{}", fmt::streamed(e));
    return out;
}

json counters_view(runtime::runner& r) {
    const auto& c = r.kind_counters();
    json kinds = json::object();
    for (std::size_t k = 0; k < link::request_kind_count; ++k)
        kinds[std::string(link::name(static_cast<link::request_kind>(k)))] = c.by_kind[k].received;
    json out;
    out["kinds"] = std::move(kinds);
    out["by_kind"] = harness::to_json(c)["by_kind"];
    out["requests"] = r.counters().requests;
    out["malformed"] = c.malformed;
    out["injected"] = c.injected;
    return out;
}

} // namespace mbus::control
