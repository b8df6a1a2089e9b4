#include <mbus/app/manufacturer.hpp>
#include <mbus/control/api.hpp>
#include <mbus/control/assets.hpp>
#include <mbus/control/views.hpp>
#include <mbus/core/text.hpp>
#include <mbus/scenario/change.hpp>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <limits>

namespace mbus::control {

namespace {

using json = nlohmann::json;

http_reply json_reply(const json& j, unsigned status = 200) {
    return {status, "application/json", j.dump(), {}};
}

// "; did you mean 'x'?" for the nearest of `names` within a third of the length, else nothing.
template <class Names>
std::string did_you_mean(std::string_view wanted, const Names& names) {
    std::string best;
    std::size_t best_d = std::numeric_limits<std::size_t>::max();
    for (const auto& n : names) {
        const auto d = edit_distance(wanted, n);
        if (d < best_d) {
            best_d = d;
            best = n;
        }
    }
    if (best.empty() || best_d > std::max<std::size_t>(2, wanted.size() / 3)) return {};
    return fmt::format(" (did you mean '{}'?)", best);
}

std::vector<std::string> meter_names(runtime::runner& r) {
    const auto& b = std::as_const(r.bus());
    std::vector<std::string> out;
    out.reserve(b.size());
    for (std::size_t i = 0; i < b.size(); ++i)
        out.push_back(b.at(i).name());
    return out;
}

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t v = 0;
    const auto* end = text.data() + text.size();
    if (auto [p, ec] = std::from_chars(text.data(), end, v); ec == std::errc{} && p == end && !text.empty())
        return v;
    return std::nullopt;
}

http_reply method_not_allowed(std::string_view method, std::string_view allowed) {
    auto r = error_reply(405, "method", fmt::format("{} is not allowed here (allowed: {})", method, allowed));
    r.headers.emplace_back("Allow", std::string(allowed));
    return r;
}

http_reply not_found(std::string_view what) {
    return error_reply(404, "path", fmt::format("no such path: {}", what));
}

http_reply bad_body(const scenario::body_error& e) { return error_reply(400, e.field, e.reason); }

std::string query_value(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto part = query.substr(0, amp);
        if (const auto eq = part.find('='); eq != std::string_view::npos && part.substr(0, eq) == key)
            return std::string(part.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

// The model files a meter can be added from: *.toml in the "models" folder next to the scenario, as
// the paths a POSTed meter's "model" takes (relative to the scenario's folder), sorted.
json models_view(const std::string& scenario_file) {
    namespace fs = std::filesystem;
    const auto folder =
        (scenario_file.empty() ? fs::path(".") : fs::path(scenario_file).parent_path()) / "models";
    std::vector<std::string> found;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".toml" && it->is_regular_file(ec))
            found.push_back("models/" + it->path().filename().string());
    std::sort(found.begin(), found.end());
    auto out = json::array();
    for (auto& f : found)
        out.push_back({{"model", std::move(f)}});
    return out;
}

} // namespace

http_reply error_reply(unsigned status, std::string field, std::string reason) {
    return json_reply(
        {{"error", {{"status", status}, {"field", std::move(field)}, {"reason", std::move(reason)}}}},
        status);
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == '/') {
            ++i;
            continue;
        }
        std::string seg;
        for (; i < path.size() && path[i] != '/'; ++i) {
            if (path[i] != '%') {
                seg += path[i];
                continue;
            }
            if (i + 2 >= path.size()) return std::nullopt;
            unsigned v = 0;
            const auto* p = path.data() + i + 1;
            if (auto [q, ec] = std::from_chars(p, p + 2, v, 16); ec != std::errc{} || q != p + 2)
                return std::nullopt;
            seg += static_cast<char>(v);
            i += 2;
        }
        out.push_back(std::move(seg));
    }
    return out;
}

api::api(std::vector<bus_info> buses) {
    buses_.reserve(buses.size());
    for (auto& b : buses) {
        auto& r = *b.runner;
        buses_.push_back({std::move(b), std::make_shared<feed>(r)});
    }
}

api::bus* api::find_bus(std::string_view name, http_reply& error) {
    for (auto& b : buses_)
        if (b.info.runner->name() == name) return &b;
    std::vector<std::string> names;
    for (auto& b : buses_)
        names.push_back(b.info.runner->name());
    error = error_reply(404, "bus", fmt::format("no bus named '{}'{}", name, did_you_mean(name, names)));
    return nullptr;
}

