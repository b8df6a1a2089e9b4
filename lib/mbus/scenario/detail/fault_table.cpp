// [[fault]]: what scenarios/README.md ("[[fault]]") describes. Keys common to every kind, then the keys of
// the kind; a key of another kind is reported as not belonging, a key of no kind as unknown (with a
// suggestion).
#include <mbus/core/variant.hpp>
#include <mbus/scenario/detail/exclusive_keys.hpp>
#include <mbus/scenario/detail/harness_tables.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/table_array.hpp>
#include <mbus/scenario/detail/tables.hpp>
#include <mbus/scenario/fault_kinds.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

namespace faults = sim::faults;

// Both from the one table of kinds (fault_kinds.hpp) that the control API lists too.
const std::vector<std::string_view> common_keys = [] {
    std::vector<std::string_view> out;
    for (const auto& p : common_fault_keys())
        out.push_back(p.name);
    return out;
}();

// The keys each kind reads besides the common ones (M-Bus and HAN kinds alike).
std::vector<std::string_view> keys_of(std::string_view kind) {
    std::vector<std::string_view> out;
    if (const auto* k = find_fault_kind(kind))
        for (const auto& p : k->parameters)
            out.push_back(p.name);
    return out;
}

std::vector<std::string_view> all_keys() {
    auto out = common_keys;
    for (const auto& kind : fault_kinds())
        for (const auto& p : kind.parameters)
            if (std::find(out.begin(), out.end(), p.name) == out.end()) out.push_back(p.name);
    return out;
}

// The kinds that read `key`, for "belongs to" messages.
std::string kinds_with(std::string_view key) {
    std::vector<std::string_view> names;
    for (const auto& kind : fault_kinds())
        for (const auto& p : kind.parameters)
            if (p.name == key) names.push_back(kind.kind);
    return one_of(names);
}

// Milliseconds as a number or [min, max]; unlike a meter's response delay, it may lie beyond the
// EN 13757-2 window (that is the point of a late answer).
std::optional<sim::delay_range> read_ms_range(sink& s, const toml::node& n, const std::string& path) {
    constexpr double max_ms = 60'000;
    const auto bounds = read_ms_bounds(s, n, path);
    if (!bounds) return std::nullopt;
    const auto [lo, hi] = *bounds;
    if (!(lo >= 0 && hi <= max_ms && lo <= hi)) {
        s.error(n, path, fmt::format("{} .. {} ms is not a range within 0 .. 60000 ms", lo, hi));
        return std::nullopt;
    }
    const auto us = [](double ms) { return sim::microseconds(std::llround(ms * 1000.0)); };
    return sim::delay_range{us(lo), us(hi)};
}

std::optional<std::size_t> read_count(sink& s, const toml::node& n, const std::string& path, std::int64_t lo,
                                      std::int64_t hi) {
    const auto v = read_integer(s, n, path, lo, hi);
    if (!v) return std::nullopt;
    return static_cast<std::size_t>(*v);
}

std::optional<byte> read_byte(sink& s, const toml::node& n, const std::string& path) {
    const auto v = read_integer(s, n, path, 0, 0xFF);
    if (!v) return std::nullopt;
    return static_cast<byte>(*v);
}

std::optional<sim::microseconds> read_time(sink& s, const toml::node& n, const std::string& path) {
    const auto d = read_duration(s, n, path);
    if (!d) return std::nullopt;
    if (d->count() < 0) {
        s.error(n, path, "a time since the start cannot be negative");
        return std::nullopt;
    }
    return sim::microseconds(std::llround(d->count() * 1e6));
}

void read_requests(sink& s, const toml::node& n, const std::string& path,
                   std::vector<link::request_kind>& out) {
    static constexpr std::array<std::string_view, link::request_kind_count> names{
        "SND_NKE", "REQ_UD2", "REQ_UD1", "SELECT", "SND_UD", "OTHER"};
    const auto* a = read_array(s, n, path);
    if (a == nullptr) return;
    for (std::size_t i = 0; i < a->size(); ++i) {
        const auto text = read_string(s, (*a)[i], child(path, i));
        if (!text) continue;
        if (const auto k = link::parse_request_kind(*text)) {
            if (std::find(out.begin(), out.end(), *k) == out.end()) out.push_back(*k);
        } else {
            s.error((*a)[i], child(path, i),
                    fmt::format("unknown request kind \"{}\"{}", *text,
                                closest(*text, names) ? did_you_mean(*text, names)
                                                      : "; expected " + one_of(names)));
        }
    }
}

