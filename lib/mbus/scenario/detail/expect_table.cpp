// [[expect]]: what the master under test must have done, for `mbus-sim test`.
//
//   [[expect]]
//   that = "read"              # read, fcb_toggled, nothing_sent_to, found_by_scan, no_malformed,
//   meters = ["heat-1"]        # within, requests; `name` labels it in the report
//
// Each kind takes only its own keys; a key of another kind is reported as not applying.

#include <mbus/core/variant.hpp>
#include <mbus/scenario/detail/harness_tables.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/table_array.hpp>

#include <algorithm>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

namespace expects = harness::expects;

const std::vector<std::string_view> all_keys{"that",    "name",     "meters",  "address",
                                             "request", "at_least", "at_most", "limit"};

// The keys each kind takes beside "that" and "name".
std::vector<std::string_view> keys_of(const harness::expect_that& that) {
    using keys = std::vector<std::string_view>;
    return std::visit(overloaded{
                          [](const expects::read&) { return keys{"meters"}; },
                          [](const expects::fcb_toggled&) { return keys{}; },
                          [](const expects::nothing_sent_to&) {
                              return keys{"address", "request"};
                          },
                          [](const expects::found_by_scan&) { return keys{"meters"}; },
                          [](const expects::no_malformed&) { return keys{}; },
                          [](const expects::within&) { return keys{"limit"}; },
                          [](const expects::request_count&) {
                              return keys{"request", "address", "at_least", "at_most"};
                          },
                          [](const expects::fresh_fcb&) { return keys{}; },
                          [](const expects::whole_field_wildcards&) { return keys{}; },
                          [](const expects::select_without_fd_answer&) { return keys{}; },
                      },
                      that);
}

// A string or an array of them.
template <class F>
void each_string(sink& s, const toml::node& n, const std::string& path, F&& f) {
    if (const auto* a = n.as_array()) {
        if (a->empty()) s.error(n, path, "an empty list; leave the key out to mean every one");
        for (std::size_t i = 0; i < a->size(); ++i)
            if (auto v = read_string(s, (*a)[i], child(path, i))) f(*v, (*a)[i]);
        return;
    }
    if (auto v = read_string(s, n, path)) f(*v, n);
}

void read_meters(sink& s, const toml::node& n, const std::string& path, const name_index& names,
                 std::vector<std::string>& meters) {
    std::unordered_set<std::string> listed(meters.begin(), meters.end());
    each_string(s, n, path, [&](const std::string& name, const toml::node& at) {
        if (!names.contains(name)) {
            s.error(at, path, fmt::format("no meter is named \"{}\"{}", name, names.did_you_mean(name)));
            return;
        }
        if (listed.insert(name).second) meters.push_back(name);
    });
}

// 255, "FF" or "0xFF": people name the broadcast addresses in hex and meters in decimal.
std::optional<byte> read_address(sink& s, const toml::node& n, const std::string& path) {
    if (n.is_integer()) {
        if (const auto v = read_integer(s, n, path, 0, 255)) return static_cast<byte>(*v);
        return std::nullopt;
    }
    const auto text = read_string(s, n, path);
    if (!text) return std::nullopt;
    std::string_view t = *text;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
    const auto b = from_hex(t);
    if (!b || b->size() != 1) {
        s.error(n, path, fmt::format("\"{}\" is not an address (0..255, or hex such as \"FF\")", *text));
        return std::nullopt;
    }
    return b->front();
}

void read_addresses(sink& s, const toml::node& n, const std::string& path, std::vector<byte>& addresses) {
    const auto add = [&](const toml::node& x, const std::string& p) {
        if (const auto a = read_address(s, x, p))
            if (std::find(addresses.begin(), addresses.end(), *a) == addresses.end()) addresses.push_back(*a);
    };
    if (const auto* a = n.as_array()) {
        if (a->empty()) s.error(n, path, "an empty list of addresses");
        for (std::size_t i = 0; i < a->size(); ++i)
            add((*a)[i], child(path, i));
        return;
    }
    add(n, path);
}