void api::detach() {
    for (auto& b : buses_)
        b.records->detach();
}

std::shared_ptr<feed> api::stream_feed(std::string_view target, http_reply& error) {
    const auto path = target.substr(0, target.find('?'));
    const auto parts = split_path(path);
    if (!parts || parts->size() != 5 || (*parts)[0] != "api" || (*parts)[1] != "v1" ||
        (*parts)[2] != "buses" || (*parts)[4] != "stream") {
        error = not_found(path);
        return nullptr;
    }
    auto* b = find_bus((*parts)[3], error);
    return b == nullptr ? nullptr : b->records;
}

http_reply api::handle(std::string_view method, std::string_view target, std::string_view body) {
    const auto q = target.find('?');
    const auto path = target.substr(0, q);
    const auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    const auto parts = split_path(path);
    if (!parts) return error_reply(400, "path", "a bad %-escape in the path");
    const auto& p = *parts;

    if (p.size() < 2 || p[0] != "api") {
        if (method != "GET") return method_not_allowed(method, "GET");
        // A std::string either way: a string_view to a temporary "index.html" would dangle.
        const std::string file = p.empty() ? std::string("index.html") : std::string(path.substr(1));
        const auto a = find_asset(file);
        if (!a) return not_found(path);
        return {200, std::string(a->content_type), std::string(a->bytes), {}};
    }
    if (p[1] != "v1") return not_found(path);
    if (p.size() == 3 && p[2] == "health") {
        if (method != "GET") return method_not_allowed(method, "GET");
        return json_reply({{"status", "ready"}, {"buses", buses_.size()}});
    }
    if (p.size() == 3 && p[2] == "fault-kinds") {
        if (method != "GET") return method_not_allowed(method, "GET");
        return json_reply(fault_kinds_view());
    }
    if (p.size() < 3 || p[2] != "buses") return not_found(path);
    if (p.size() == 3) {
        if (method != "GET") return method_not_allowed(method, "GET");
        auto out = json::array();
        for (auto& b : buses_)
            out.push_back({{"name", b.info.runner->name()},
                           {"meters", b.info.runner->bus().size()},
                           {"lines", b.info.lines},
                           {"requests", b.info.runner->counters().requests}});
        return json_reply(out);
    }
    http_reply error;
    auto* b = find_bus(p[3], error);
    if (b == nullptr) return error;
    return bus_request(*b, method, {p.begin() + 4, p.end()}, query, body);
}