void read_trigger(sink& s, const toml::table& t, const std::string& path, sim::fault_spec& f) {
    auto& w = f.trigger;
    if (const auto* n = t.get("requests")) read_requests(s, *n, child(path, "requests"), w.requests);
    if (const auto* n = t.get("probability"))
        if (const auto v = read_number(s, *n, child(path, "probability"))) {
            if (*v < 0 || *v > 1)
                s.error(*n, child(path, "probability"), fmt::format("{} is not a probability (0 .. 1)", *v));
            else
                w.probability = *v;
        }
    if (const auto* n = t.get("every"))
        if (const auto v = read_integer(s, *n, child(path, "every"), 1, 1'000'000'000))
            w.every = static_cast<std::uint64_t>(*v);
    if (const auto* n = t.get("after"))
        if (const auto v = read_integer(s, *n, child(path, "after"), 0, 1'000'000'000))
            w.after = static_cast<std::uint64_t>(*v);
    if (const auto* n = t.get("from")) w.from = read_time(s, *n, child(path, "from"));
    if (const auto* n = t.get("until")) w.until = read_time(s, *n, child(path, "until"));
    if (w.from && w.until && *w.until <= *w.from)
        s.error(*t.get("until"), child(path, "until"), "until must come after from");
    if (const auto* n = t.get("seed"))
        if (const auto v =
                read_integer(s, *n, child(path, "seed"), 0, std::numeric_limits<std::int64_t>::max()))
            w.seed = static_cast<std::uint64_t>(*v);
    if (const auto* n = t.get("active")) f.active = read_bool(s, *n, child(path, "active")).value_or(true);
}

// Hex bytes ("AA 55") or that many random ones: the two ways of giving garbage.
void read_bytes_or_random(sink& s, const toml::table& t, const std::string& path, std::string_view hex_key,
                          std::string_view random_key, bytes& hex, std::size_t& random) {
    const auto* h = t.get(hex_key);
    const auto* r = t.get(random_key);
    both_given(s, t, path, hex_key, random_key);
    if (h != nullptr)
        if (auto b = read_hex(s, *h, child(path, hex_key))) {
            if (b->empty())
                s.error(*h, child(path, hex_key), "no bytes");
            else
                hex = std::move(*b);
        }
    if (r != nullptr)
        if (const auto v = read_count(s, *r, child(path, random_key), 1, 1000)) random = *v;
}

void read_params(sink& s, const toml::table& t, const std::string& path, sim::fault_spec& f) {
    const auto missing = [&](std::string_view key, std::string_view what) {
        s.error(t, path, fmt::format("kind \"{}\" needs key \"{}\" ({})", sim::name(f.action), key, what));
    };
    const auto at = [&](std::string_view key) { return child(path, key); };
    std::visit(
        overloaded{
            [&](faults::late& p) {
                if (const auto* n = t.get("delay_ms")) {
                    if (const auto d = read_ms_range(s, *n, at("delay_ms"))) p.delay = *d;
                } else {
                    missing("delay_ms", "milliseconds, or [min, max]");
                }
            },
            [&](faults::gap& p) {
                if (const auto* n = t.get("at_byte")) {
                    if (const auto v = read_count(s, *n, at("at_byte"), 1, 300)) p.pause.after = *v;
                } else {
                    missing("at_byte", "the pause comes after this many bytes");
                }
                if (const auto* n = t.get("pause_ms")) {
                    if (const auto d = read_ms_range(s, *n, at("pause_ms"));
                        d && d->min == d->max && d->min.count() > 0)
                        p.pause.length = d->min;
                    else if (d)
                        s.error(*n, at("pause_ms"), "expected one number of milliseconds above 0");
                } else {
                    missing("pause_ms", "the pause in milliseconds");
                }
            },
            [&](faults::bad_checksum& p) {
                if (const auto* n = t.get("delta"))
                    if (const auto v = read_integer(s, *n, at("delta"), 1, 255))
                        p.delta = static_cast<int>(*v);
            },
            [&](faults::bad_stop& p) {
                if (const auto* n = t.get("stop"))
                    if (const auto v = read_byte(s, *n, at("stop"))) {
                        if (*v == link::stop_byte)
                            s.error(*n, at("stop"), "16 is the right stop byte");
                        else
                            p.stop = *v;
                    }
            },
            [&](faults::bad_length& p) {
                if (const auto* n = t.get("delta"))
                    if (const auto v = read_integer(s, *n, at("delta"), -255, 255)) {
                        if (*v == 0)
                            s.error(*n, at("delta"), "a delta of 0 leaves the length right");
                        else
                            p.delta = static_cast<int>(*v);
                    }
                if (const auto* n = t.get("which"))
                    if (const auto i = read_choice(s, *n, at("which"), {"both", "first", "second"}))
                        p.which = static_cast<sim::length_field>(*i);
            },
            [&](faults::truncate& p) {
                if (const auto* n = t.get("keep")) {
                    if (const auto v = read_count(s, *n, at("keep"), 1, 260)) p.keep = *v;
                } else {
                    missing("keep", "how many bytes of the answer are sent");
                }
            },
            [&](faults::bit_errors& p) {
                if (const auto* n = t.get("rate")) {
                    if (const auto v = read_number(s, *n, at("rate"))) {
                        if (*v <= 0 || *v > 1)
                            s.error(*n, at("rate"),
                                    fmt::format("{} is not a bit error rate (above 0, at most 1)", *v));
                        else
                            p.rate = *v;
                    }
                } else {
                    missing("rate", "the probability of each bit flipping");
                }
            },
            [&](faults::garbage& p) {
                read_bytes_or_random(s, t, path, "prefix", "prefix_random", p.prefix, p.prefix_random);
                read_bytes_or_random(s, t, path, "suffix", "suffix_random", p.suffix, p.suffix_random);
                if (!t.contains("prefix") && !t.contains("prefix_random") && !t.contains("suffix") &&
                    !t.contains("suffix_random"))
                    missing("prefix", "hex bytes; or prefix_random, suffix, suffix_random");
            },
            [&](faults::ack_junk& p) {
                read_bytes_or_random(s, t, path, "junk", "junk_random", p.junk, p.junk_random);
            },
            [&](faults::duplicate& p) {
                if (const auto* n = t.get("copies"))
                    if (const auto v = read_count(s, *n, at("copies"), 2, 16)) p.copies = *v;
            },
            [&](faults::wrong_address& p) {
                if (const auto* n = t.get("address")) p.address = read_byte(s, *n, at("address"));
            },
            [&](faults::access_number& p) {
                if (const auto* n = t.get("value")) p.value = read_byte(s, *n, at("value")).value_or(0);
            },
            [&](faults::status_flags& p) {
                if (const auto* n = t.get("flags")) {
                    if (const auto v = read_integer(s, *n, at("flags"), 1, 0xFF))
                        p.flags = static_cast<byte>(*v);
                } else {
                    missing("flags", "the bits ORed into the status byte, e.g. 0x08 permanent error");
                }
            },
            [&](faults::app_error& p) {
                if (const auto* n = t.get("status")) p.status = read_byte(s, *n, at("status")).value_or(0);
            },
            [&](faults::wrong_baud& p) {
                const auto baud = [&](std::string_view key) -> std::optional<unsigned> {
                    const auto* n = t.get(key);
                    if (n == nullptr) return std::nullopt;
                    const auto v = read_integer(s, *n, at(key), 0, 1'000'000);
                    if (v && valid_baud(*v)) return static_cast<unsigned>(*v);
                    if (v)
                        s.error(*n, at(key),
                                fmt::format("{} is not an M-Bus baud rate (300, 600, 1200, 2400, 4800, 9600, "
                                            "19200, 38400)",
                                            *v));
                    return std::nullopt;
                };
                if (t.contains("baud"))
                    p.baud = baud("baud").value_or(0);
                else
                    missing("baud", "the rate the meter sends at");
                if (t.contains("line_baud")) p.line_baud = baud("line_baud").value_or(2400);
            },
            [&](faults::wake_up& p) {
                if (const auto* n = t.get("count"))
                    if (const auto v = read_count(s, *n, at("count"), 1, 1000)) p.count = *v;
                // A sleeping meter misses its first requests whatever the dice say; counting and dice
                // would make "the first N" mean something else.
                for (const auto key : {"probability", "every", "after"})
                    if (const auto* n = t.get(key))
                        s.error(
                            *n, at(key),
                            fmt::format("kind \"wake_up\" takes no \"{}\" (it counts with \"count\")", key));
            },
            [&](faults::preamble& p) {
                if (const auto* n = t.get("zeros"))
                    if (const auto v = read_count(s, *n, at("zeros"), 1, 1000)) p.zeros = *v;
            },
            [](faults::no_answer&) {},
            [](faults::echo&) {},
            [](faults::ignore_fcb&) {},
            [](faults::any_address&) {},
        },
        f.action);
}

// A [[fault]] with a han_* kind: on the pushes of a [[han_meter]].
void read_han_params(sink& s, const toml::table& t, const std::string& path, sim::han_fault_spec& f) {
    namespace hf = sim::han_faults;
    const auto at = [&](std::string_view key) { return child(path, key); };
    const auto missing = [&](std::string_view key, std::string_view what) {
        s.error(t, path, fmt::format("kind \"{}\" needs key \"{}\" ({})", sim::name(f.action), key, what));
    };
    std::visit(
        overloaded{
            [&](hf::truncate& p) {
                both_given(s, t, path, "keep", "fraction");
                if (const auto* n = t.get("keep"))
                    if (const auto v = read_count(s, *n, at("keep"), 1, 4096)) p.keep = *v;
                if (const auto* n = t.get("fraction"))
                    if (const auto v = read_number(s, *n, at("fraction"))) {
                        if (*v <= 0 || *v >= 1)
                            s.error(*n, at("fraction"),
                                    fmt::format("{} is not a fraction of the push to keep (above 0, below 1)",
                                                *v));
                        else
                            p.fraction = *v;
                    }
            },
            [&](hf::late& p) {
                if (const auto* n = t.get("delay_ms")) {
                    if (const auto d = read_ms_range(s, *n, at("delay_ms"))) p.delay = *d;
                } else {
                    missing("delay_ms", "milliseconds, or [min, max]");
                }
            },
            [&](hf::junk& p) {
                read_bytes_or_random(s, t, path, "junk", "junk_random", p.data, p.random);
                if (!t.contains("junk") && !t.contains("junk_random"))
                    missing("junk", "hex bytes such as \"00 FF\", or junk_random = a count");
            },
            [&](hf::clock_jump& p) {
                if (const auto* n = t.get("seconds")) {
                    constexpr std::int64_t ten_years = 10LL * 366 * 86400;
                    if (const auto v = read_integer(s, *n, at("seconds"), -ten_years, ten_years)) {
                        if (*v == 0)
                            s.error(*n, at("seconds"), "a jump of 0 s leaves the clock where it was");
                        else
                            p.by = std::chrono::seconds{*v};
                    }
                } else {
                    missing("seconds", "how far the clock jumps, + forward or - back");
                }
            },
            [&](hf::reboot& p) {
                const auto* n = t.get("clock");
                if (n == nullptr) return;
                if (const auto c = read_wall_time(s, *n, at("clock"), "the meter's clock after the reboot"))
                    p.clock = *c;
            },
            [&](hf::unknown_obis& p) {
                if (const auto* n = t.get("obis"))
                    if (const auto v = read_string(s, *n, at("obis"))) {
                        if (const auto o = han::obis::parse(*v))
                            p.code = *o;
                        else
                            s.error(
                                *n, at("obis"),
                                fmt::format("\"{}\" is not an OBIS code (A.B.C.D.E.F, e.g. 0.0.96.99.99.255)",
                                            *v));
                    }
                if (const auto* n = t.get("value"))
                    if (const auto v = read_integer(s, *n, at("value"), 0, 0xFFFFFFFF))
                        p.value = static_cast<std::uint32_t>(*v);
                if (const auto* n = t.get("position"))
                    if (const auto v = read_count(s, *n, at("position"), 0, 100)) p.position = *v;
            },
            [](hf::bad_hcs&) {},
            [](hf::bad_fcs&) {},
            [](hf::missing&) {},
        },
        f.action);
}

// A [[fault]] with a wm_* kind: on the transmissions of a [[wmbus_meter]].
void read_wmbus_params(sink& s, const toml::table& t, const std::string& path, sim::wmbus_fault_spec& f,
                       const scenario& sc) {
    namespace wf = sim::wmbus_faults;
    const auto at = [&](std::string_view key) { return child(path, key); };
    std::visit(
        overloaded{
            [&](wf::crc& p) {
                if (const auto* n = t.get("block"))
                    if (const auto v = read_count(s, *n, at("block"), 1, 16)) p.block = *v;
            },
            [&](wf::wrong_key& p) {
                if (const auto* n = t.get("key"))
                    if (auto k = read_hex(s, *n, at("key"))) {
                        if (k->size() != 16)
                            s.error(
                                *n, at("key"),
                                fmt::format("an AES-128 key is 16 bytes (32 hex digits), not {}", k->size()));
                        else
                            p.key = std::move(*k);
                    }
            },
            [&](wf::truncate& p) {
                both_given(s, t, path, "keep", "fraction");
                if (const auto* n = t.get("keep"))
                    if (const auto v = read_count(s, *n, at("keep"), 1, 255)) p.keep = *v;
                if (const auto* n = t.get("fraction"))
                    if (const auto v = read_number(s, *n, at("fraction"))) {
                        if (*v <= 0 || *v >= 1)
                            s.error(
                                *n, at("fraction"),
                                fmt::format("{} is not a fraction of the telegram to keep (above 0, below 1)",
                                            *v));
                        else
                            p.fraction = *v;
                    }
            },
            [&](wf::drift& p) {
                if (const auto* n = t.get("ppm"))
                    if (const auto v = read_number(s, *n, at("ppm"))) {
                        if (*v == 0 || std::abs(*v) > 500'000)
                            s.error(*n, at("ppm"),
                                    fmt::format("{} ppm is not a drift (non-zero, -500000..500000)", *v));
                        else
                            p.ppm = *v;
                    }
            },
            [&](wf::collision& p) {
                const auto* n = t.get("with");
                if (n == nullptr) {
                    s.error(t, path,
                            "kind \"wm_collision\" needs key \"with\" (the [[wmbus_meter]] that transmits at "
                            "the same time)");
                } else if (auto v = read_string(s, *n, at("with"))) {
                    std::vector<std::string_view> names;
                    for (const auto& m : sc.wmbus_meters)
                        names.push_back(m.name);
                    if (std::find(names.begin(), names.end(), *v) == names.end())
                        s.error(
                            *n, at("with"),
                            fmt::format("no [[wmbus_meter]] named \"{}\"{}", *v, did_you_mean(*v, names)));
                    else if (*v == f.meter)
                        s.error(*n, at("with"), "a meter does not collide with itself: name another");
                    else
                        p.with = std::move(*v);
                }
                if (const auto* o = t.get("offset_ms"))
                    if (const auto v = read_number(s, *o, at("offset_ms"))) {
                        if (*v < 0 || *v > 1000)
                            s.error(*o, at("offset_ms"),
                                    fmt::format("{} ms is not an offset into a transmission (0..1000)", *v));
                        else
                            p.offset = std::chrono::microseconds(
                                static_cast<std::chrono::microseconds::rep>(std::lround(*v * 1000)));
                    }
            },
            [](wf::missing&) {},
        },
        f.action);
}

using any_fault = std::variant<sim::fault_spec, sim::han_fault_spec, sim::wmbus_fault_spec>;

std::optional<any_fault> parse_fault(sink& s, const toml::table& t, const std::string& path,
                                     std::size_t index, const name_index& meters, const scenario& sc) {
    const auto errors = s.size();
    const auto known = all_keys();
    layers(t).unknown_keys(s, path, known);

    std::string name = fmt::format("fault{}", index + 1);
    if (const auto* n = t.get("name"))
        if (auto v = read_string(s, *n, child(path, "name"))) {
            if (v->empty())
                s.error(*n, child(path, "name"), "a fault's name cannot be empty");
            else
                name = std::move(*v);
        }

    const auto* kn = t.get("kind");
    if (kn == nullptr) {
        s.error(t, path,
                fmt::format("missing key \"kind\" (one of {}; for a [[han_meter]] one of {})",
                            one_of(sim::fault_kind_names), one_of(sim::han_fault_kind_names)));
        return std::nullopt;
    }
    const auto text = read_string(s, *kn, child(path, "kind"));
    if (!text) return std::nullopt;
    const auto kind = sim::parse_fault_kind(*text);
    const auto han_kind = kind ? std::nullopt : sim::parse_han_fault_kind(*text);
    const auto wm_kind = kind || han_kind ? std::nullopt : sim::parse_wmbus_fault_kind(*text);
    if (!kind && !han_kind && !wm_kind) {
        std::vector<std::string_view> kinds(sim::fault_kind_names.begin(), sim::fault_kind_names.end());
        kinds.insert(kinds.end(), sim::han_fault_kind_names.begin(), sim::han_fault_kind_names.end());
        kinds.insert(kinds.end(), sim::wmbus_fault_kind_names.begin(), sim::wmbus_fault_kind_names.end());
        const auto close = closest(*text, kinds);
        s.error(*kn, child(path, "kind"),
                close ? fmt::format("unknown fault kind \"{}\"; did you mean \"{}\"?", *text, *close)
                      : fmt::format("unknown fault kind \"{}\"; expected {}", *text, one_of(kinds)));
        return std::nullopt;
    }
    const std::string_view kind_name = kind       ? sim::name(*kind)
                                       : han_kind ? sim::name(*han_kind)
                                                  : sim::name(*wm_kind);

    // wm_* kinds act on [[wmbus_meter]]s' transmissions; the others are for scenarios without them.
    std::vector<std::string_view> wm_names;
    for (const auto& m : sc.wmbus_meters)
        wm_names.push_back(m.name);
    if (wm_kind || !sc.wmbus_meters.empty()) {
        if (!wm_kind) {
            s.error(*kn, child(path, "kind"),
                    fmt::format("kind \"{}\" is not for [[wmbus_meter]]s; on wireless meters use one of {}",
                                kind_name, one_of(sim::wmbus_fault_kind_names)));
            return std::nullopt;
        }
        if (sc.wmbus_meters.empty()) {
            s.error(*kn, child(path, "kind"),
                    fmt::format("kind \"{}\" is for [[wmbus_meter]]s and this scenario has none", kind_name));
            return std::nullopt;
        }
        sim::fault_spec f;
        f.name = name;
        if (const auto* mn = t.get("meter"))
            if (auto v = read_string(s, *mn, child(path, "meter"))) {
                if (std::find(wm_names.begin(), wm_names.end(), *v) == wm_names.end())
                    s.error(*mn, child(path, "meter"),
                            fmt::format("no [[wmbus_meter]] named \"{}\"{}", *v, did_you_mean(*v, wm_names)));
                else
                    f.meter = std::move(*v);
            }
        const auto mine = keys_of(kind_name);
        for (const auto& [k, v] : t) {
            const auto key = k.str();
            if (std::find(common_keys.begin(), common_keys.end(), key) != common_keys.end()) continue;
            if (std::find(mine.begin(), mine.end(), key) != mine.end()) continue;
            if (std::find(known.begin(), known.end(), key) == known.end()) continue;
            s.error(k.source(), child(path, key),
                    fmt::format("key \"{}\" does not belong to kind \"{}\" (it is for {})", key, kind_name,
                                kinds_with(key)));
        }
        read_trigger(s, t, path, f);
        if (const auto* n = t.get("requests"))
            s.error(*n, child(path, "requests"),
                    "a wireless meter transmits unasked: \"requests\" does not apply (every, after, "
                    "probability, from and until count its transmissions)");
        sim::wmbus_fault_spec w{std::move(f.name), std::move(f.meter), std::move(f.trigger), *wm_kind,
                                f.active};
        read_wmbus_params(s, t, path, w, sc);
        if (s.size() != errors) return std::nullopt;
        return any_fault{std::move(w)};
    }

    // HAN kinds act on [[han_meter]]s' pushes, the others on M-Bus meters' answers: a fault that
    // names a meter of the other sort, or none in a scenario without its sort, is an error.
    std::vector<std::string_view> han_names;
    for (const auto& m : sc.han_meters)
        han_names.push_back(m.name);
    const auto is_han_meter = [&](std::string_view m) {
        return std::find(han_names.begin(), han_names.end(), m) != han_names.end();
    };
    std::string meter;
    const auto* mn = t.get("meter");
    if (mn != nullptr) {
        if (auto v = read_string(s, *mn, child(path, "meter"))) {
            if (kind && is_han_meter(*v))
                s.error(*mn, child(path, "meter"),
                        fmt::format("\"{}\" is a [[han_meter]] and kind \"{}\" is for M-Bus meters; on a "
                                    "HAN meter use one of {}",
                                    *v, kind_name, one_of(sim::han_fault_kind_names)));
            else if (han_kind && meters.contains(*v))
                s.error(*mn, child(path, "meter"),
                        fmt::format("\"{}\" is an M-Bus [[meter]] and kind \"{}\" is for [[han_meter]]s; on "
                                    "an M-Bus meter use one of {}",
                                    *v, kind_name, one_of(sim::fault_kind_names)));
            else if (kind && !meters.contains(*v))
                s.error(*mn, child(path, "meter"),
                        fmt::format("no meter named \"{}\"{}", *v, meters.did_you_mean(*v)));
            else if (han_kind && !is_han_meter(*v))
                s.error(*mn, child(path, "meter"),
                        fmt::format("no [[han_meter]] named \"{}\"{}", *v, did_you_mean(*v, han_names)));
            else
                meter = std::move(*v);
        }
    } else if (kind && !sc.han_meters.empty()) {
        s.error(*kn, child(path, "kind"),
                fmt::format("kind \"{}\" is for M-Bus meters and this scenario has [[han_meter]]s; use one "
                            "of {}",
                            kind_name, one_of(sim::han_fault_kind_names)));
    } else if (han_kind && sc.han_meters.empty()) {
        s.error(*kn, child(path, "kind"),
                fmt::format("kind \"{}\" is for [[han_meter]]s and this scenario has none", kind_name));
    }

    // Keys of other kinds: known words in the wrong place.
    const auto mine = keys_of(kind_name);
    for (const auto& [k, v] : t) {
        const auto key = k.str();
        if (std::find(common_keys.begin(), common_keys.end(), key) != common_keys.end()) continue;
        if (std::find(mine.begin(), mine.end(), key) != mine.end()) continue;
        if (std::find(known.begin(), known.end(), key) == known.end()) continue; // reported as unknown
        s.error(k.source(), child(path, key),
                fmt::format("key \"{}\" does not belong to kind \"{}\" (it is for {})", key, kind_name,
                            kinds_with(key)));
    }

    sim::fault_spec f;
    f.name = name;
    f.meter = meter;
    read_trigger(s, t, path, f);
    if (han_kind) {
        if (const auto* n = t.get("requests"))
            s.error(*n, child(path, "requests"),
                    "a HAN meter pushes unasked: \"requests\" does not apply (every, after, probability, "
                    "from and until count its pushes)");
        sim::han_fault_spec h{std::move(f.name), std::move(f.meter), std::move(f.trigger), *han_kind,
                              f.active};
        read_han_params(s, t, path, h);
        if (s.size() != errors) return std::nullopt;
        return any_fault{std::move(h)};
    }
    f.action = *kind;
    read_params(s, t, path, f);
    if (s.size() != errors) return std::nullopt;
    return any_fault{std::move(f)};
}

} // namespace

void parse_faults(sink& s, const toml::node* n, scenario& sc, const name_index& meters) {
    std::map<std::string, std::string> seen; // name -> path
    for_each_top_table(
        s, n, "fault", "fault", [&](const toml::table& t, const std::string& path, std::size_t i) {
            auto f = parse_fault(s, t, path, i, meters, sc);
            if (!f) return;
            const auto& name = std::visit([](const auto& x) -> const std::string& { return x.name; }, *f);
            const auto [it, fresh] = seen.emplace(name, path);
            if (!fresh) {
                s.error(t, path, fmt::format("name \"{}\" is already the name of {}", name, it->second));
                return;
            }
            if (auto* h = std::get_if<sim::han_fault_spec>(&*f))
                sc.han_faults.push_back(std::move(*h));
            else if (auto* w = std::get_if<sim::wmbus_fault_spec>(&*f))
                sc.wmbus_faults.push_back(std::move(*w));
            else
                sc.faults.push_back(std::get<sim::fault_spec>(std::move(*f)));
        });
}

} // namespace mbus::scenario::detail
