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

// The keys each kind reads besides the common ones.
std::vector<std::string_view> keys_of(const sim::fault_action& a) {
    std::vector<std::string_view> out;
    if (const auto* k = find_fault_kind(sim::name(a)))
        for (const auto& p : k->parameters)
            out.push_back(p.name);
    return out;
}

std::vector<std::string_view> all_keys() {
    auto out = common_keys;
    for (const auto& kind : every_alternative<sim::fault_action>())
        for (const auto key : keys_of(kind))
            if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
    return out;
}

// The kinds that read `key`, for "belongs to" messages.
std::string kinds_with(std::string_view key) {
    std::vector<std::string_view> names;
    for (const auto& kind : every_alternative<sim::fault_action>()) {
        const auto keys = keys_of(kind);
        if (std::find(keys.begin(), keys.end(), key) != keys.end()) names.push_back(sim::name(kind));
    }
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

std::optional<sim::fault_spec> parse_fault(sink& s, const toml::table& t, const std::string& path,
                                           std::size_t index, const name_index& meters) {
    const auto errors = s.size();
    const auto known = all_keys();
    layers(t).unknown_keys(s, path, known);

    sim::fault_spec f;
    f.name = fmt::format("fault{}", index + 1);
    if (const auto* n = t.get("name"))
        if (auto v = read_string(s, *n, child(path, "name"))) {
            if (v->empty())
                s.error(*n, child(path, "name"), "a fault's name cannot be empty");
            else
                f.name = std::move(*v);
        }

    if (const auto* n = t.get("meter"))
        if (auto v = read_string(s, *n, child(path, "meter"))) {
            if (!meters.contains(*v))
                s.error(*n, child(path, "meter"),
                        fmt::format("no meter named \"{}\"{}", *v, meters.did_you_mean(*v)));
            else
                f.meter = std::move(*v);
        }

    const auto* kn = t.get("kind");
    if (kn == nullptr) {
        s.error(t, path, fmt::format("missing key \"kind\" (one of {})", one_of(sim::fault_kind_names)));
        return std::nullopt;
    }
    const auto text = read_string(s, *kn, child(path, "kind"));
    if (!text) return std::nullopt;
    const auto kind = sim::parse_fault_kind(*text);
    if (!kind) {
        const auto& kinds = sim::fault_kind_names;
        const auto close = closest(*text, kinds);
        s.error(*kn, child(path, "kind"),
                close ? fmt::format("unknown fault kind \"{}\"; did you mean \"{}\"?", *text, *close)
                      : fmt::format("unknown fault kind \"{}\"; expected {}", *text, one_of(kinds)));
        return std::nullopt;
    }
    f.action = *kind;

    // Keys of other kinds: known words in the wrong place.
    const auto mine = keys_of(f.action);
    for (const auto& [k, v] : t) {
        const auto key = k.str();
        if (std::find(common_keys.begin(), common_keys.end(), key) != common_keys.end()) continue;
        if (std::find(mine.begin(), mine.end(), key) != mine.end()) continue;
        if (std::find(known.begin(), known.end(), key) == known.end()) continue; // reported as unknown
        s.error(k.source(), child(path, key),
                fmt::format("key \"{}\" does not belong to kind \"{}\" (it is for {})", key,
                            sim::name(f.action), kinds_with(key)));
    }

    read_trigger(s, t, path, f);
    read_params(s, t, path, f);
    if (s.size() != errors) return std::nullopt;
    return f;
}

} // namespace

void parse_faults(sink& s, const toml::node* n, scenario& sc, const name_index& meters) {
    std::map<std::string, std::string> seen; // name -> path
    for_each_top_table(
        s, n, "fault", "fault", [&](const toml::table& t, const std::string& path, std::size_t i) {
            auto f = parse_fault(s, t, path, i, meters);
            if (!f) return;
            const auto [it, fresh] = seen.emplace(f->name, path);
            if (!fresh) {
                s.error(t, path, fmt::format("name \"{}\" is already the name of {}", f->name, it->second));
                return;
            }
            sc.faults.push_back(std::move(*f));
        });
}

} // namespace mbus::scenario::detail