http_reply api::bus_request(bus& b, std::string_view method, const std::vector<std::string>& rest,
                            std::string_view query, std::string_view body) {
    auto& r = *b.info.runner;
    if (rest.empty()) return not_found("bus " + r.name());
    const auto& what = rest[0];
    if (what == "meters") {
        if (rest.size() == 1) {
            if (method == "GET") {
                auto out = json::array();
                for (std::size_t i = 0; i < r.bus().size(); ++i)
                    out.push_back(meter_view(r, i));
                return json_reply(out);
            }
            if (method != "POST") return method_not_allowed(method, "GET, POST");
            auto j = scenario::parse_body(body);
            if (!j) return bad_body(j.error);
            const auto names = meter_names(r);
            std::string fallback;
            for (std::size_t n = names.size() + 1;; ++n) {
                fallback = fmt::format("meter{}", n);
                if (std::find(names.begin(), names.end(), fallback) == names.end()) break;
            }
            auto m =
                scenario::read_meter(*j.value, r.settings(), b.info.scenario_file, names.size(), fallback);
            if (!m) return bad_body(m.error);
            if (std::find(names.begin(), names.end(), m.value->config.name) != names.end())
                return error_reply(
                    409, "name",
                    fmt::format("a meter named '{}' is on the bus already", m.value->config.name));
            const auto i = r.add_meter(std::move(m.value->config), m.value->present);
            return json_reply(meter_view(r, i), 201);
        }
        const auto i = std::as_const(r.bus()).find(rest[1]);
        if (!i)
            return error_reply(
                404, "meter",
                fmt::format("no meter named '{}'{}", rest[1], did_you_mean(rest[1], meter_names(r))));
        return meter_request(b, *i, method, {rest.begin() + 2, rest.end()}, body);
    }
    if (what == "models" && rest.size() == 1) {
        if (method != "GET") return method_not_allowed(method, "GET");
        return json_reply(models_view(b.info.scenario_file));
    }
    if (what == "faults") return fault_request(b, method, {rest.begin() + 1, rest.end()}, body);
    if (what == "events") {
        if (rest.size() == 1) {
            if (method != "GET") return method_not_allowed(method, "GET");
            auto out = json::array();
            for (std::size_t i = 0; i < r.events().size(); ++i)
                out.push_back(event_view(r.events()[i], i));
            return json_reply(out);
        }
        if (rest.size() == 3 && rest[2] == "fire") {
            if (method != "POST") return method_not_allowed(method, "POST");
            const auto i = number(rest[1]);
            if (!i || *i >= r.events().size())
                return error_reply(
                    404, "event",
                    fmt::format("no event {} (the scenario has {})", rest[1], r.events().size()));
            const auto line = r.fire(r.events()[*i]);
            return json_reply({{"fired", *i}, {"text", line}});
        }
        return not_found("events/" + rest[1]);
    }
    if (rest.size() != 1) return not_found(what);
    if (what == "counters") {
        if (method != "GET") return method_not_allowed(method, "GET");
        auto out = counters_view(r);
        json meters = json::object();
        for (const auto& [name, c] : b.records->meters())
            meters[name] = {{"requests", c.requests}, {"answers", c.answers}};
        out["meters"] = std::move(meters);
        return json_reply(out);
    }
    if (what == "transcript") {
        if (method != "GET") return method_not_allowed(method, "GET");
        std::uint64_t since = 0;
        if (const auto v = query_value(query, "since"); !v.empty()) {
            const auto n = number(v);
            if (!n) return error_reply(400, "since", fmt::format("expected a record number, not '{}'", v));
            since = *n;
        }
        std::string out;
        for (const auto& rec : b.records->since(since)) {
            out += rec->line();
            out += '\n';
        }
        return {200, "application/x-ndjson", std::move(out), {}};
    }
    if (what == "stream")
        return error_reply(400, "upgrade", "the stream is a WebSocket: send an Upgrade request");
    return not_found(what);
}

http_reply api::meter_request(bus& b, std::size_t i, std::string_view method,
                              const std::vector<std::string>& rest, std::string_view body) {
    auto& r = *b.info.runner;
    const auto name = std::as_const(r.bus()).at(i).name();
    const auto event = [&](sim::events::action a) {
        sim::timeline_event e;
        e.meter = name;
        e.what = std::move(a);
        r.fire(e);
    };
    if (rest.empty()) {
        if (method == "GET") return json_reply(meter_view(r, i));
        if (method != "PATCH") return method_not_allowed(method, "GET, PATCH");
        auto j = scenario::parse_body(body);
        if (!j) return bad_body(j.error);
        auto p = scenario::read_meter_patch(*j.value);
        if (!p) return bad_body(p.error);
        const auto& patch = *p.value;
        if (patch.primary) {
            r.bus().at(i).app().set_address(*patch.primary);
            r.announce(fmt::format("meter {}: primary address {}", name, *patch.primary));
        }
        if (patch.id) {
            auto id = std::as_const(r.bus()).at(i).app().identity();
            id.id = *patch.id;
            r.bus().at(i).app().set_identity(id);
            r.announce(fmt::format("meter {}: identification {}", name, app::id_to_string(*patch.id)));
        }
        if (patch.status) event(sim::events::status{*patch.status});
        if (patch.alarm) event(sim::events::alarm{*patch.alarm});
        return json_reply(meter_view(r, i));
    }
    if (rest[0] == "records" && rest.size() == 2) {
        if (method != "PUT") return method_not_allowed(method, "PUT");
        const auto& cfg = std::as_const(r.bus()).at(i).app().config();
        const auto k = find_record(cfg, rest[1]);
        if (!k)
            return error_reply(404, "record",
                               fmt::format("meter {} has no record '{}' ({} records, from 0)", name, rest[1],
                                           cfg.records.size()));
        auto j = scenario::parse_body(body);
        if (!j) return bad_body(j.error);
        auto change = scenario::read_record_change(*j.value, cfg, *k);
        if (!change) return bad_body(change.error);
        r.fire(*change.value);
        return json_reply(meter_view(r, i));
    }
    if (rest.size() != 1) return not_found(rest[0]);
    if (rest[0] == "presence") {
        if (method != "POST") return method_not_allowed(method, "POST");
        auto j = scenario::parse_body(body);
        if (!j) return bad_body(j.error);
        const auto& v = *j.value;
        if (!v.contains("present") || !v["present"].is_boolean() || v.size() != 1)
            return error_reply(400, "present", "expected {\"present\": true or false}");
        event(sim::events::presence{v["present"].get<bool>()});
        return json_reply(meter_view(r, i));
    }
    if (rest[0] == "power-cycle") {
        if (method != "POST") return method_not_allowed(method, "POST");
        event(sim::events::power_cycle{});
        return json_reply(meter_view(r, i));
    }
    return not_found(rest[0]);
}

