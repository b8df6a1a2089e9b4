#include <mbus/harness/jsonl.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/core/hex_pairs.hpp>

#include <nlohmann/json.hpp>

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <iterator>
#include <ostream>

namespace mbus::harness {

namespace {

using nlohmann::json;

std::optional<record_kind> parse_kind(std::string_view text) {
    for (auto k : {record_kind::request, record_kind::reply, record_kind::silence, record_kind::junk,
                   record_kind::event})
        if (name(k) == text) return k;
    return std::nullopt;
}

// The frame a record's bytes hold when they are exactly one intact frame.
std::optional<link::frame> whole_frame(bytes_view raw) {
    if (raw.empty()) return std::nullopt;
    auto d = link::decode(raw);
    if (!d || d->size != raw.size()) return std::nullopt;
    return std::move(d->value);
}

json kind_json(const kind_counters& k) {
    return {{"received", k.received},
            {"answered", k.answered},
            {"repeated", k.repeated},
            {"collided", k.collided},
            {"ignored", k.ignored}};
}

// Reads a field of the expected type; false (and `out` untouched) when it is missing or another type.
template <class T>
bool get(const json& j, const char* key, T& out) {
    const auto it = j.find(key);
    if (it == j.end()) return false;
    if constexpr (std::is_same_v<T, bool>) {
        if (!it->is_boolean()) return false;
    } else if constexpr (std::is_same_v<T, std::string>) {
        if (!it->is_string()) return false;
    } else if constexpr (std::is_same_v<T, double>) {
        if (!it->is_number()) return false;
    } else if constexpr (std::is_integral_v<T>) {
        if (!it->is_number_unsigned()) return false;
    } else {
        if (!it->is_array()) return false;
        for (const auto& e : *it)
            if (!e.is_string()) return false;
    }
    out = it->template get<T>();
    return true;
}

} // namespace

namespace {

char* put_uint(char* p, std::uint64_t v) { return std::to_chars(p, p + 20, v).ptr; }

// append_wall's text when the year has four digits; nullptr otherwise.
char* put_wall_fast(char* p, wall_time t) {
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(t);
    const auto day = floor<days>(ms);
    const auto in_day = static_cast<unsigned>((ms - day).count()); // 0 .. 86'399'999
    const auto digits = [](char* at, unsigned v, int n) {
        for (int i = n; i-- > 0; v /= 10)
            at[i] = static_cast<char>('0' + v % 10);
    };
    // Records come by the thousand on the same day: the calendar date is worked out once a day.
    struct date_text {
        sys_days day{sys_days::min()};
        char text[10];
    };
    thread_local date_text last;
    if (last.day != day) {
        const year_month_day ymd{day};
        const int year = static_cast<int>(ymd.year());
        if (year < 0 || year > 9999) return nullptr;
        std::memcpy(last.text, "0000-00-00", 10);
        digits(last.text, static_cast<unsigned>(year), 4);
        digits(last.text + 5, static_cast<unsigned>(ymd.month()), 2);
        digits(last.text + 8, static_cast<unsigned>(ymd.day()), 2);
        last.day = day;
    }
    std::memcpy(p, last.text, 10);
    std::memcpy(p + 10, "T00:00:00.000Z", 14);
    digits(p + 11, in_day / 3'600'000, 2);
    digits(p + 14, in_day / 60'000 % 60, 2);
    digits(p + 17, in_day / 1000 % 60, 2);
    digits(p + 20, in_day % 1000, 3);
    return p + 24;
}

// format_wall's text appended to `out` (no string of its own: a stream subscriber has every record's
// wall clock written).
void append_wall(std::string& out, wall_time t) {
    // Calendar arithmetic and digits by hand rather than gmtime_r (glibc's time zone lock on every call)
    // and a format string.
    char text[24];
    if (put_wall_fast(text, t) != nullptr) {
        out.append(text, sizeof text);
        return;
    }
    // Beyond four digits: the general way.
    using namespace std::chrono;
    const auto ms = floor<milliseconds>(t);
    const auto day = floor<days>(ms);
    const year_month_day ymd{day};
    const auto in_day = static_cast<unsigned>((ms - day).count());
    out += fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       in_day / 3'600'000, in_day / 60'000 % 60, in_day / 1000 % 60, in_day % 1000);
}

} // namespace

std::string format_wall(wall_time t) {
    std::string out;
    append_wall(out, t);
    return out;
}

std::optional<wall_time> parse_wall(std::string_view text) {
    // Exactly the form format_wall writes: a transcript is read back, not any ISO 8601.
    if (text.size() != 24 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text[19] != '.' || text[23] != 'Z')
        return std::nullopt;
    const auto number = [&](std::size_t at, std::size_t n) -> int {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (text[i] < '0' || text[i] > '9') return -1;
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    const int y = number(0, 4), mo = number(5, 2), d = number(8, 2), h = number(11, 2), mi = number(14, 2),
              s = number(17, 2), ms = number(20, 3);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
        ms < 0)
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(mo)),
                                          std::chrono::day(static_cast<unsigned>(d))};
    if (!ymd.ok()) return std::nullopt;
    const auto t = std::chrono::sys_days(ymd) + std::chrono::hours(h) + std::chrono::minutes(mi) +
                   std::chrono::seconds(s) + std::chrono::milliseconds(ms);
    // wall_time counts nanoseconds: years before 1678 or after 2261 do not fit (found by fuzzing).
    if (t < std::chrono::ceil<std::chrono::milliseconds>(wall_time::min()) ||
        t > std::chrono::floor<std::chrono::milliseconds>(wall_time::max()))
        return std::nullopt;
    return std::chrono::time_point_cast<wall_time::duration>(t);
}

