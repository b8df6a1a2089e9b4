#include <mbus/app/codec.hpp>
#include <mbus/app/decoded_record.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/detail/json_number.hpp>
#include <mbus/app/detail/json_writer.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/core/hex_pairs.hpp>

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

// JSON text from the frame's bytes (write_json(out, ci, data)): to_json(...).dump()'s text, written
// from the records read in place and decoded into app::decoded_record, without record values.

namespace mbus::app {

namespace {

using detail::hex_digits;
using detail::put_header;
using detail::put_record;

// --- Records written from the lean decoded records ---
// put_record (json_writer.cpp) describes each record first (describe_fields: owning values, the unit
// text and the VIFE notes as strings, the line built by append_text); the writer below prints the same keys
// straight from app::decoded_record (decoded_record.hpp), whose names are static string_views and
// whose values are views into the frame, straight into the output string through a pointer: every
// piece it writes is a table name, hex digits, a number or a date, none of which needs an escape,
// so the text is written as it goes, with no check afterwards. A record with anything else (a unit
// or a text that needs escapes, a VIFE of the extension table, an error) is left to put_record,
// whose text it would have been anyway; json_corpus_test holds the two to one text.

// Text with nothing to escape and nothing but printable ASCII (what put_record's checks let through
// unchanged).
bool plain(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return c >= 0x20 && c <= 0x7E && c != '"' && c != '\\'; });
}

// A name from the library's tables copied with one fixed-size memcpy: the writer always has room
// past what it writes (see out_cursor), so the padding may land there and be written over.
// A piece may be a name with the constant text around it (`","coding":"` int32 `","description":"`):
// one copy where there would be three.
struct padded {
    static constexpr std::size_t width = 64;
    std::array<char, width> text{};
    std::size_t size{0};
    // The parts, for a piece wider than `width` (static: the library's names and literals).
    std::string_view before;
    std::string_view whole;
    std::string_view after;

    padded() = default;
    explicit padded(std::string_view name, std::string_view prefix = {}, std::string_view suffix = {})
        : size(prefix.size() + name.size() + suffix.size()), before(prefix), whole(name), after(suffix) {
        if (size > width) return;
        auto at = std::copy(prefix.begin(), prefix.end(), text.begin());
        at = std::copy(name.begin(), name.end(), at);
        std::copy(suffix.begin(), suffix.end(), at);
    }
};

// The names a record writes, by enum value, and the words of the combinable VIFEs: looked up in
// tables built once instead of the library's scans (name(quantity) walks its table) and strings
// (combinable_vife_name allocates).
struct name_tables {
    std::array<padded, 256> quantity;    // name(quantity)
    std::array<padded, 256> description; // description(quantity)
    std::array<padded, 256> symbol;      // symbol(unit)
    std::array<padded, 16> coding;       // name(data_coding)
    std::array<padded, 4> function;      // name(function_kind)
    std::array<padded, 4> kind;          // name(record_kind)
    std::array<padded, 3> table;         // name(vif_table)
    // The same with the keys around them, for data records.
    std::array<padded, 16> coding_key;    // ","coding":"int32","description":"
    std::array<padded, 4> function_key;   // ,"function":"instantaneous","hex":"
    std::array<padded, 256> quantity_key; // ,"quantity":"energy","raw":
    std::array<padded, 3> table_key;      // ,"table":"primary","tariff":
    std::array<std::string, 128> vife;    // combinable_vife_name
    std::array<bool, 128> vife_plain{};
    // A header's medium: `,"medium":N,"medium_description":"…","medium_name":"…"`, and whether its
    // names need no escape.
    std::array<std::string, 256> medium;
    std::array<bool, 256> medium_plain{};
};