http_reply api::fault_request(bus& b, std::string_view method, const std::vector<std::string>& rest,
                              std::string_view body) {
    auto& r = *b.info.runner;
    const auto faults = r.faults();
    // A HAN port's faults live with the port (han_* kinds), beside the runner's.
    auto* han = b.info.han;
    const auto han_faults = han != nullptr ? han->faults() : std::vector<sim::han_fault_spec>{};
    const auto taken = [&](const std::string& name) {
        return std::any_of(faults.begin(), faults.end(), [&](const auto& f) { return f.name == name; }) ||
               std::any_of(han_faults.begin(), han_faults.end(),
                           [&](const auto& f) { return f.name == name; });
    };
    if (rest.empty()) {
        if (method == "GET") {
            auto out = json::array();
            for (const auto& f : faults)
                out.push_back(fault_view(f));
            for (const auto& f : han_faults)
                out.push_back(fault_view(f));
            return json_reply(out);
        }
        if (method != "POST") return method_not_allowed(method, "GET, POST");
        auto j = scenario::parse_body(body);
        if (!j) return bad_body(j.error);
        std::string fallback;
        for (std::size_t n = faults.size() + han_faults.size() + 1;; ++n) {
            fallback = fmt::format("fault{}", n);
            if (!taken(fallback)) break;
        }
        if (han != nullptr) {
            auto h = scenario::read_han_fault(*j.value, b.info.han_meters, fallback);
            if (!h) return bad_body(h.error);
            if (taken(h.value->name))
                return error_reply(409, "name",
                                   fmt::format("a fault named '{}' exists already", h.value->name));
            auto view = fault_view(*h.value);
            han->add_fault(std::move(*h.value));
            return json_reply(view, 201);
        }
        const auto names = meter_names(r);
        auto f = scenario::read_fault(*j.value, names, fallback);
        if (!f) return bad_body(f.error);
        if (std::any_of(faults.begin(), faults.end(), [&](const auto& x) { return x.name == f.value->name; }))
            return error_reply(409, "name", fmt::format("a fault named '{}' exists already", f.value->name));
        auto view = fault_view(*f.value);
        r.add_fault(std::move(*f.value));
        return json_reply(view, 201);
    }
    if (rest.size() != 1) return not_found(rest[1]);
    const auto& name = rest[0];
    // A wired fault on the runner or a HAN fault on the port: the same DELETE and PATCH.
    const auto change = [&](auto& target) -> http_reply {
        if (method == "DELETE") {
            target.remove_fault(name);
            return {204, "application/json", {}, {}};
        }
        if (method != "PATCH") return method_not_allowed(method, "PATCH, DELETE");
        auto j = scenario::parse_body(body);
        if (!j) return bad_body(j.error);
        const auto& v = *j.value;
        if (!v.contains("active") || !v["active"].is_boolean() || v.size() != 1)
            return error_reply(400, "active", "expected {\"active\": true or false}");
        target.set_fault_active(name, v["active"].get<bool>());
        for (const auto& f : target.faults())
            if (f.name == name) return json_reply(fault_view(f));
        return not_found(name);
    };
    if (std::any_of(han_faults.begin(), han_faults.end(), [&](const auto& f) { return f.name == name; }))
        return change(*han);
    const auto it = std::find_if(faults.begin(), faults.end(), [&](const auto& f) { return f.name == name; });
    if (it == faults.end()) {
        std::vector<std::string> names;
        for (const auto& f : faults)
            names.push_back(f.name);
        for (const auto& f : han_faults)
            names.push_back(f.name);
        return error_reply(404, "fault",
                           fmt::format("no fault named '{}'{}", name, did_you_mean(name, names)));
    }
    return change(r);
}

} // namespace mbus::control