namespace {

// Microseconds are all a transcript needs.
double rounded_t(double t) { return std::round(t * 1e6) / 1e6; }

// The fields after "t" in the order people read them (nlohmann::json would sort them).
nlohmann::ordered_json ordered_without_t(const record& r) {
    nlohmann::ordered_json j;
    j["wall"] = format_wall(r.wall);
    j["session"] = r.session;
    j["kind"] = name(r.kind);
    const auto hex = [&] { j["hex"] = to_hex(r.raw, ""); };
    switch (r.kind) {
    case record_kind::request:
        j["request"] = link::name(r.request);
        hex();
        j["summary"] = r.summary;
        j["line_baud"] = r.line_baud;
        break;
    case record_kind::reply:
        j["request"] = link::name(r.request);
        hex();
        j["summary"] = r.summary;
        j["meters"] = r.meters;
        j["answered_by"] = r.answered_by;
        j["collision"] = r.collision;
        j["repeated"] = r.repeated;
        j["more_follows"] = r.more_follows;
        j["injected"] = r.injected;
        break;
    case record_kind::silence:
        j["request"] = link::name(r.request);
        j["summary"] = r.summary;
        j["meters"] = r.meters;
        j["injected"] = r.injected;
        break;
    case record_kind::junk:
        hex();
        j["summary"] = r.summary;
        break;
    case record_kind::event:
        if (!r.raw.empty()) hex();
        j["summary"] = r.summary;
        break;
    }
    return j;
}

} // namespace

json to_json(const record& r) {
    json j(ordered_without_t(r));
    j["t"] = rounded_t(r.t);
    return j;
}

void to_json(json& j, const record& r) { j = to_json(r); }

namespace {

// Bytes a JSON string cannot hold as they are (quote, backslash, control characters), and bytes
// beyond ASCII: one table lookup per byte finds the next one.
constexpr std::array<bool, 256> special_bytes = [] {
    std::array<bool, 256> t{};
    for (std::size_t c = 0; c < 256; ++c)
        t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
    return t;
}();

std::size_t plain_run(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && !special_bytes[static_cast<unsigned char>(s[i])])
        ++i;
    return i;
}

