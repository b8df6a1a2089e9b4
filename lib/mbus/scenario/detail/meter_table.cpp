#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/table_array.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/sim/meter_check.hpp>
#include <mbus/sim/timing.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

const std::vector<std::string_view> meter_keys{"name",
                                               "model",
                                               "address",
                                               "id",
                                               "manufacturer",
                                               "version",
                                               "medium",
                                               "status",
                                               "signature",
                                               "access_number",
                                               "fabrication_number",
                                               "baud",
                                               "quirks",
                                               "record",
                                               "recorded",
                                               "alarm",
                                               "write_rule",
                                               "repeat",
                                               "address_step",
                                               "id_step",
                                               "present"};

constexpr std::int64_t max_id = 99'999'999;

// 12345678 -> 0x12345678.
std::uint32_t to_bcd(std::int64_t n) {
    std::uint32_t out = 0;
    for (int shift = 0; shift < 32; shift += 4, n /= 10)
        out |= static_cast<std::uint32_t>(n % 10) << shift;
    return out;
}

std::int64_t from_bcd(std::uint32_t v) {
    std::int64_t out = 0;
    for (int shift = 28; shift >= 0; shift -= 4)
        out = out * 10 + ((v >> shift) & 0xF);
    return out;
}

// An identification or fabrication number: "00001234" or 1234.
std::optional<std::uint32_t> read_bcd8(sink& s, const toml::node& n, const std::string& path,
                                       std::string_view what) {
    if (n.is_integer()) {
        const auto v = n.as_integer()->get();
        if (v < 0 || v > max_id) {
            s.error(n, path, fmt::format("{} {} is not 8 decimal digits (0..99999999)", what, v));
            return std::nullopt;
        }
        return to_bcd(v);
    }
    const auto text = read_string(s, n, path);
    if (!text) return std::nullopt;
    const auto id = app::id_from_string(*text);
    if (!id) {
        s.error(n, path, fmt::format("{} \"{}\" is not 8 decimal digits", what, *text));
        return std::nullopt;
    }
    return *id;
}

template <class T>
void read_into(sink& s, const layers& l, const std::string& path, std::string_view key, T& field,
               std::int64_t lo, std::int64_t hi) {
    if (const auto* n = l.get(key))
        if (const auto v = read_integer(s, *n, child(path, key), lo, hi)) field = static_cast<T>(*v);
}

void read_quirks(sink& s, const layers& q, const std::string& path, sim::quirks& out, unsigned baud) {
    q.unknown_keys(s, path,
                   {"refuse", "wildcards", "fcb", "skew_bits", "response_delay_ms", "fd_unselected"});
    if (const auto* n = q.get("refuse"))
        if (const auto i = read_choice(s, *n, child(path, "refuse"), {"silent", "ack", "ack_then_app_error"}))
            out.refuse = static_cast<sim::refusal>(*i);
    if (const auto* n = q.get("wildcards"))
        if (const auto i = read_choice(s, *n, child(path, "wildcards"), {"standard", "nibbles_everywhere"}))
            out.wildcards = static_cast<app::wildcard_style>(*i);
    if (const auto* n = q.get("fcb"))
        if (const auto i = read_choice(s, *n, child(path, "fcb"), {"standard", "ignore"}))
            out.fcb = static_cast<sim::fcb_mode>(*i);
    if (const auto* n = q.get("fd_unselected"))
        if (const auto i = read_choice(s, *n, child(path, "fd_unselected"), {"silent", "ack"}))
            out.fd_unselected = static_cast<sim::fd_mode>(*i);
    if (const auto* n = q.get("skew_bits")) {
        if (const auto v = read_number(s, *n, child(path, "skew_bits"))) {
            // Beyond the 330 bit times of the answer window a skew is no longer a collision detail.
            if (*v < 0 || *v > 330)
                s.error(*n, child(path, "skew_bits"),
                        fmt::format("{} is out of range (0..330 bit times)", *v));
            else
                out.skew_bits = *v;
        }
    }
    if (const auto* n = q.get("response_delay_ms"))
        if (auto d = read_delay(s, *n, child(path, "response_delay_ms"), baud)) out.response_delay = *d;
}

