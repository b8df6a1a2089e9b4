#include "decode_han.hpp"

#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>

#include <fmt/format.h>

#include <iostream>
#include <variant>

namespace mbus::cli {

namespace {

constexpr int exit_undecodable = 1;
constexpr int exit_usage = 2;

std::string hex_of(bytes_view b) { return to_hex(b, ""); }

nlohmann::json value_json(const han::cosem_object& o) {
    if (o.value.octets_value() != nullptr) return o.text();
    if (const auto n = o.number()) {
        if (const auto i = o.value.as_integer(); i && (!o.scaling || o.scaling->scaler >= 0))
            return static_cast<std::int64_t>(*n);
        return *n;
    }
    if (o.value.type == han::data_type::null_data) return nullptr;
    return o.text();
}

nlohmann::json object_json(const han::cosem_object& o) {
    nlohmann::json j;
    j["obis"] = o.code ? nlohmann::json(o.code->str()) : nlohmann::json(nullptr);
    j["type"] = han::name_of(o.value.type);
    j["value"] = value_json(o);
    if (const auto raw = o.value.as_integer(); raw && o.scaling) j["raw"] = *raw;
    if (o.scaling) {
        j["scaler"] = o.scaling->scaler;
        j["unit"] = han::unit_name(o.scaling->unit);
    }
    if (o.source == han::code_source::position) j["obis_from"] = "position (KFM_001)";
    if (o.source == han::code_source::list_identifier) j["obis_from"] = "list identifier (implied)";
    if (o.source == han::code_source::absent) j["absent"] = true;
    return j;
}

std::optional<han_decode_failure> decode_apdu_bytes(bytes_view apdu, const han::keys& k, nlohmann::json& j,
                                                    const std::string& where) {
    const auto a = han::decode_apdu(apdu, k);
    if (!a) {
        std::string extra;
        if (a.error() == han::errc::ciphered)
            if (const auto c = han::decode_glo_ciphered(apdu))
                extra = fmt::format(" (system title {}, security control {:02X}, frame counter {})",
                                    hex_of(c->system_title), c->security_control, c->frame_counter);
        return han_decode_failure{exit_undecodable,
                                  fmt::format("decode: {}APDU: {}{}", where, a.error().message(), extra)};
    }
    nlohmann::json apdu_j;
    if (a->ciphering) {
        apdu_j["ciphering"] = {{"kind", "general-glo-ciphering"},
                               {"system_title", hex_of(a->ciphering->system_title)},
                               {"security_control", fmt::format("{:02X}", a->ciphering->security_control)},
                               {"frame_counter", a->ciphering->frame_counter}};
    }
    const auto& n = a->notification;
    apdu_j["invoke_id_and_priority"] = fmt::format("{:08X}", n.invoke_id_and_priority);
    apdu_j["datetime_encoding"] = han::name_of(n.encoding);
    if (const auto t = n.time()) apdu_j["datetime"] = t->iso();
    j["apdu"] = apdu_j;
    const auto l = han::objects_of(n.body);
    if (!l)
        return han_decode_failure{
            exit_undecodable,
            fmt::format("decode: {}notification body is not a HAN list (Aidon, Kaifa or Kamstrup layout)",
                        where)};
    j["make"] = l->make();
    j["layout"] = han::name_of(l->layout);
    auto objects = nlohmann::json::array();
    for (const auto& o : l->objects)
        objects.push_back(object_json(o));
    j["objects"] = objects;
    return std::nullopt;
}

void print_text(const nlohmann::json& j) {
    if (j.contains("hdlc"))
        std::cout << fmt::format(
            "HDLC frame: destination {} source {} control {}\n", j["hdlc"]["destination"].get<std::string>(),
            j["hdlc"]["source"].get<std::string>(), j["hdlc"]["control"].get<std::string>());
    const auto& a = j["apdu"];
    if (a.contains("ciphering"))
        std::cout << fmt::format(
            "general-glo-ciphering: system title {} security control {} frame counter {}\n",
            a["ciphering"]["system_title"].get<std::string>(),
            a["ciphering"]["security_control"].get<std::string>(),
            a["ciphering"]["frame_counter"].get<std::uint32_t>());
    std::cout << fmt::format(
        "data notification: invoke id {} date-time {}\n", a["invoke_id_and_priority"].get<std::string>(),
        a.contains("datetime") ? a["datetime"].get<std::string>() : std::string("absent"));
    std::cout << fmt::format("list: {} ({})\n",
                             j["make"].get<std::string>().empty() ? "unknown make"
                                                                  : j["make"].get<std::string>(),
                             j["layout"].get<std::string>());
    for (const auto& o : j["objects"]) {
        if (o.contains("absent")) {
            std::cout << "  (absent pair: null-data)\n";
            continue;
        }
        std::string value = o["value"].is_string() ? o["value"].get<std::string>() : o["value"].dump();
        std::string unit = o.contains("unit") ? fmt::format(" {}", o["unit"].get<std::string>()) : "";
        std::string scale = o.contains("scaler")
                                ? fmt::format("  (raw {}, scaler {})",
                                              o.value("raw", nlohmann::json()).dump(), o["scaler"].get<int>())
                                : "";
        std::cout << fmt::format("  {:<16} {}{}{}\n", o["obis"].get<std::string>(), value, unit, scale);
    }
}

} // namespace

bool looks_like_han(bytes_view wire) {
    if (wire.empty()) return false;
    if (wire[0] == han::hdlc_flag || wire[0] == han::tag_data_notification ||
        wire[0] == han::tag_general_glo_ciphering)
        return true;
    return wire.size() >= 3 && wire[0] == han::llc_header[0] && wire[1] == han::llc_header[1] &&
           wire[2] == han::llc_header[2];
}

std::optional<han_decode_failure> decode_han(bytes_view wire, const han_decode_options& o,
                                             std::vector<nlohmann::json>& json_out) {
    han::keys k;
    const auto key_of = [](const std::string& text,
                           const char* name) -> std::variant<bytes, han_decode_failure> {
        if (text.empty()) return bytes{};
        auto b = from_hex(text);
        if (!b || b->size() != 16)
            return han_decode_failure{exit_usage,
                                      fmt::format("decode: {} must be 16 bytes of hex (AES-128)", name)};
        return std::move(*b);
    };
    for (auto [text, name, out] :
         {std::tuple{&o.key, "--key", &k.key}, std::tuple{&o.auth_key, "--auth-key", &k.auth_key}}) {
        auto b = key_of(*text, name);
        if (auto* f = std::get_if<han_decode_failure>(&b)) return *f;
        *out = std::get<bytes>(b);
    }
    std::vector<nlohmann::json> found;
    if (wire[0] != han::hdlc_flag) { // one LLC PDU or APDU
        bytes_view apdu = wire;
        if (wire[0] == han::llc_header[0]) apdu = han::strip_llc(wire).value();
        nlohmann::json j{{"kind", wire[0] == han::llc_header[0] ? "llc_pdu" : "apdu"}};
        if (auto f = decode_apdu_bytes(apdu, k, j, "")) return f;
        found.push_back(std::move(j));
    } else {
        han::hdlc_splitter splitter;
        han::hdlc_reassembler reassembler;
        std::size_t index = 0;
        int segments = 0;
        for (const auto& e : splitter.feed(wire)) {
            if (const auto* junk = std::get_if<han::hdlc_junk>(&e))
                return han_decode_failure{
                    exit_undecodable,
                    fmt::format("decode: {} bytes between HDLC frames are no frame (frame {})",
                                junk->data.size(), index + 1)};
            if (const auto* bad = std::get_if<han::hdlc_bad_frame>(&e))
                return han_decode_failure{exit_undecodable, fmt::format("decode: HDLC frame {}: {}",
                                                                        index + 1, bad->error.message())};
            const auto& good = std::get<han::hdlc_good_frame>(e);
            ++index;
            ++segments;
            const auto info = reassembler.push(good.frame);
            if (!info) continue;
            nlohmann::json j{{"kind", "hdlc"},
                             {"hdlc",
                              {{"destination", hex_of(good.frame.destination)},
                               {"source", hex_of(good.frame.source)},
                               {"control", fmt::format("{:02X}", good.frame.control)},
                               {"segments", segments}}}};
            segments = 0;
            const auto apdu = han::strip_llc(*info);
            const auto where = fmt::format("HDLC frame {}: ", index);
            if (!apdu)
                return han_decode_failure{exit_undecodable,
                                          fmt::format("decode: {}{}", where, apdu.error().message())};
            if (auto f = decode_apdu_bytes(*apdu, k, j, where)) return f;
            found.push_back(std::move(j));
        }
        if (splitter.pending() > 1 || reassembler.in_progress())
            return han_decode_failure{
                exit_undecodable,
                fmt::format("decode: input ends inside an HDLC frame ({} bytes after frame {}: {})",
                            splitter.pending(), index, han::make_error_code(han::errc::truncated).message())};
        if (found.empty()) return han_decode_failure{exit_undecodable, "decode: no HDLC frame in the input"};
    }
    for (auto& j : found) {
        if (o.text)
            print_text(j);
        else
            json_out.push_back(std::move(j));
    }
    return std::nullopt;
}

} // namespace mbus::cli