// A JSON string as nlohmann::json's dump writes it: ASCII with its escapes here, and a string with
// any byte beyond ASCII through nlohmann itself (which checks the UTF-8), so the line is the same.
void append_string(std::string& out, std::string_view s) {
    const auto first = plain_run(s);
    if (first == s.size()) { // the usual case: nothing to escape
        out += '"';
        out += s;
        out += '"';
        return;
    }
    if (std::any_of(s.begin() + static_cast<std::ptrdiff_t>(first), s.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        out += json(std::string(s)).dump();
        return;
    }
    out += '"';
    // Runs that need no escape go in whole.
    while (!s.empty()) {
        const auto plain = plain_run(s);
        out.append(s.substr(0, plain));
        s.remove_prefix(plain);
        if (s.empty()) break;
        const char c = s.front();
        s.remove_prefix(1);
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        }
    }
    out += '"';
}

// append_seconds's text when it is the usual one (from 1e-4 up to 1e9 seconds); nullptr otherwise.
char* put_seconds_fast(char* p, double t) {
    if (!(t >= 1e-4 && t < 1e9)) return nullptr;
    const auto us = static_cast<std::uint64_t>(std::llround(t * 1e6));
    if (static_cast<double>(us) / 1e6 != t) return nullptr;
    p = put_uint(p, us / 1'000'000);
    auto frac = static_cast<unsigned>(us % 1'000'000);
    if (frac == 0) return p;
    int digits = 6;
    while (frac % 10 == 0) {
        frac /= 10;
        --digits;
    }
    *p = '.';
    for (int i = digits; i > 0; --i, frac /= 10)
        p[i] = static_cast<char>('0' + frac % 10);
    return p + digits + 1;
}

} // namespace

// "t" as fmt writes the double (its shortest form), from the microseconds it holds. A time rounded
// to microseconds with at most 15 significant digits reads back from its decimal text, and no
// shorter text does, so the shortest form is that text without trailing zeros ("1.5", "12", "0.25");
// fmt writes it so from 1e-4 on (below, and from 1e15 on, it writes an exponent: fmt does those).
void append_seconds(std::string& out, double t) {
    char text[24];
    if (const char* end = put_seconds_fast(text, t)) {
        out.append(text, static_cast<std::size_t>(end - text));
        return;
    }
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}"), t);
}

namespace {
void append_line(std::string& out, const record& r, const std::uint64_t* seq);
} // namespace

std::string to_json_line(const record& r) {
    std::string out;
    append_json_line(out, r);
    return out;
}

namespace {

// A line is written through a pointer into room made once for the whole line (its bound: every
// string escaped at worst, six bytes a byte), then cut to what was written: no capacity check and no
// call per field, and a literal of known length is a few moves rather than a call of append.
template <std::size_t N>
char* put(char* p, const char (&literal)[N]) {
    std::memcpy(p, literal, N - 1);
    return p + N - 1;
}

char* put(char* p, std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

// The most a string takes as append_string writes it: quotes and six bytes ("\u001f") a byte.
std::size_t string_bound(std::string_view s) { return 2 + 6 * s.size(); }

std::size_t strings_bound(const std::vector<std::string>& v) {
    std::size_t n = 2 + v.size();
    for (const auto& s : v)
        n += string_bound(s);
    return n;
}

// Whether any of 8 bytes (in any order) needs more than a copy in a JSON string: below 0x20, a
// quote, a backslash, or beyond ASCII. Exact for "any" (the usual bit tricks; which byte it was
// does not matter here).
bool special_in(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    const auto has_zero = [](std::uint64_t x) { return (x - ones) & ~x & highs; };
    const auto below_0x20 = (w - ones * 0x20) & ~w & highs;
    return ((w & highs) | below_0x20 | has_zero(w ^ (ones * '"')) | has_zero(w ^ (ones * '\\'))) != 0;
}

// Copies `s` to `to` when no byte of it needs an escape, eight bytes at a time; false otherwise.
bool copy_plain(char* to, std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, s.data() + i, 8);
        if (special_in(w)) return false;
        std::memcpy(to + i, &w, 8);
    }
    for (; i < s.size(); ++i) {
        if (special_bytes[static_cast<unsigned char>(s[i])]) return false;
        to[i] = s[i];
    }
    return true;
}

// append_string's text, within string_bound(s).
char* put_string(char* p, std::string_view s) {
    if (copy_plain(p + 1, s)) { // the usual case: nothing to escape
        *p = '"';
        p[s.size() + 1] = '"';
        return p + s.size() + 2;
    }
    std::string escaped; // rare: a string with escapes, written the one way there is
    append_string(escaped, s);
    return put(p, escaped);
}