// `reply` of a write rule: { telegram = N } or a telegram as bytes.
std::optional<std::variant<std::size_t, sim::recorded_telegram>> read_reply(sink& s, const toml::node& n,
                                                                            const std::string& path) {
    const auto* t = read_table(s, n, path);
    if (t == nullptr) return std::nullopt;
    if (const auto* k = t->get("telegram")) {
        layers(*t).unknown_keys(s, path, {"telegram"});
        const auto v = read_integer(s, *k, child(path, "telegram"), 1, 255);
        if (!v) return std::nullopt;
        return std::variant<std::size_t, sim::recorded_telegram>{static_cast<std::size_t>(*v - 1)};
    }
    auto r = parse_recorded(s, *t, path);
    if (!r) return std::nullopt;
    return std::variant<std::size_t, sim::recorded_telegram>{std::move(*r)};
}

std::optional<sim::write_rule> read_write_rule(sink& s, const toml::table& t, const std::string& path) {
    layers(t).unknown_keys(s, path, {"ci", "data", "prefix", "reply"});
    sim::write_rule w;
    const auto errors = s.size();
    if (const auto* n = t.get("ci"))
        if (const auto v = read_integer(s, *n, child(path, "ci"), 0, 0xFF)) w.ci = static_cast<byte>(*v);
    if (const auto* n = t.get("data")) {
        if (auto b = read_hex(s, *n, child(path, "data"))) w.data = std::move(*b);
    } else {
        s.error(t, path, "missing key \"data\" (the SND_UD user data after CI, as hex)");
    }
    if (const auto* n = t.get("prefix")) w.prefix = read_bool(s, *n, child(path, "prefix")).value_or(false);
    if (const auto* n = t.get("reply")) {
        if (auto r = read_reply(s, *n, child(path, "reply"))) w.reply = std::move(*r);
    }
    if (s.size() != errors) return std::nullopt;
    return w;
}