const name_tables& names() {
    static const name_tables t = [] {
        name_tables n;
        for (unsigned v = 0; v < 256; ++v) {
            n.quantity[v] = padded(name(static_cast<quantity>(v)));
            n.quantity_key[v] = padded(name(static_cast<quantity>(v)), ",\"quantity\":\"", "\",\"raw\":");
            n.description[v] = padded(description(static_cast<quantity>(v)));
            n.symbol[v] = padded(symbol(static_cast<unit>(v)));
            const auto medium = static_cast<std::uint8_t>(v);
            const std::string medium_words(medium_description(medium));
            const std::string medium_key = medium_name(medium);
            n.medium_plain[v] = plain(medium_words) && plain(medium_key);
            n.medium[v] = fmt::format(",\"medium\":{},\"medium_description\":\"{}\",\"medium_name\":\"{}\"",
                                      v, medium_words, medium_key);
        }
        for (unsigned v = 0; v < 16; ++v) {
            n.coding[v] = padded(name(static_cast<data_coding>(v)));
            n.coding_key[v] =
                padded(name(static_cast<data_coding>(v)), "\",\"coding\":\"", "\",\"description\":\"");
        }
        for (unsigned v = 0; v < 4; ++v) {
            n.function[v] = padded(name(static_cast<function_kind>(v)));
            n.function_key[v] =
                padded(name(static_cast<function_kind>(v)), ",\"function\":\"", "\",\"hex\":\"");
            n.kind[v] = padded(name(static_cast<record_kind>(v)));
        }
        for (const auto table : {vif_table::primary, vif_table::fd, vif_table::fb}) {
            n.table[static_cast<std::size_t>(table)] = padded(name(table));
            n.table_key[static_cast<std::size_t>(table)] =
                padded(name(table), ",\"table\":\"", "\",\"tariff\":");
        }
        for (unsigned v = 0; v < 128; ++v) {
            n.vife[v] = combinable_vife_name(static_cast<std::uint8_t>(v));
            n.vife_plain[v] = plain(n.vife[v]);
        }
        return n;
    }();
    return t;
}

// 10^0 to 10^15.
constexpr auto pow10_int = [] {
    std::array<std::int64_t, 16> t{};
    std::int64_t v = 1;
    for (auto& x : t) {
        x = v;
        v *= 10;
    }
    return t;
}();