char* put_strings(char* p, const std::vector<std::string>& v) {
    *p++ = '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (i != 0) *p++ = ',';
        p = put_string(p, v[i]);
    }
    *p++ = ']';
    return p;
}

char* put_bool(char* p, bool b) { return b ? put(p, "true") : put(p, "false"); }

// append_wall and append_seconds through their strings, for the rare cases they do not write in place
// below (a year beyond four digits, a time fmt writes with an exponent): both within 40 bytes.
char* put_via(char* p, std::string& scratch) {
    p = put(p, scratch);
    scratch.clear();
    return p;
}

} // namespace

void append_json_line(std::string& out, const record& r) { append_line(out, r, nullptr); }

void append_json_line(std::string& out, const record& r, std::uint64_t seq) { append_line(out, r, &seq); }

namespace {

void append_line(std::string& out, const record& r, const std::uint64_t* seq) {
    // Written directly, in the order of ordered_without_t and with its escapes (a test compares the
    // two), and with no format string parsed per line: a stream subscriber has every record written,
    // and building a json object first cost more than serving the request. fmt writes the shortest
    // form of the double ("1.678508"); nlohmann's Grisu2 sometimes does not ("1.6785079999999999").
    // Both read back as the same number.
    const auto kind = name(r.kind);
    const auto request = link::name(r.request);
    // Every literal, number, time and name of a line fits in 400 bytes; the rest is bounded here.
    std::size_t bound = 400 + kind.size() + request.size() + 2 * r.raw.size() + string_bound(r.summary);
    if (r.kind == record_kind::reply || r.kind == record_kind::silence)
        bound += strings_bound(r.meters) + strings_bound(r.answered_by) + strings_bound(r.injected);
    const auto at = out.size();
    out.resize(at + bound);
    char* const begin = out.data();
    char* p = begin + at;
    std::string scratch; // stays empty (no allocation) unless a rare form is written

    p = put(p, "{\"t\":");
    const double t = rounded_t(r.t);
    if (char* q = put_seconds_fast(p, t)) {
        p = q;
    } else {
        append_seconds(scratch, t);
        p = put_via(p, scratch);
    }
    p = put(p, ",\"wall\":\"");
    if (char* q = put_wall_fast(p, r.wall)) {
        p = q;
    } else {
        append_wall(scratch, r.wall);
        p = put_via(p, scratch);
    }
    p = put(p, "\",\"session\":");
    p = put_uint(p, r.session);
    p = put(p, ",\"kind\":\"");
    p = put(p, kind);
    *p++ = '"';
    const auto put_request = [&] {
        p = put(p, ",\"request\":\"");
        p = put(p, request);
        *p++ = '"';
    };
    const auto put_hex_field = [&] {
        p = put(p, ",\"hex\":\"");
        p = put_hex(p, r.raw);
        *p++ = '"';
    };
    const auto put_summary = [&] {
        p = put(p, ",\"summary\":");
        p = put_string(p, r.summary);
    };
    switch (r.kind) {
    case record_kind::request:
        put_request();
        put_hex_field();
        put_summary();
        p = put(p, ",\"line_baud\":");
        p = put_uint(p, r.line_baud);
        break;
    case record_kind::reply:
        put_request();
        put_hex_field();
        put_summary();
        p = put(p, ",\"meters\":");
        p = put_strings(p, r.meters);
        p = put(p, ",\"answered_by\":");
        p = put_strings(p, r.answered_by);
        p = put(p, ",\"collision\":");
        p = put_bool(p, r.collision);
        p = put(p, ",\"repeated\":");
        p = put_bool(p, r.repeated);
        p = put(p, ",\"more_follows\":");
        p = put_bool(p, r.more_follows);
        p = put(p, ",\"injected\":");
        p = put_strings(p, r.injected);
        break;
    case record_kind::silence:
        put_request();
        put_summary();
        p = put(p, ",\"meters\":");
        p = put_strings(p, r.meters);
        p = put(p, ",\"injected\":");
        p = put_strings(p, r.injected);
        break;
    case record_kind::junk:
        put_hex_field();
        put_summary();
        break;
    case record_kind::event:
        if (!r.raw.empty()) put_hex_field();
        put_summary();
        break;
    }
    if (seq != nullptr) p = put_uint(put(p, ",\"seq\":"), *seq);
    *p++ = '}';
    out.resize(static_cast<std::size_t>(p - begin));
}

} // namespace

