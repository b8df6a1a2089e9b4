#include <mbus/scenario/detail/exclusive_keys.hpp>
#include <mbus/scenario/detail/record_shape.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/sim/record_value.hpp>

#include <algorithm>
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

std::string join_names(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names)
        s += (s.empty() ? "\"" : ", \"") + n + "\"";
    return s;
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
    return reported(s, n, path, app::resolution_exponent(*x));
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
    const auto* rn = t.get("resolution");
    if (rn != nullptr) {
        const auto r = read_resolution(s, *rn, child(path, "resolution"));
        if (!r) return false;
        step = *r;
    }
    const auto choice =
        app::choose_vif(*q, un != nullptr ? std::optional(su) : std::nullopt, unit_name, step);
    if (!choice) {
        // A unit problem without a unit comes from the resolution (date_time in steps of 0.1).
        const auto field = choice.problem().field != "unit" ? "quantity"
                           : un != nullptr                  ? "unit"
                           : rn != nullptr                  ? "resolution"
                                                            : "quantity";
        const auto& at = field == std::string_view("unit")         ? *un
                         : field == std::string_view("resolution") ? *rn
                                                                   : *qn;
        s.error(at, child(path, field), choice.problem().reason);
        return false;
    }
    sh.spec.q = *q;
    sh.spec.u = choice->u;
    sh.spec.exponent = choice->exponent;
    sh.value_exponent = choice->value_exponent;
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
    std::optional<std::string> plain;
    if (pn != nullptr) {
        plain = read_string(s, *pn, child(path, "plain_unit"));
        if (!plain) return false;
    }
    if (const auto why = app::plain_unit_problem(*q, pn != nullptr)) {
        const bool at_plain = why->field == "plain_unit";
        s.error(at_plain ? *pn : *qn, child(path, why->field), why->reason);
        return false;
    }
    if (plain) sh.spec.plain_text_unit = std::move(*plain);
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
    if (const auto why = app::unit_problem(sh.vib, *u, un->as_string()->get())) {
        s.error(*un, child(path, "unit"), *why);
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
        if (const auto c = app::usual_coding(sh.vib)) {
            sh.spec.coding = *c;
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

std::optional<sim::record_config> raw_record(sink& s, const toml::table& t, const std::string& path,
                                             std::uint64_t walk_seed) {
    for (const auto key : shape_keys)
        if (const auto* n = t.get(key))
            s.error(*n, child(path, key),
                    fmt::format("\"{}\" cannot go with raw: the raw bytes give it", key));
    const auto* rn = t.get("raw");
    const auto b = read_hex(s, *rn, child(path, "raw"));
    if (!b) return std::nullopt;
    const auto head = reported(s, *rn, child(path, "raw"), app::split_record_head(*b));
    if (!head) return std::nullopt;

    const auto* data = t.get("data");
    if (!head->v) { // DIF 0F, 1F, 2F
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
        if (const auto why = app::data_problem(head->d, d.size())) {
            s.error(*data, child(path, "data"), *why);
            return std::nullopt;
        }
        return sim::record_config{sim::raw_record{{head->d, std::nullopt, std::move(d)}}};
    }
    if (data != nullptr && t.get("value") == nullptr) {
        auto d = read_hex(s, *data, child(path, "data"));
        if (!d) return std::nullopt;
        if (const auto why = app::data_problem(head->d, d->size())) {
            s.error(*data, child(path, "data"), *why);
            return std::nullopt;
        }
        return sim::record_config{sim::raw_record{{head->d, head->v, std::move(*d)}}};
    }
    // Bytes for the head, a value for the data: the spec must encode back to the same DIB.
    shape sh;
    const auto dm = app::describe(head->d);
    sh.spec.function = dm.function;
    sh.spec.storage = dm.storage;
    sh.spec.tariff = dm.tariff;
    sh.spec.subunit = dm.subunit;
    sh.spec.coding = dm.coding;
    sh.spec.raw_vib = head->v;
    const auto canonical = app::encode_dib(dm);
    if (!canonical || *canonical != head->d) {
        s.error(
            *rn, child(path, "raw"),
            "these DIF/DIFE bytes are not the shortest for their meaning, so a value cannot be encoded into "
            "them: give the data as bytes (data = \"...\")");
        return std::nullopt;
    }
    if (!describe_vib(s, t, path, sh, *head->v)) return std::nullopt;
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
    if (both_given(s, t, path, "quantity", "vif", " (the VIF as bytes)")) return std::nullopt;
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