// "00" to "99".
constexpr auto decimal_pairs = [] {
    std::array<std::array<char, 2>, 100> t{};
    for (std::size_t v = 0; v < 100; ++v)
        t[v] = {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
    return t;
}();

// A double that is not a whole number is converted once for both of a record's texts: Grisu2's
// digits (detail::decimal), which nlohmann's dump() writes, for the JSON value, and fmt's "{}"
// (the shortest digits that read back) for the text line. Grisu2's digits are not always the
// shortest, but when there are 15 or fewer they are: two decimals of at most 15 significant digits
// lie at least 10^-15 of their value apart, more than the 2^-52 that one double's rounding
// interval spans, so no other such decimal reads back to the same double, and the shortest (which
// has no more digits) is this one. Longer, the text line takes fmt's own conversion.
using detail::decimal;

// Writes into the output string through a pointer; the caller (out_cursor) made room.
struct text_out {
    char* p;
    const name_tables* names; // names(), looked up once per telegram

    template <std::size_t N>
    void lit(const char (&s)[N]) {
        std::memcpy(p, s, N - 1);
        p += N - 1;
    }
    [[gnu::always_inline]] void str(std::string_view s) {
        if (s.empty()) return; // an empty view may have no data: memcpy's source must not be null
        std::memcpy(p, s.data(), s.size());
        p += s.size();
    }
    [[gnu::always_inline]] void name(const padded& s) {
        if (s.size > padded::width) {
            str(s.before);
            str(s.whole);
            return str(s.after);
        }
        std::memcpy(p, s.text.data(), padded::width);
        p += s.size;
    }
    void ch(char c) { *p++ = c; }
    [[gnu::always_inline]] void hex(byte b) { p = mbus::put_hex(p, b); }
    [[gnu::always_inline]] void hex(bytes_view b) { p = mbus::put_hex(p, b); }
    void hex_spaced(bytes_view b) { // to_hex(b): "01 02"
        for (std::size_t i = 0; i < b.size(); ++i) {
            if (i > 0) *p++ = ' ';
            hex(b[i]);
        }
    }
    template <class Int>
    [[gnu::noinline]] static char* long_num(char* at, Int v) {
        return std::to_chars(at, at + 24, v).ptr;
    }
    template <class Int>
    [[gnu::always_inline]] void num(Int v) {
        // One or two digits: the common storage, tariff, index, exponent.
        if constexpr (std::is_signed_v<Int>) {
            if (v < 0 && v > -10) {
                *p++ = '-';
                *p++ = static_cast<char>('0' - v);
                return;
            }
            if (v < 0) {
                p = long_num(p, v);
                return;
            }
        }
        if (v < 10) {
            *p++ = static_cast<char>('0' + v);
            return;
        }
        if (v < 100) {
            std::memcpy(p, decimal_pairs[static_cast<std::size_t>(v)].data(), 2);
            p += 2;
            return;
        }
        p = long_num(p, v);
    }
    // fmt's "{:02}" / "{:04}" for the fields of a date (never negative, and never wider).
    [[gnu::always_inline]] void digits(unsigned v, int width) {
        if (v >= (width == 2 ? 100u : 10000u)) return num(v);
        if (width == 4) {
            std::memcpy(p, decimal_pairs[v / 100].data(), 2);
            p += 2;
        }
        std::memcpy(p, decimal_pairs[v % 100].data(), 2);
        p += 2;
    }
    // Both conversions of a double below write a whole number of at most 15 digits as its integer
    // ("154000", and "154000.0" for nlohmann): the shortest digits that read back are the
    // integer's own then (json_writer's tests compare the two ways over many values).
    static bool whole(double v) {
        if (!(std::fabs(v) < 1e15)) return false; // NaN too
        const auto i = static_cast<std::int64_t>(v);
        return static_cast<double>(i) == v && !(v == 0 && std::signbit(v));
    }
    // The JSON value (put_double) at `at`, returning the end; `dec` is v's conversion when v is
    // neither whole nor zero. (On a pointer, as text_double: the writer's own pointer stays in a
    // register when no call takes its address.)
    [[gnu::noinline]] static char* json_double(char* at, double v, const decimal* dec) {
        text_out o{at, nullptr};
        o.put_json_double(v, dec);
        return o.p;
    }
    void put_json_double(double v, const decimal* dec) {
        if (!std::isfinite(v)) return lit("null");
        if (whole(v)) {
            num(static_cast<std::int64_t>(v));
            return lit(".0");
        }
        if (dec == nullptr) {
            p = nlohmann::detail::to_chars(p, p + 64, v);
            return;
        }
        p = detail::put_json_decimal(p, *dec);
    }
    // The text line's number, as fmt::format("{}"), at `at`; returns the end.
    [[gnu::noinline]] static char* text_double(char* at, double v, const decimal* dec) {
        text_out o{at, nullptr};
        o.put_text_double(v, dec);
        return o.p;
    }
    void put_text_double(double v, const decimal* dec) {
        if (std::isfinite(v) && whole(v)) return num(static_cast<std::int64_t>(v));
        if (dec == nullptr || dec->len > 15) {
            p = fmt::format_to(p, FMT_COMPILE("{}"), v);
            return;
        }
        // fmt's layout of the shortest digits (do_write_float, general format): fixed from 1e-4
        // up to below 1e16, else one digit, a point, the rest and a signed exponent of two digits
        // or more.
        int n = dec->len;
        int e = dec->exponent;
        while (n > 1 && dec->digits[static_cast<std::size_t>(n - 1)] == '0') {
            --n;
            ++e;
        }
        const char* d = dec->digits.data();
        if (dec->negative) *p++ = '-';
        const int point = n + e; // digits before the decimal point
        const int output_exp = point - 1;
        if (output_exp < -4 || output_exp >= 16) {
            *p++ = d[0];
            if (n > 1) {
                *p++ = '.';
                str(std::string_view(d + 1, static_cast<std::size_t>(n - 1)));
            }
            *p++ = 'e';
            *p++ = output_exp < 0 ? '-' : '+';
            const int x = output_exp < 0 ? -output_exp : output_exp;
            if (x >= 100)
                num(x);
            else
                digits(static_cast<unsigned>(x), 2);
            return;
        }
        if (e >= 0) {
            str(std::string_view(d, static_cast<std::size_t>(n)));
            for (int i = 0; i < e; ++i)
                *p++ = '0';
        } else if (point > 0) {
            str(std::string_view(d, static_cast<std::size_t>(point)));
            *p++ = '.';
            str(std::string_view(d + point, static_cast<std::size_t>(n - point)));
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -point; ++i)
                *p++ = '0';
            str(std::string_view(d, static_cast<std::size_t>(n)));
        }
    }
};

// The words of a record's combinable VIFEs (describe_vib's notes), each written where the writer
// is told; false for what only describe_vib spells (an extension-table VIFE) or what needs an escape.
struct notes {
    static constexpr std::size_t max = 12;
    // The words, as written into the buffer (left uninitialised: a record has none mostly).
    const char* begin[max];
    std::size_t size[max];
    std::size_t count{0};

    std::string_view at(std::size_t i) const { return {begin[i], size[i]}; }
};

bool plain_text_unit(const decoded_record& d) {
    return d.vib.code.table == vif_table::primary && d.vib.code.code == 0x7C;
}

// append_unit_text(): the symbol or the plain-text unit, plus "/h"-like suffixes.
std::string_view unit_text(const decoded_record& d, std::string& scratch) {
    if (d.vib.per_vifes == 0 && !plain_text_unit(d)) return d.unit_symbol;
    scratch.clear();
    append_unit_text(scratch, d.vib, d.plain_text, d.vife);
    return scratch;
}

// " (" before the first part of append_where's words, ", " before the others.
[[gnu::always_inline]] inline void where_part(text_out& o, bool& any) {
    o.ch(any ? ',' : ' ');
    o.ch(any ? ' ' : '(');
    any = true;
}