std::uint64_t mix(std::uint64_t x) { // splitmix64
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// A `repeat` name with {n}, {address} and {id} filled in, in one pass: time linear in the name made,
// and a value is never searched again for another placeholder.
std::string fill_name(std::string_view pattern, std::int64_t n, unsigned address, std::uint32_t id) {
    std::string out;
    out.reserve(pattern.size() + 16);
    while (!pattern.empty()) {
        const auto brace = pattern.find('{');
        out.append(pattern.substr(0, brace));
        if (brace == std::string_view::npos) break;
        pattern.remove_prefix(brace);
        if (pattern.starts_with("{n}")) {
            out += std::to_string(n);
            pattern.remove_prefix(3);
        } else if (pattern.starts_with("{address}")) {
            out += std::to_string(address);
            pattern.remove_prefix(9);
        } else if (pattern.starts_with("{id}")) {
            out += app::id_to_string(id);
            pattern.remove_prefix(4);
        } else {
            out += '{';
            pattern.remove_prefix(1);
        }
    }
    return out;
}

// `repeat` copies of `m`, stepping address and identification number (and fabrication number).
std::vector<sim::meter_config> expand(sink& s, const layers& l, const std::string& path,
                                      const sim::meter_config& m) {
    std::int64_t repeat = 1;
    std::int64_t address_step = 1;
    std::int64_t id_step = 1;
    const auto* rn = l.get("repeat");
    read_into(s, l, path, "repeat", repeat, 1, 10'000);
    read_into(s, l, path, "address_step", address_step, 0, link::address::max_primary);
    read_into(s, l, path, "id_step", id_step, 0, max_id);
    if (rn == nullptr) return {m};

    const auto last = repeat - 1;
    const auto last_address = m.primary_address + last * address_step;
    if (last_address > link::address::max_primary) {
        s.error(*rn, child(path, "repeat"),
                fmt::format("{} meters from address {} in steps of {} reach address {}, above 250", repeat,
                            m.primary_address, address_step, last_address));
        return {};
    }
    const auto id = from_bcd(m.identity.id);
    if (id + last * id_step > max_id) {
        s.error(*rn, child(path, "repeat"),
                fmt::format("{} meters from id {:08} in steps of {} run past 99999999", repeat, id, id_step));
        return {};
    }
    const auto fabrication = m.fabrication_number ? from_bcd(*m.fabrication_number) : 0;
    if (m.fabrication_number && fabrication + last * id_step > max_id) {
        s.error(*rn, child(path, "repeat"),
                fmt::format("{} meters from fabrication number {:08} in steps of {} run past 99999999",
                            repeat, fabrication, id_step));
        return {};
    }
    const bool walks = std::any_of(m.records.begin(), m.records.end(), [](const sim::record_config& r) {
        const auto* sr = std::get_if<sim::spec_record>(&r.content);
        return sr && sr->source && std::holds_alternative<sim::random_walk>(*sr->source);
    });
    std::vector<sim::meter_config> out;
    out.reserve(static_cast<std::size_t>(repeat));
    for (std::int64_t k = 0; k < repeat; ++k) {
        auto c = m;
        c.primary_address = static_cast<byte>(m.primary_address + k * address_step);
        c.identity.id = to_bcd(id + k * id_step);
        if (c.fabrication_number) c.fabrication_number = to_bcd(fabrication + k * id_step);
        if (!m.name.empty()) {
            const bool pattern = m.name.find('{') != std::string::npos;
            c.name = pattern ? fill_name(m.name, k + 1, c.primary_address, c.identity.id)
                             : fmt::format("{}-{}", m.name, k + 1);
        }
        // Copies walk apart: the same walk on every meter would hide which one a master read. Only
        // then does a copy get records of its own; the others share the table's.
        if (walks)
            for (auto& r : c.records.edit())
                if (auto* sr = std::get_if<sim::spec_record>(&r.content); sr && sr->source)
                    if (auto* w = std::get_if<sim::random_walk>(&*sr->source))
                        w->seed += static_cast<std::uint64_t>(k);
        out.push_back(std::move(c));
    }
    return out;
}

// The meter's table and its models, the deepest model first. Empty after an unreadable model.
std::optional<layers> gather(sink& s, const toml::table& t, const std::string& path, model_store& models,
                             const std::string& file) {
    layers l{t};
    std::vector<std::string> chain{canonical_name(file)};
    std::vector<std::string> shown_chain{file};
    const toml::table* current = &t;
    std::string current_file = file;
    while (const auto* n = current->get("model")) {
        const auto name = read_string(s, *n, child(path, "model"));
        if (!name) return std::nullopt;
        std::string shown;
        const auto where =
            (std::filesystem::path(current_file).parent_path() / *name).lexically_normal().string();
        if (std::find(chain.begin(), chain.end(), canonical_name(where)) != chain.end()) {
            std::string cycle;
            for (const auto& c : shown_chain)
                cycle += c + " -> ";
            s.error(*n, child(path, "model"), fmt::format("include cycle: {}{}", cycle, where));
            return std::nullopt;
        }
        const auto* m = models.get(s, *n, child(path, "model"), current_file, *name, shown);
        if (m == nullptr) return std::nullopt;
        l.push_front(*m);
        chain.push_back(canonical_name(shown));
        shown_chain.push_back(shown);
        current = m;
        current_file = shown;
    }
    return l;
}

} // namespace

bool is_meter_key(std::string_view key) {
    return std::find(meter_keys.begin(), meter_keys.end(), key) != meter_keys.end();
}

bool valid_baud(std::int64_t baud) {
    for (std::uint8_t ci = 0xB8; ci <= 0xBF; ++ci)
        if (sim::baud_for_ci(ci) == baud) return true;
    return false;
}

std::optional<std::pair<double, double>> read_ms_bounds(sink& s, const toml::node& n,
                                                        const std::string& path) {
    if (n.is_number()) {
        const auto v = read_number(s, n, path);
        if (!v) return std::nullopt;
        return std::pair{*v, *v};
    }
    const auto* a = n.as_array();
    if (a == nullptr || a->size() != 2) {
        s.error(n, path,
                fmt::format("expected [min, max] in milliseconds or one number, got {}",
                            a == nullptr ? type_name(n) : fmt::format("{} values", a->size())));
        return std::nullopt;
    }
    const auto x = read_number(s, (*a)[0], child(path, 0));
    const auto y = read_number(s, (*a)[1], child(path, 1));
    if (!x || !y) return std::nullopt;
    return std::pair{*x, *y};
}

std::optional<sim::delay_range> read_delay(sink& s, const toml::node& n, const std::string& path,
                                           unsigned baud) {
    const auto bounds = read_ms_bounds(s, n, path);
    if (!bounds) return std::nullopt;
    const auto [lo, hi] = *bounds;
    if (lo < 0 || lo > hi) {
        s.error(n, path, fmt::format("{} ms .. {} ms is not a range of delays (0 <= min <= max)", lo, hi));
        return std::nullopt;
    }
    const sim::delay_range d{sim::microseconds{std::llround(lo * 1000)},
                             sim::microseconds{std::llround(hi * 1000)}};
    const auto w = sim::response_window(baud);
    if (d.max < w.min || d.min > w.max) {
        s.error(n, path,
                fmt::format(
                    "{} ms .. {} ms lies outside the EN 13757-2 answer window at {} baud ({} ms .. {} ms)",
                    lo, hi, baud, static_cast<double>(w.min.count()) / 1000,
                    static_cast<double>(w.max.count()) / 1000));
        return std::nullopt;
    }
    return d;
}

std::optional<sim::recorded_telegram> parse_recorded(sink& s, const toml::table& t, const std::string& path,
                                                     std::initializer_list<std::string_view> extra) {
    std::vector<std::string_view> known{"hex", "user_data", "ci"};
    known.insert(known.end(), extra.begin(), extra.end());
    layers(t).unknown_keys(s, path, known);
    const auto* hex = t.get("hex");
    const auto* user_data = t.get("user_data");
    if ((hex == nullptr) == (user_data == nullptr)) {
        s.error(t, path, "give either hex (a whole frame) or user_data (the bytes after CI)");
        return std::nullopt;
    }
    if (hex != nullptr) {
        if (const auto* ci = t.get("ci"))
            s.error(*ci, child(path, "ci"), "ci goes with user_data; hex holds the whole frame");
        auto b = read_hex(s, *hex, child(path, "hex"));
        if (!b) return std::nullopt;
        return sim::recorded_frame{std::move(*b)};
    }
    sim::recorded_user_data u;
    if (const auto* ci = t.get("ci")) {
        const auto v = read_integer(s, *ci, child(path, "ci"), 0, 0xFF);
        if (!v) return std::nullopt;
        u.ci = static_cast<byte>(*v);
    }
    auto b = read_hex(s, *user_data, child(path, "user_data"));
    if (!b) return std::nullopt;
    if (b->size() > link::max_long_l - 3) {
        s.error(
            *user_data, child(path, "user_data"),
            fmt::format("{} bytes do not fit one long frame (at most {})", b->size(), link::max_long_l - 3));
        return std::nullopt;
    }
    u.data = std::move(*b);
    return u;
}

std::vector<sim::meter_config> parse_meter(sink& s, const toml::table& t, const std::string& path,
                                           model_store& models, const meter_context& ctx) {
    const auto errors = s.size();
    const auto gathered = gather(s, t, path, models, ctx.file);
    if (!gathered) return {};
    const auto& l = *gathered;
    l.unknown_keys(s, path, meter_keys);

    for (const auto key : {"address", "id", "manufacturer", "medium"})
        if (l.get(key) == nullptr) s.error(t, path, fmt::format("missing key \"{}\"", key));

    sim::meter_config m;
    if (const auto* n = l.get("name")) m.name = read_string(s, *n, child(path, "name")).value_or("");
    if (const auto* n = l.get("address")) {
        const auto a = read_integer(s, *n, child(path, "address"), std::numeric_limits<std::int64_t>::min(),
                                    std::numeric_limits<std::int64_t>::max());
        if (a && *a < 0)
            s.error(*n, child(path, "address"), fmt::format("{} is out of range (0..250)", *a));
        else if (a && *a > link::address::max_primary)
            s.error(
                *n, child(path, "address"),
                fmt::format("primary address {} is above 250 (251-255 are reserved, selection and broadcast)",
                            *a));
        else if (a)
            m.primary_address = static_cast<byte>(*a);
    }
    if (const auto* n = l.get("id"))
        m.identity.id = read_bcd8(s, *n, child(path, "id"), "identification number").value_or(0);
    if (const auto* n = l.get("manufacturer")) {
        if (const auto text = read_string(s, *n, child(path, "manufacturer"))) {
            if (const auto code = app::manufacturer_code(*text); code && text->size() == 3)
                m.identity.manufacturer = *code;
            else
                s.error(*n, child(path, "manufacturer"),
                        fmt::format("manufacturer \"{}\" is not three letters A-Z", *text));
        }
    }
    read_into(s, l, path, "version", m.identity.version, 0, 0xFF);
    if (const auto* n = l.get("medium")) {
        const auto p = child(path, "medium");
        if (n->is_integer()) {
            read_into(s, l, path, "medium", m.identity.medium, 0, 0xFF);
        } else if (const auto text = read_string(s, *n, p)) {
            if (const auto code = app::medium_from_name(*text)) {
                m.identity.medium = *code;
            } else {
                auto close = app::close_medium_names(*text, 10);
                std::stable_sort(close.begin(), close.end(),
                                 [&text](const std::string& a, const std::string& b) {
                                     return edit_distance(*text, a) < edit_distance(*text, b);
                                 });
                if (close.size() > 3) close.resize(3);
                std::string names;
                for (const auto& c : close)
                    names += (names.empty() ? "\"" : ", \"") + c + "\"";
                s.error(*n, p,
                        fmt::format("unknown medium \"{}\"{}", *text,
                                    close.empty()
                                        ? std::string("; give a name such as \"water\" or a number 0..255")
                                        : "; did you mean " + names + "?"));
            }
        }
    }
    read_into(s, l, path, "status", m.status, 0, 0xFF);
    read_into(s, l, path, "signature", m.signature, 0, 0xFFFF);
    if (const auto* n = l.get("access_number")) {
        const auto p = child(path, "access_number");
        if (n->is_integer()) {
            read_into(s, l, path, "access_number", m.access_number.initial, 0, 0xFF);
        } else if (n->is_table()) {
            const auto a = l.sub(s, path, "access_number");
            a.unknown_keys(s, p, {"start", "fixed"});
            read_into(s, a, p, "start", m.access_number.initial, 0, 0xFF);
            if (const auto* f = a.get("fixed"))
                m.access_number.fixed = read_bool(s, *f, child(p, "fixed")).value_or(false);
        } else {
            s.error(*n, p,
                    fmt::format("expected a number 0..255 or {{ start = N, fixed = true }}, got {}",
                                type_name(*n)));
        }
    }
    if (const auto* n = l.get("fabrication_number"))
        m.fabrication_number = read_bcd8(s, *n, child(path, "fabrication_number"), "fabrication number");
    m.baud = ctx.bus_baud;
    if (const auto* n = l.get("baud")) {
        if (const auto b = read_integer(s, *n, child(path, "baud"), 0, 1'000'000); b && valid_baud(*b))
            m.baud = static_cast<unsigned>(*b);
        else if (b)
            s.error(*n, child(path, "baud"),
                    fmt::format(
                        "{} is not an M-Bus baud rate (300, 600, 1200, 2400, 4800, 9600, 19200, 38400)", *b));
    }
    if (l.get("quirks") != nullptr)
        read_quirks(s, l.sub(s, path, "quirks"), child(path, "quirks"), m.options, m.baud);

    // Records: the topmost layer's list replaces the models' lists whole.
    std::vector<std::optional<std::size_t>> telegrams;
    if (const auto* n = l.get("record")) {
        const auto p = child(path, "record");
        for_each_table(s, *n, p, [&](const toml::table& rt, const std::string& ip, std::size_t i) {
            const auto seed = mix(ctx.bus_seed ^ mix((ctx.index << 16) + i));
            if (auto r = parse_record(s, rt, ip, seed)) {
                m.records.push_back(std::move(r->config));
                telegrams.push_back(r->telegram);
            }
        });
    }
    // Pages: a record without `telegram` goes with the record before it (the first with telegram 1).
    if (std::any_of(telegrams.begin(), telegrams.end(), [](const auto& k) { return k.has_value(); })) {
        std::size_t current = 1;
        for (std::size_t i = 0; i < telegrams.size(); ++i) {
            current = telegrams[i].value_or(current);
            if (m.pages.size() < current) m.pages.resize(current);
            m.pages[current - 1].push_back(i);
        }
        for (std::size_t k = 0; k < m.pages.size(); ++k)
            if (m.pages[k].empty())
                s.error(*l.get("record"), child(path, "record"),
                        fmt::format("telegram {} has no records (telegrams are numbered from 1 without gaps)",
                                    k + 1));
    }

    if (const auto* n = l.get("recorded")) {
        const auto p = child(path, "recorded");
        for_each_table(s, *n, p, [&](const toml::table& rt, const std::string& rp, std::size_t) {
            if (auto r = parse_recorded(s, rt, rp)) m.recorded.push_back(std::move(*r));
        });
        if (!m.recorded.empty() && !m.records.empty())
            s.error(*n, p, "a meter either replays recorded telegrams or builds them from records, not both");
    }

    if (l.get("alarm") != nullptr) {
        const auto p = child(path, "alarm");
        const auto a = l.sub(s, path, "alarm");
        a.unknown_keys(s, p, {"pending", "hex", "user_data", "ci"});
        if (const auto* n = a.get("pending"))
            m.alarm_pending = read_bool(s, *n, child(p, "pending")).value_or(false);
        // The telegram comes whole from one layer: mixing one file's hex with another's ci means nothing.
        for (auto it = a.tables().rbegin(); it != a.tables().rend(); ++it)
            if ((*it)->get("hex") != nullptr || (*it)->get("user_data") != nullptr) {
                m.alarm = parse_recorded(s, **it, p, {"pending"});
                break;
            }
    }

    if (const auto* n = l.get("write_rule")) {
        const auto p = child(path, "write_rule");
        for_each_table(s, *n, p, [&](const toml::table& wt, const std::string& wp, std::size_t) {
            if (auto w = read_write_rule(s, wt, wp)) m.write_rules.push_back(std::move(*w));
        });
    }

    if (l.get("record") == nullptr && l.get("recorded") == nullptr)
        s.error(t, path,
                "a meter needs records ([[meter.record]]) or recorded telegrams ([[meter.recorded]])");

    if (s.size() != errors) return {};
    // What the simulation itself would refuse (page layout, records too long for a frame, ...).
    const auto who = m.name.empty() ? std::string("meter: ") : "meter '" + m.name + "': ";
    for (auto problem : sim::check(m))
        s.error(t, path, problem.starts_with(who) ? problem.substr(who.size()) : problem);
    if (s.size() != errors) return {};
    return expand(s, l, path, m);
}

} // namespace mbus::scenario::detail