std::optional<harness::expectation> parse_one(sink& s, const toml::table& t, const std::string& path,
                                              const name_index& names) {
    layers(t).unknown_keys(s, path, all_keys);
    const auto* that = t.get("that");
    if (that == nullptr) {
        s.error(t, path,
                fmt::format("missing key \"that\" (what to expect: {})", one_of(harness::expect_kind_names)));
        return std::nullopt;
    }
    const auto text = read_string(s, *that, child(path, "that"));
    if (!text) return std::nullopt;
    const auto kind = harness::parse_expect_kind(*text);
    if (!kind) {
        const auto close = closest(*text, harness::expect_kind_names);
        s.error(*that, child(path, "that"),
                close ? fmt::format("unknown expectation \"{}\"; did you mean \"{}\"?", *text, *close)
                      : fmt::format("unknown expectation \"{}\"; expected {}", *text,
                                    one_of(harness::expect_kind_names)));
        return std::nullopt;
    }

    harness::expectation e{*kind, {}, {}};
    const auto& begin = t.source().begin;
    e.where =
        fmt::format("{}:{}:{}", t.source().path ? *t.source().path : std::string(), begin.line, begin.column);
    const auto own = keys_of(e.that);
    for (const auto& [k, v] : t) {
        const auto key = k.str();
        if (key == "that" || key == "name") continue;
        if (std::find(all_keys.begin(), all_keys.end(), key) == all_keys.end()) continue; // reported above
        if (std::find(own.begin(), own.end(), key) == own.end())
            s.error(k.source(), child(path, key),
                    fmt::format("\"{}\" does not apply to that = \"{}\"{}", key, *text,
                                own.empty() ? std::string(" (it takes no other keys)")
                                            : fmt::format(" (it takes {})", one_of(own))));
    }

    const auto errors = s.size();
    if (const auto* n = t.get("name")) e.label = read_string(s, *n, child(path, "name")).value_or("");
    const auto request = [&](std::optional<link::request_kind>& out) {
        const auto* n = t.get("request");
        if (n == nullptr) return;
        if (const auto r = read_string(s, *n, child(path, "request"))) {
            out = link::parse_request_kind(*r);
            if (!out)
                s.error(
                    *n, child(path, "request"),
                    fmt::format("unknown request kind \"{}\"; expected SND_NKE, REQ_UD2, REQ_UD1, SELECT, "
                                "SND_UD or OTHER",
                                *r));
        }
    };
    const auto addresses = [&](std::vector<byte>& out) {
        if (const auto* n = t.get("address")) read_addresses(s, *n, child(path, "address"), out);
    };
    const auto meters = [&](std::vector<std::string>& out) {
        if (const auto* n = t.get("meters")) read_meters(s, *n, child(path, "meters"), names, out);
    };
    const auto count = [&](std::string_view key) -> std::optional<std::uint64_t> {
        if (const auto* n = t.get(key))
            if (const auto v = read_integer(s, *n, child(path, key), 0, 1'000'000'000))
                return static_cast<std::uint64_t>(*v);
        return std::nullopt;
    };
    std::visit(
        overloaded{
            [&](expects::read& x) { meters(x.meters); },
            [](expects::fcb_toggled&) {},
            [&](expects::nothing_sent_to& x) {
                addresses(x.addresses);
                request(x.request);
                if (t.get("address") == nullptr)
                    s.error(t, path, "missing key \"address\" (where nothing may go, e.g. 255 or \"FF\")");
            },
            [&](expects::found_by_scan& x) { meters(x.meters); },
            [](expects::no_malformed&) {},
            [&](expects::within& x) {
                if (const auto* n = t.get("limit")) {
                    if (const auto d = read_duration(s, *n, child(path, "limit"))) {
                        if (d->count() <= 0)
                            s.error(*n, child(path, "limit"), "the time limit must be above zero");
                        else
                            x.seconds = d->count();
                    }
                } else {
                    s.error(t, path, "missing key \"limit\" (a duration such as \"30s\")");
                }
            },
            [&](expects::request_count& x) {
                addresses(x.addresses);
                request(x.request);
                x.at_least = count("at_least");
                x.at_most = count("at_most");
                if (t.get("at_least") == nullptr && t.get("at_most") == nullptr)
                    s.error(t, path, "give at_least, at_most or both");
                else if (x.at_least && x.at_most && *x.at_least > *x.at_most)
                    s.error(t, path, fmt::format("at_least {} is above at_most {}", *x.at_least, *x.at_most));
            },
            [](expects::fresh_fcb&) {},
            [](expects::whole_field_wildcards&) {},
            [](expects::select_without_fd_answer&) {},
        },
        e.that);
    if (s.size() != errors) return std::nullopt;
    return e;
}

} // namespace

void parse_expectations(sink& s, const toml::node* n, scenario& sc, const name_index& meters) {
    for_each_top_table(s, n, "expect", "expectation",
                       [&](const toml::table& t, const std::string& path, std::size_t) {
                           if (auto e = parse_one(s, t, path, meters))
                               sc.expectations.push_back(std::move(*e));
                       });
}

} // namespace mbus::scenario::detail