// append_where (record_spec.cpp): " (storage 1, tariff 2)" after the quantity.
[[gnu::always_inline]] inline void put_where(text_out& o, const decoded_record& d) {
    if (d.function == function_kind::instantaneous && (d.storage | d.tariff | d.subunit) == 0) return;
    bool any = false;
    if (d.function != function_kind::instantaneous) {
        where_part(o, any);
        o.str(name(d.function));
    }
    if (d.storage != 0) {
        where_part(o, any);
        o.lit("storage ");
        o.num(d.storage);
    }
    if (d.tariff != 0) {
        where_part(o, any);
        o.lit("tariff ");
        o.num(d.tariff);
    }
    if (d.subunit != 0) {
        where_part(o, any);
        o.lit("subunit ");
        o.num(d.subunit);
    }
    if (any) o.ch(')');
}

// to_string(d.to_value()) (value.cpp) for a value without a scaled number. The writer's state goes
// in and out by value, as with every writer that lean_record calls and does not inline: its
// pointer stays in a register then, instead of being stored and loaded again around each piece.
text_out put_value_text(text_out o, const decoded_record& d) {
    switch (d.kind_of_value) {
    case value_kind::none:
    case value_kind::integer: // always scaled
    case value_kind::real: return o;
    case value_kind::invalid_bcd:
        if (d.negative_bcd) o.ch('-');
        for (std::size_t i = d.field.size(); i > 0; --i)
            o.hex(d.field[i - 1]);
        return o;
    case value_kind::text:
        for (std::size_t i = d.field.size(); i > 0; --i)
            o.ch(static_cast<char>(d.field[i - 1]));
        return o;
    case value_kind::binary: o.hex(d.field); return o;
    case value_kind::date:
        o.digits(static_cast<unsigned>(d.day.full_year()), 4);
        o.ch('-');
        o.digits(d.day.month, 2);
        o.ch('-');
        o.digits(d.day.day, 2);
        return o;
    case value_kind::date_time: {
        const auto& t = d.moment;
        o.digits(static_cast<unsigned>(t.full_year()), 4);
        o.ch('-');
        o.digits(t.month, 2);
        o.ch('-');
        o.digits(t.day, 2);
        o.ch('T');
        o.digits(t.hour, 2);
        o.ch(':');
        o.digits(t.minute, 2);
        if (t.second != 0 || t.day_of_week != 0 || t.week != 0) {
            o.ch(':');
            o.digits(t.second, 2);
        }
        return o;
    }
    case value_kind::time_of_day:
        o.digits(d.clock.hour, 2);
        o.ch(':');
        o.digits(d.clock.minute, 2);
        o.ch(':');
        o.digits(d.clock.second, 2);
        return o;
    }
    return o;
}

// The "modifiers" array; returns the end, or null when a word is not the writer's to spell (see
// notes).
char* put_modifiers(text_out o, const char* end, const decoded_record& d, notes& n) {
    o.ch('[');
    bool manufacturer_codes = d.vib.q == quantity::manufacturer_specific;
    const std::size_t first = d.vib.code.table == vif_table::primary ? 0 : 1;
    const auto& words = *o.names;
    const auto word = [&](std::string_view w, bool is_plain, std::string_view code_suffix = {}) {
        if (n.count == notes::max || !is_plain || end - o.p < static_cast<std::ptrdiff_t>(w.size() + 16))
            return false;
        if (n.count > 0) o.ch(',');
        o.ch('"');
        const char* at = o.p;
        o.str(w);
        o.str(code_suffix);
        n.begin[n.count] = at;
        n.size[n.count++] = static_cast<std::size_t>(o.p - at);
        o.ch('"');
        return true;
    };
    for (std::size_t i = first; i < d.vife.size(); ++i) {
        const auto c = static_cast<std::uint8_t>(d.vife[i] & 0x7F);
        if (manufacturer_codes) {
            const char code[4] = {'0', 'x', hex_digits[c >> 4], hex_digits[c & 0x0F]};
            if (!word("manufacturer-specific code ", true, std::string_view(code, 4))) return nullptr;
            continue;
        }
        if (c == 0x7F) {
            manufacturer_codes = true;
            if (i + 1 == d.vife.size() && !word(words.vife[c], words.vife_plain[c])) return nullptr;
            continue;
        }
        if (c == 0x7C && i + 1 < d.vife.size()) return nullptr; // extension_vife_name is describe_vib's
        if (!word(words.vife[c], words.vife_plain[c])) return nullptr;
    }
    o.ch(']');
    return o.p;
}

