// The scans' results as JSON (schema in scan.hpp).

#include <mbus/master/scan.hpp>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/core/bytes.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>

namespace mbus::master {

namespace {

double milliseconds(duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

nlohmann::json error_json(bool complete, const std::string& why) {
    if (complete && why.empty()) return nullptr;
    return why.empty() ? std::string("stopped early") : why;
}

} // namespace

nlohmann::json to_json(const meter_found& m) {
    return {{"secondary_address", secondary_string(m.address)},
            {"id", app::id_to_string(m.address.id)},
            {"manufacturer", m.manufacturer()},
            {"manufacturer_code", fmt::format("{:04X}", m.address.manufacturer)},
            {"version", m.address.version},
            {"medium", m.address.medium},
            {"medium_name", app::medium_name(m.address.medium)},
            {"primary_address", m.primary ? nlohmann::json(*m.primary) : nlohmann::json(nullptr)},
            {"identified", m.identified},
            {"mask", secondary_string(m.mask)}};
}

nlohmann::json to_json(const primary_scan_result& r) {
    auto found = nlohmann::json::array();
    for (const auto& a : r.found)
        found.push_back({{"address", a.address},
                         {"presence", std::string(name(a.answer))},
                         {"reply", std::string(name(a.kind))},
                         {"raw", to_hex(a.raw, "")}});
    return {{"scan", "primary"},
            {"complete", r.complete},
            {"error", error_json(r.complete, r.stop_reason)},
            {"addresses", r.addresses},
            {"frames_sent", r.frames_sent},
            {"elapsed_ms", milliseconds(r.elapsed)},
            {"found", std::move(found)}};
}

nlohmann::json to_json(const secondary_scan_result& r) {
    auto meters = nlohmann::json::array();
    for (const auto& m : r.meters)
        meters.push_back(to_json(m));
    auto collisions = nlohmann::json::array();
    for (const auto& c : r.collisions)
        collisions.push_back({{"mask", secondary_string(c.mask)},
                              {"source", std::string(name(c.source))},
                              {"reply", std::string(name(c.kind))}});
    auto unresolved = nlohmann::json::array();
    for (const auto& u : r.unresolved)
        unresolved.push_back({{"mask", secondary_string(u.mask)}, {"reason", u.reason}});
    return {{"scan", "secondary"},
            {"complete", r.complete},
            {"error", error_json(r.complete, r.stop_reason)},
            {"selects", r.selects},
            {"requests", r.requests},
            {"frames_sent", r.frames_sent},
            {"elapsed_ms", milliseconds(r.elapsed)},
            {"meters", std::move(meters)},
            {"collisions", std::move(collisions)},
            {"unresolved", std::move(unresolved)}};
}

} // namespace mbus::master
