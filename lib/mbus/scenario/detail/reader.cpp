#include <mbus/scenario/detail/reader.hpp>
#include <mbus/scenario/detail/suggest.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace mbus::scenario::detail {

void sink::error(const toml::source_region& where, std::string key, std::string message) {
    ++reports_;
    diagnostic d{where.path ? *where.path : std::string(), static_cast<int>(where.begin.line),
                 static_cast<int>(where.begin.column), std::move(key), std::move(message)};
    // NUL cannot be in a file name, so it separates the parts unambiguously.
    auto place = fmt::format("{}{}{}:{}:{}", d.file, '\0', d.line, d.column, d.message);
    if (seen_.insert(std::move(place)).second) list_.push_back(std::move(d));
}

void sink::error_in_file(std::string file, std::string message) {
    ++reports_;
    list_.push_back({std::move(file), 0, 0, {}, std::move(message)});
}

std::string child(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string child(const std::string& path, std::size_t index) { return fmt::format("{}[{}]", path, index); }

const toml::node* layers::get(std::string_view key) const {
    for (auto it = tables_.rbegin(); it != tables_.rend(); ++it)
        if (const auto* n = (*it)->get(key)) return n;
    return nullptr;
}

layers layers::sub(sink& s, const std::string& path, std::string_view key) const {
    layers out;
    for (const auto* t : tables_) {
        const auto* n = t->get(key);
        if (n == nullptr) continue;
        if (const auto* tt = read_table(s, *n, child(path, key))) out.push_back(*tt);
    }
    return out;
}

void layers::unknown_keys(sink& s, const std::string& path,
                          const std::vector<std::string_view>& known) const {
    for (const auto* t : tables_)
        for (const auto& [k, v] : *t) {
            if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
            s.error(k.source(), child(path, k.str()),
                    fmt::format("unknown key \"{}\"{}", k.str(), did_you_mean(k.str(), known)));
        }
}

std::string_view type_name(const toml::node& n) {
    switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
    }
    return "nothing";
}

namespace {
void wrong_type(sink& s, const toml::node& n, const std::string& path, std::string_view wanted) {
    s.error(n, path, fmt::format("expected {}, got {}", wanted, type_name(n)));
}
} // namespace

std::optional<std::int64_t> read_integer(sink& s, const toml::node& n, const std::string& path,
                                         std::int64_t lo, std::int64_t hi) {
    const auto* v = n.as_integer();
    if (v == nullptr) {
        wrong_type(s, n, path, "an integer");
        return std::nullopt;
    }
    const std::int64_t x = v->get();
    if (x < lo || x > hi) {
        s.error(n, path, fmt::format("{} is out of range ({}..{})", x, lo, hi));
        return std::nullopt;
    }
    return x;
}

std::optional<double> read_number(sink& s, const toml::node& n, const std::string& path) {
    if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
    if (const auto* f = n.as_floating_point()) {
        if (!std::isfinite(f->get())) {
            s.error(n, path, "expected a finite number");
            return std::nullopt;
        }
        return f->get();
    }
    wrong_type(s, n, path, "a number");
    return std::nullopt;
}

std::optional<std::string> read_string(sink& s, const toml::node& n, const std::string& path) {
    if (const auto* v = n.as_string()) return v->get();
    wrong_type(s, n, path, "a string");
    return std::nullopt;
}

std::optional<bool> read_bool(sink& s, const toml::node& n, const std::string& path) {
    if (const auto* v = n.as_boolean()) return v->get();
    wrong_type(s, n, path, "true or false");
    return std::nullopt;
}

std::optional<wall_time> read_wall_time(sink& s, const toml::node& n, const std::string& path,
                                        std::string_view what) {
    const auto* dt = n.as_date_time();
    const auto* ld = n.as_date();
    if (dt == nullptr && ld == nullptr) {
        s.error(n, path, fmt::format("expected a TOML date-time such as 2000-01-01T00:00:00 ({})", what));
        return std::nullopt;
    }
    const toml::date d = dt != nullptr ? dt->get().date : ld->get();
    const toml::time tm = dt != nullptr ? dt->get().time : toml::time{};
    const std::chrono::year_month_day ymd{std::chrono::year{d.year}, std::chrono::month{d.month},
                                          std::chrono::day{d.day}};
    if (!ymd.ok()) {
        s.error(n, path, "not a calendar date");
        return std::nullopt;
    }
    // Meters' date types (M-Bus types F and G, DLMS date-time as readers map it) carry these years;
    // beyond them the clock in nanoseconds would also overflow.
    if (d.year < 1970 || d.year > 2099) {
        s.error(n, path,
                fmt::format("year {} is outside 1970..2099, the years meters' clocks carry", d.year));
        return std::nullopt;
    }
    wall_time t = std::chrono::sys_days{ymd} + std::chrono::hours{tm.hour} + std::chrono::minutes{tm.minute} +
                  std::chrono::seconds{tm.second} + std::chrono::nanoseconds{tm.nanosecond};
    if (dt != nullptr && dt->get().offset) t -= std::chrono::minutes{dt->get().offset->minutes};
    return t;
}