// The raw value ("raw", and "raw_format" for hex) as put_raw_text writes it.
[[gnu::always_inline]] inline void put_raw(text_out& o, const decoded_record& d, const char*& integer_at) {
    switch (d.kind_of_value) {
    case value_kind::none: return o.lit("null");
    case value_kind::integer: integer_at = o.p; return o.num(d.integer);
    case value_kind::real: o.p = text_out::json_double(o.p, d.real, nullptr); return;
    case value_kind::binary:
        o.ch('"');
        o.hex(d.field);
        return o.lit("\",\"raw_format\":\"hex\"");
    case value_kind::text: // plain (lean_record checked)
    case value_kind::invalid_bcd:
    case value_kind::date:
    case value_kind::date_time:
    case value_kind::time_of_day:
        o.ch('"');
        o = put_value_text(o, d);
        o.ch('"');
        return;
    }
}

// The DIB's keys after "coding" up to "kind" (dif, dife, [exponent,] function, hex, index, kind) are
// written in place by the callers; these are the ones every kind shares.
[[gnu::always_inline]] inline void put_dib_tail(text_out& o,
                                                const decoded_record& d) { // storage, subunit, tariff
    if ((d.storage | d.subunit | d.tariff) == 0) return o.lit(",\"storage\":0,\"subunit\":0,\"tariff\":0");
    o.lit(",\"storage\":");
    o.num(d.storage);
    o.lit(",\"subunit\":");
    o.num(d.subunit);
    o.lit(",\"tariff\":");
    o.num(d.tariff);
}

[[gnu::always_inline]] inline void put_function_to_kind(text_out& o, const record_view& r,
                                                        const decoded_record& d, std::size_t index) {
    const auto& t = *o.names;
    o.lit(",\"function\":\"");
    o.name(t.function[static_cast<std::size_t>(d.function) & 3]);
    o.lit("\",\"hex\":\"");
    o.hex(r.wire);
    o.lit("\",\"index\":");
    o.num(index);
    o.lit(",\"kind\":\"");
    o.name(t.kind[static_cast<std::size_t>(d.kind) & 3]);
    o.ch('"');
}

[[gnu::always_inline]] inline void put_dif(text_out& o, const record_view& r) {
    o.lit(",\"dif\":\"");
    o.hex(r.dif);
    o.lit("\",\"dife\":\"");
    o.hex(r.dife);
    o.ch('"');
}