std::optional<record> record_from_json(const json& j) {
    if (!j.is_object()) return std::nullopt;
    record r;
    std::string text;
    if (!get(j, "kind", text)) return std::nullopt;
    const auto kind = parse_kind(text);
    if (!kind) return std::nullopt;
    r.kind = *kind;
    if (!get(j, "t", r.t) || !get(j, "wall", text)) return std::nullopt;
    const auto wall = parse_wall(text);
    if (!wall) return std::nullopt;
    r.wall = *wall;
    if (!get(j, "session", r.session)) return std::nullopt;
    // Only the fields the record's kind carries are read: the writer writes no others, and a field a
    // kind does not carry (an "injected" on a request) would otherwise not survive a round trip
    // (found by fuzzing).
    const bool exchange = r.kind == record_kind::request || r.kind == record_kind::reply;
    const bool asked = exchange || r.kind == record_kind::silence;
    const bool taken = r.kind == record_kind::reply || r.kind == record_kind::silence;
    if (r.kind != record_kind::silence && j.contains("hex")) {
        if (!get(j, "hex", text)) return std::nullopt;
        // A record without bytes is written with "hex":"", which from_hex refuses as no hex at all.
        auto raw = text.empty() ? result<bytes>(bytes{}) : from_hex(text);
        if (!raw) return std::nullopt;
        r.raw = std::move(*raw);
    }
    if (asked && j.contains("request")) {
        if (!get(j, "request", text)) return std::nullopt;
        const auto k = link::parse_request_kind(text);
        if (!k) return std::nullopt;
        r.request = *k;
    }
    // Fields the kind carries may be missing (they keep their defaults); of the wrong type, they are
    // an error. Fields it does not carry are ignored.
    const auto optional = [&](bool carried, const char* key, auto& out) {
        return !carried || !j.contains(key) || get(j, key, out);
    };
    const bool reply = r.kind == record_kind::reply;
    if (!optional(true, "summary", r.summary) || !optional(taken, "meters", r.meters) ||
        !optional(reply, "answered_by", r.answered_by) || !optional(reply, "collision", r.collision) ||
        !optional(reply, "repeated", r.repeated) || !optional(reply, "more_follows", r.more_follows) ||
        !optional(taken, "injected", r.injected) ||
        !optional(r.kind == record_kind::request, "line_baud", r.line_baud))
        return std::nullopt;
    if (exchange) r.frame = whole_frame(r.raw);
    // Transcripts written before replies carried "more_follows" say it in their bytes.
    if (r.kind == record_kind::reply && !j.contains("more_follows") && r.frame && !r.frame->data.empty()) {
        const auto ud = app::decode(r.frame->ci, r.frame->data);
        r.more_follows = ud && app::more_records_follow(*ud);
    }
    return r;
}

json to_json(const counters& c) {
    json by_kind = json::object();
    for (std::size_t i = 0; i < c.by_kind.size(); ++i)
        by_kind[std::string(link::name(static_cast<link::request_kind>(i)))] = kind_json(c.by_kind[i]);
    return {{"by_kind", by_kind},
            {"total", kind_json(c.total())},
            {"malformed", c.malformed},
            {"malformed_bytes", c.malformed_bytes},
            {"injected", c.injected}};
}

void to_json(json& j, const counters& c) { j = to_json(c); }

void jsonl_writer::write(const record& r) {
    *out_ << to_json_line(r) << '\n' << std::flush;
    ++lines_;
}

void jsonl_writer::write(const entry& e) {
    for_each_record(e, [this](const record& r) { write(r); });
}

bool jsonl_writer::good() const { return out_->good(); }

} // namespace mbus::harness