const toml::table* read_table(sink& s, const toml::node& n, const std::string& path) {
    if (const auto* t = n.as_table()) return t;
    wrong_type(s, n, path, "a table");
    return nullptr;
}

const toml::array* read_array(sink& s, const toml::node& n, const std::string& path) {
    if (const auto* a = n.as_array()) return a;
    wrong_type(s, n, path, "an array");
    return nullptr;
}

std::optional<bytes> read_hex(sink& s, const toml::node& n, const std::string& path) {
    const auto text = read_string(s, n, path);
    if (!text) return std::nullopt;
    if (text->find_first_not_of(" \t\r\n") == std::string::npos) return bytes{}; // "" is no bytes
    auto b = from_hex(*text);
    if (!b) {
        s.error(n, path, fmt::format("not hex bytes (\"{}\"): {}", *text, b.error().message()));
        return std::nullopt;
    }
    return std::move(*b);
}

std::optional<sim::seconds_d> parse_duration(std::string_view text) {
    struct unit_seconds {
        std::string_view name;
        double seconds;
    };
    static constexpr unit_seconds units[] = {{"ms", 1e-3}, {"s", 1},       {"sec", 1},
                                             {"min", 60},  {"h", 3600},    {"hour", 3600},
                                             {"d", 86400}, {"day", 86400}, {"w", 604800}};
    double total = 0;
    bool any = false;
    std::size_t i = 0;
    auto skip_spaces = [&] {
        while (i < text.size() && text[i] == ' ')
            ++i;
    };
    skip_spaces();
    while (i < text.size()) {
        double amount = 1;
        const auto number_end = text.find_first_not_of("0123456789.eE+-", i);
        const auto n = (number_end == std::string_view::npos ? text.size() : number_end) - i;
        // A bare unit ("h") is one of it, as in `per = "h"`; "e" alone is no number.
        if (n > 0 && std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
            const auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + n, amount);
            if (ec != std::errc{}) return std::nullopt;
            i = static_cast<std::size_t>(end - text.data());
        }
        skip_spaces();
        const auto unit_end = text.find_first_not_of("abcdefghijklmnopqrstuvwxyz", i);
        const auto u = text.substr(i, (unit_end == std::string_view::npos ? text.size() : unit_end) - i);
        const auto* hit = std::find_if(std::begin(units), std::end(units), [u](const unit_seconds& x) {
            return x.name == u || (x.name.size() > 2 && std::string(x.name) + "s" == u);
        });
        if (u.empty() || hit == std::end(units)) return std::nullopt;
        total += amount * hit->seconds;
        any = true;
        i += u.size();
        skip_spaces();
    }
    if (!any) return std::nullopt;
    return sim::seconds_d{total};
}

std::optional<sim::seconds_d> read_duration(sink& s, const toml::node& n, const std::string& path) {
    if (n.is_number()) {
        const auto v = read_number(s, n, path);
        if (!v) return std::nullopt;
        return sim::seconds_d{*v};
    }
    const auto text = read_string(s, n, path);
    if (!text) return std::nullopt;
    const auto d = parse_duration(*text);
    if (!d) {
        s.error(n, path,
                fmt::format(
                    "\"{}\" is not a duration (write e.g. \"10s\", \"1.5h\", \"30min\", \"500ms\", \"2d\")",
                    *text));
        return std::nullopt;
    }
    return d;
}

std::optional<std::size_t> read_choice(sink& s, const toml::node& n, const std::string& path,
                                       std::initializer_list<std::string_view> names) {
    const auto text = read_string(s, n, path);
    if (!text) return std::nullopt;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (edit_distance(*text, names.begin()[i]) == 0) return i;
    const auto list = std::span(names.begin(), names.size());
    const auto close = closest(*text, list);
    s.error(n, path,
            close ? fmt::format("unknown value \"{}\"; did you mean \"{}\"?", *text, *close)
                  : fmt::format("unknown value \"{}\"; expected {}", *text, one_of(list)));
    return std::nullopt;
}

} // namespace mbus::scenario::detail