// lean_record's work, inlined there: put_record's text for `r` decoded as `d`, into `o`; false (and `o` left
// half-written) when the record is put_record's to write.
[[gnu::always_inline]] inline bool lean_fields(text_out& o, const char* end, const record_view& r,
                                               const decoded_record& d, std::size_t index) {
    if (d.error) return false;
    const auto& t = *o.names;
    const padded& coding = t.coding[static_cast<std::size_t>(d.coding) & 0x0F];
    if (d.kind == record_kind::manufacturer_data || d.kind == record_kind::more_records_follow) {
        const bool more = d.kind == record_kind::more_records_follow;
        o.lit("{\"coding\":\"");
        o.name(coding);
        o.lit("\",\"data\":\"");
        o.hex(r.data);
        o.ch('"');
        put_dif(o, r);
        put_function_to_kind(o, r, d, index);
        o.lit(",\"more_records_follow\":");
        if (more)
            o.lit("true");
        else
            o.lit("false");
        put_dib_tail(o, d);
        if (more)
            o.lit(",\"text\":\"More records follow; manufacturer specific data: ");
        else
            o.lit(",\"text\":\"Manufacturer specific data: ");
        o.hex_spaced(r.data);
        o.lit("\"}");
        return true;
    }
    if (d.kind == record_kind::idle_filler) {
        o.lit("{\"coding\":\"");
        o.name(coding);
        o.ch('"');
        put_dif(o, r);
        put_function_to_kind(o, r, d, index);
        put_dib_tail(o, d);
        o.lit(",\"text\":\"Idle filler\"}");
        return true;
    }
    if (d.kind_of_value == value_kind::text &&
        !plain(std::string_view(reinterpret_cast<const char*>(d.field.data()), d.field.size())))
        return false;
    std::string scratch;
    const std::string_view unit = unit_text(d, scratch);
    // A unit symbol is plain (json_test checks every one); a plain text or a suffix may not be.
    if (unit.data() != d.unit_symbol.data() && !plain(unit)) return false;
    o.lit("{\"code\":\"");
    o.hex(d.vib.code.code);
    o.name(t.coding_key[static_cast<std::size_t>(d.coding) & 0x0F]);
    const padded& words = t.description[static_cast<std::size_t>(d.vib.q)];
    o.name(words);
    o.ch('"');
    put_dif(o, r);
    o.lit(",\"exponent\":");
    o.num(d.vib.exponent);
    o.name(t.function_key[static_cast<std::size_t>(d.function) & 3]);
    o.hex(r.wire);
    o.lit("\",\"index\":");
    o.num(index);
    o.lit(",\"kind\":\"data\",\"modifiers\":");
    notes n;
    o.p = put_modifiers(o, end, d, n);
    if (o.p == nullptr) return false;
    if (plain_text_unit(d)) { // plain, as `unit` begins with it
        o.lit(",\"plain_text_unit\":\"");
        for (std::size_t i = d.plain_text.size(); i > 0; --i)
            o.ch(static_cast<char>(d.plain_text[i - 1]));
        o.ch('"');
    }
    o.name(t.quantity_key[static_cast<std::size_t>(d.vib.q)]);
    const char* integer_at = nullptr; // where the raw integer's digits went
    put_raw(o, d, integer_at);
    const char* const integer_end = o.p;
    if ((d.storage | d.subunit) == 0) {
        o.lit(",\"storage\":0,\"subunit\":0");
    } else {
        o.lit(",\"storage\":");
        o.num(d.storage);
        o.lit(",\"subunit\":");
        o.num(d.subunit);
    }
    const auto table_index = static_cast<std::size_t>(d.vib.code.table) % 3;
    const padded& table = t.table[table_index];
    o.name(t.table_key[table_index]);
    o.num(d.tariff);
    // The line of append_text: the quantity, its notes, where, the value and its unit.
    o.lit(",\"text\":\"");
    if (d.vib.q == quantity::unknown) {
        o.lit("Reserved VIF ");
        o.name(table);
        o.ch(' ');
        o.hex(d.vib.code.code);
    } else {
        o.name(words);
    }
    for (std::size_t i = 0; i < n.count; ++i) {
        if (end - o.p < static_cast<std::ptrdiff_t>(n.size[i] + 600)) return false;
        o.lit(" [");
        o.str(n.at(i));
        o.ch(']');
    }
    put_where(o, d);
    o.lit(" = ");
    // The scaled value's conversion, once for the text line and the JSON value: a whole number's
    // digits are the same in both (the JSON value adds ".0"), kept from the text line.
    const bool whole = d.has_scaled && text_out::whole(d.scaled);
    decimal dec;
    const decimal* conv = nullptr;
    if (d.has_scaled && !whole && std::isfinite(d.scaled) && d.scaled != 0) {
        // Mostly an integer over a power of ten, whose digits are its own (scaled_digits).
        if (d.kind_of_value != value_kind::integer || d.vib.has_additive || d.vib.exponent >= 0 ||
            !detail::scaled_digits(d.integer, -d.vib.exponent, d.scaled, dec))
            dec = detail::grisu_digits(d.scaled);
        conv = &dec;
    }
    std::array<char, 24> whole_digits;
    std::size_t whole_size = 0;
    if (whole) {
        char* const at = o.p;
        const int e = d.vib.exponent;
        if (integer_at != nullptr && d.integer != 0 && !d.vib.has_additive && e >= 0 && e < 15 &&
            d.integer > -pow10_int[static_cast<std::size_t>(15 - e)] &&
            d.integer < pow10_int[static_cast<std::size_t>(15 - e)]) {
            // raw x 10^e, exact in a double: the raw digits written above and e zeros.
            std::memcpy(whole_digits.data(), integer_at, whole_digits.size());
            std::memcpy(o.p, whole_digits.data(), whole_digits.size());
            o.p += integer_end - integer_at;
            std::memcpy(o.p, "000000000000000", 16);
            o.p += e;
        } else {
            o.num(static_cast<std::int64_t>(d.scaled));
        }
        whole_size = static_cast<std::size_t>(o.p - at);
        std::memcpy(whole_digits.data(), at, whole_digits.size()); // the room is there
    } else if (d.has_scaled) {
        o.p = text_out::text_double(o.p, d.scaled, conv);
    } else {
        o = put_value_text(o, d);
    }
    const bool symbol = unit.data() == d.unit_symbol.data();
    const padded& unit_name = t.symbol[static_cast<std::size_t>(d.vib.u)];
    if (!unit.empty() && (d.has_scaled || d.kind_of_value == value_kind::invalid_bcd)) {
        o.ch(' ');
        if (symbol)
            o.name(unit_name);
        else
            o.str(unit);
    }
    o.lit("\",\"unit\":\"");
    if (symbol)
        o.name(unit_name);
    else
        o.str(unit);
    o.lit("\",\"value\":");
    if (whole) {
        std::memcpy(o.p, whole_digits.data(), whole_digits.size());
        o.p += whole_size;
        o.lit(".0");
    } else if (d.has_scaled) {
        o.p = text_out::json_double(o.p, d.scaled, conv);
    } else {
        o.lit("null");
    }
    o.lit(",\"vif\":\"");
    o.hex(r.vif);
    o.lit("\",\"vife\":\"");
    o.hex(r.vife);
    o.lit("\"}");
    return true;
}

// put_record's text for the record `r` decoded as `d`, written into `out`; false (and `out` left
// half-written) when the record is put_record's to write. The pointer is kept in a local copy, in a
// register, while the fields are written: so no call that is not inlined may take the copy's
// address (put_value_text, put_modifiers, json_double and text_double take the pointer and give it
// back by value), or it lives in memory for the whole record, stored and loaded again around every
// piece (a chain of store-to-load latencies: that cost JSON about 15% of its time).
bool lean_record(text_out& out, const char* end, const record_view& r, const decoded_record& d,
                 std::size_t index) {
    text_out o = out;
    const bool written = lean_fields(o, end, r, d, index);
    out = o;
    return written;
}

// The text written through a pointer into a buffer of the thread's, and appended to the caller's
// string once at the end. Written into that string itself, every resize() would zero-fill the bytes
// it adds before they are written (C++20 has no resize_and_overwrite), and outgrowing its capacity
// would copy what was written; the buffer keeps its size from call to call (the largest text this
// thread wrote, some KiB), so both happen only while it grows.
struct out_cursor {
    std::string& buf; // its size() is the room: grown, never cut
    text_out o{buf.data(), &names()};
    char* end{buf.data() + buf.size()};

    static std::string& thread_buffer() {
        thread_local std::string b;
        return b;
    }

    // Room for `n` more bytes from o.p on.
    void room(std::size_t n) {
        if (static_cast<std::size_t>(end - o.p) >= n) return;
        grow(n);
    }
    [[gnu::noinline]] void grow(std::size_t n) {
        const std::size_t at = written();
        buf.resize(std::max(2 * buf.size(), at + n + 4096));
        o.p = buf.data() + at;
        end = buf.data() + buf.size();
    }
    std::size_t written() const { return static_cast<std::size_t>(o.p - buf.data()); }
    // Text from a writer that appends to a string (put_record, put_header), copied in.
    void append(std::string_view s) {
        room(s.size());
        o.str(s);
    }
};

// put_header's text, for the writer from bytes; put_header writes the rare header whose names need
// escapes (manufacturer letters are any of '@' to '_', backslash included).
void put_plain_header(out_cursor& w, const header& h) {
    const auto& t = *w.o.names;
    const std::string* medium = nullptr;
    if (h.address) {
        const auto m = h.address->medium;
        const auto code = h.address->manufacturer;
        const bool backslash =
            ((code >> 10) & 0x1F) == 0x1C || ((code >> 5) & 0x1F) == 0x1C || (code & 0x1F) == 0x1C;
        if (backslash || !t.medium_plain[m]) {
            std::string text;
            put_header(text, h);
            return w.append(text);
        }
        medium = &t.medium[m];
        w.room(medium->size() + 512);
    } else {
        w.room(512);
    }
    text_out& o = w.o;
    const auto hex4 = [&](std::uint16_t v) {
        o.hex(static_cast<byte>(v >> 8));
        o.hex(static_cast<byte>(v));
    };
    o.lit("{\"access_number\":");
    o.num(h.access_number);
    if (h.address) {
        const auto& a = *h.address;
        o.lit(",\"id\":\""); // id_to_string: "{:08X}"
        hex4(static_cast<std::uint16_t>(a.id >> 16));
        hex4(static_cast<std::uint16_t>(a.id));
        o.lit("\",\"manufacturer\":\""); // manufacturer_letters
        o.ch(static_cast<char>(((a.manufacturer >> 10) & 0x1F) + 64));
        o.ch(static_cast<char>(((a.manufacturer >> 5) & 0x1F) + 64));
        o.ch(static_cast<char>((a.manufacturer & 0x1F) + 64));
        o.lit("\",\"manufacturer_code\":\"");
        hex4(a.manufacturer);
        o.lit("\",\"manufacturer_valid\":");
        if (valid_manufacturer(a.manufacturer))
            o.lit("true");
        else
            o.lit("false");
        o.str(*medium);
    }
    o.lit(",\"signature\":\"");
    hex4(h.signature);
    o.lit("\",\"status\":");
    o.num(h.status);
    o.lit(",\"status_flags\":[");
    bool first = true;
    const auto flag = [&](std::string_view f) {
        if (!first) o.ch(',');
        first = false;
        o.ch('"');
        o.str(f);
        o.ch('"');
    };
    switch (h.status & 0x03) {
    case 1: flag("application_busy"); break;
    case 2: flag("application_error"); break;
    case 3: flag("abnormal_condition"); break;
    default: break;
    }
    if ((h.status & 0x04) != 0) flag("power_low");
    if ((h.status & 0x08) != 0) flag("permanent_error");
    if ((h.status & 0x10) != 0) flag("temporary_error");
    static constexpr std::array<std::string_view, 3> bits{"manufacturer_bit_5", "manufacturer_bit_6",
                                                          "manufacturer_bit_7"};
    for (int bit = 5; bit < 8; ++bit)
        if ((h.status & (1 << bit)) != 0) flag(bits[static_cast<std::size_t>(bit - 5)]);
    o.ch(']');
    if (h.address) {
        o.lit(",\"version\":");
        o.num(h.address->version);
    }
    o.ch('}');
}

// One record of variable data read in place: decoded into `d` (reused from record to record) and
// written by lean_record, or by put_record when lean_record leaves it.
void put_decoded_record(out_cursor& w, const record_view& r, decoded_record& d, std::size_t index) {
    decode_record(r, d);
    // Room for the fixed keys and names (and a padded name's overrun), the numbers, and every byte
    // of the record up to six times over as hex (hex, dife/vife/data, raw, text).
    const std::size_t need = 2048 + 12 * r.wire.size();
    w.room(need);
    char* const at = w.o.p;
    if (lean_record(w.o, at + need - padded::width, r, d, index)) return;
    w.o.p = at;
    std::string text;
    put_record(text, r, index);
    w.append(text);
}

// Variable data from its bytes, in one pass: the top-level keys, the header and the records read in
// place. "more_records_follow" (a DIF 1F record, always the last) is written false and turned true
// when that record comes. Returns the cursor's error, with `out` as it was then.
std::error_code put_variable_from_bytes(std::string& out, byte ci, const variable_view& view,
                                        json_member extra) {
    out_cursor w{out_cursor::thread_buffer()};
    bool extra_done = extra.key.empty();
    // A key of the top-level object, after the caller's extra member where that one sorts first.
    const auto top = [&](std::string_view k, const auto& literal, bool first = false) {
        if (!extra_done && extra.key < k) {
            w.room(extra.key.size() + extra.text.size() + 8);
            if (!first) w.o.ch(',');
            w.o.ch('"');
            w.o.str(extra.key);
            w.o.lit("\":");
            w.o.str(extra.text);
            extra_done = true;
            first = false;
        }
        w.room(64);
        if (!first) w.o.ch(',');
        w.o.lit(literal);
    };
    w.room(16);
    w.o.ch('{');
    top("ci", "\"ci\":\"", true);
    w.o.hex(ci);
    w.o.ch('"');
    top("header", "\"header\":");
    if (ci == ci::variable_none)
        w.o.lit("null");
    else
        put_plain_header(w, view.header);
    top("more_records_follow", "\"more_records_follow\":");
    const std::size_t more_at = w.written();
    w.o.lit("false");
    top("records", "\"records\":[");
    auto cursor = view.cursor();
    decoded_record d;
    bool more = false;
    std::size_t i = 0;
    while (const std::optional<record_view> r = cursor.next()) {
        if (i > 0) {
            w.room(1);
            w.o.ch(',');
        }
        more = more || r->dif == special_dif::more_records_follow;
        put_decoded_record(w, *r, d, i++);
    }
    w.room(1);
    w.o.ch(']');
    top("structure", "\"structure\":\"variable\"");
    if (!extra_done) {
        w.room(extra.key.size() + extra.text.size() + 8);
        w.o.lit(",\"");
        w.o.str(extra.key);
        w.o.lit("\":");
        w.o.str(extra.text);
    }
    w.room(1);
    w.o.ch('}');
    if (cursor.error()) return cursor.error();
    const std::string_view text(w.buf.data(), w.written());
    if (!more) {
        out.append(text);
        return {};
    }
    out.reserve(out.size() + text.size() - 1);
    out.append(text.substr(0, more_at));
    out += "true";
    out.append(text.substr(more_at + 5));
    return {};
}

} // namespace

result<void> write_json(std::string& out, byte ci, bytes_view data, json_member extra) {
    const auto view = decode_variable_view(ci, data);
    if (!view) {
        if (view.error() != errc::unsupported_ci) return unexpected(view.error());
        const auto ud = decode(ci, data);
        if (!ud) return unexpected(ud.error());
        write_json(out, *ud, extra);
        return {};
    }
    if (const auto e = put_variable_from_bytes(out, ci, *view, extra)) return unexpected(e);
    return {};
}

} // namespace mbus::app
