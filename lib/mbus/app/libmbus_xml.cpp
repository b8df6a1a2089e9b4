#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/libmbus_tables.hpp>
#include <mbus/app/libmbus_xml.hpp>
#include <mbus/app/record_view.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <optional>
#include <string_view>

// A port of the XML half of libmbus 0.10.0 (mbus-protocol.c: mbus_frame_data_xml and the
// functions it calls; mbus-protocol-aux.c: mbus_frame_data_xml_normalized), written from its
// sources and checked against the output of its mbus_parse_hex on the libmbus test frames.
// Where libmbus has a quirk, the quirk is kept: this file exists to look exactly like libmbus.

namespace mbus::app {

namespace {

namespace lm = libmbus;

constexpr const char* xml_declaration = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n";
// libmbus's buffer sizes that limit what its string functions write.
constexpr std::size_t encoded_size = 768;
constexpr std::size_t fixed_encoded_size = 256;
constexpr std::size_t unit_size = 128;

// mbus_str_xml_encode, appended to `out`: control characters become spaces, & < > " become
// entities, and it stops writing when fewer than seven bytes of its buffer are left, or at a NUL.
void xml_encode(std::string& out, std::string_view src, std::size_t max_len = encoded_size) {
    const std::size_t base = out.size();
    std::size_t i = 0;
    // Most text needs no change: copy the run that fits (a character is one byte while nothing is
    // replaced), then go character by character from the first one that does.
    const std::size_t room = max_len > 6 ? max_len - 6 : 0;
    while (i < src.size() && i < room) {
        const auto c = static_cast<unsigned char>(src[i]);
        if (c < 0x20 || c == 0x7F || c == '&' || c == '<' || c == '>' || c == '"') break;
        ++i;
    }
    out.append(src.data(), i);
    for (; i < src.size() && out.size() - base + 6 < max_len; ++i) {
        const auto c = static_cast<unsigned char>(src[i]);
        if (c == 0) break;
        if (c < 0x20 || c == 0x7F) {
            out += ' ';
            continue;
        }
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += static_cast<char>(c); break;
        }
    }
}

// `<name>` + encoded text + `</name>` on a line of their own, eight spaces in.
void element(std::string& out, std::string_view name, std::string_view text,
             std::size_t max_len = encoded_size) {
    using namespace std::string_view_literals;
    out += "        <"sv;
    out += name;
    out += '>';
    xml_encode(out, text, max_len);
    out += "</"sv;
    out += name;
    out += ">\n"sv;
}

template <class... Args>
void append(std::string& out, fmt::format_string<Args...> f, Args&&... args) {
    fmt::memory_buffer buf;
    fmt::format_to(std::back_inserter(buf), f, std::forward<Args>(args)...);
    out.append(buf.data(), buf.size());
}

// A decimal integer, appended (the common case of append(out, "{}", v), without the formatter).
template <class Int>
void put_int(std::string& out, Int v) {
    const fmt::format_int text(v);
    out.append(text.data(), text.size());
}

// "%f" as C prints it: std::to_chars with a precision is defined as printf's conversion (the exact
// binary value rounded to 6 decimals), without printf's format parsing and locale.
void printf_f(std::string& out, double v) {
    char buf[512]; // DBL_MAX is 309 digits before the point
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 6);
    out.append(buf, r.ptr);
}

// An unsigned number in upper-case hex ("{:X}", zero-padded to `width` as "{:0NX}").
void put_hex_upper(std::string& out, unsigned long long v, int width = 1) {
    char buf[16];
    char* p = buf + sizeof buf;
    do {
        *--p = "0123456789ABCDEF"[v & 0x0F];
        v >>= 4;
        --width;
    } while (v != 0 || width > 0);
    out.append(p, buf + sizeof buf);
}

// A number of at most `width` digits, zero-padded to it ("{:0Nd}" for the non-negative fields of a
// date: year, month, day, hour, minute, second).
void put_padded(std::string& out, int v, int width) {
    char buf[12];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    for (auto n = static_cast<int>(r.ptr - buf); n < width; ++n)
        out += '0';
    out.append(buf, r.ptr);
}

// mbus_data_int_decode / mbus_data_long_long_decode: little-endian two's complement.
long long int_decode(bytes_view b) {
    if (b.empty()) return 0;
    unsigned long long u = 0;
    for (std::size_t i = b.size(); i > 0; --i)
        u = u << 8 | b[i - 1];
    if ((b.back() & 0x80) != 0 && b.size() < 8) u |= ~0ULL << (8 * b.size());
    return static_cast<long long>(u);
}

// mbus_data_bcd_decode_hex: the bytes as one hex number, most significant last on the wire.
unsigned long long bcd_hex(bytes_view b) {
    unsigned long long v = 0;
    for (std::size_t i = b.size(); i > 0; --i)
        v = v << 8 | b[i - 1];
    return v;
}

// The plain XML's BCD: the digits as they are on the wire (hex digits A-E included), and a high
// nibble of F in the last byte printed as a minus sign (the corpus shows "-18" for 18 00 F0).
void bcd_text(std::string& out, bytes_view b) {
    if (b.empty()) {
        out += '0';
        return;
    }
    if ((b.back() >> 4) != 0xF) return put_hex_upper(out, bcd_hex(b));
    const unsigned long long top_nibble = 0xFULL << (8 * b.size() - 4);
    out += '-';
    put_hex_upper(out, bcd_hex(b) & ~top_nibble);
}

// mbus_data_bcd_decode: decimal digits; a high nibble of F in the last byte makes it negative,
// other digits above 9 count as their value.
long long bcd_decimal(bytes_view b) {
    long long v = 0;
    for (std::size_t i = b.size(); i > 0; --i) {
        v *= 10;
        if ((b[i - 1] >> 4) < 0xA) v += b[i - 1] >> 4;
        v = v * 10 + (b[i - 1] & 0x0F);
    }
    if (!b.empty() && (b.back() >> 4) == 0xF) v = -v;
    return v;
}

float float_decode(bytes_view b) {
    std::uint32_t u = 0;
    for (std::size_t i = 4; i > 0; --i)
        u = u << 8 | (i - 1 < b.size() ? b[i - 1] : 0);
    float f = 0;
    static_assert(sizeof f == sizeof u);
    std::memcpy(&f, &u, sizeof f);
    return f;
}

// mbus_data_tm_decode: types I (6 bytes), F (4 bytes) and G (2 bytes); an invalid time is all 0.
struct tm_fields {
    int sec{0}, min{0}, hour{0}, mday{0}, mon{0}, year{0};
};
tm_fields tm_decode(bytes_view d) {
    tm_fields t;
    if (d.size() == 6) {
        if ((d[1] & 0x80) == 0) {
            t.sec = d[0] & 0x3F;
            t.min = d[1] & 0x3F;
            t.hour = d[2] & 0x1F;
            t.mday = d[3] & 0x1F;
            t.mon = (d[4] & 0x0F) - 1;
            t.year = 100 + (((d[3] & 0xE0) >> 5) | ((d[4] & 0xF0) >> 1));
        }
    } else if (d.size() == 4) {
        if ((d[0] & 0x80) == 0) {
            t.min = d[0] & 0x3F;
            t.hour = d[1] & 0x1F;
            t.mday = d[2] & 0x1F;
            t.mon = (d[3] & 0x0F) - 1;
            // Since libmbus PR 218 the hundred-year bits count; without them, years 00-80 are
            // 2000-2080 as EN 13757-3 recommends (the corpus has 96 as 1996 and 14 as 2014).
            const int year = ((d[2] & 0xE0) >> 5) | ((d[3] & 0xF0) >> 1);
            const int hundred_years = (d[1] & 0x60) >> 5;
            t.year = year + 100 * hundred_years + (hundred_years == 0 && year <= 80 ? 100 : 0);
        }
    } else if (d.size() == 2) {
        t.mday = d[0] & 0x1F;
        t.mon = (d[1] & 0x0F) - 1;
        t.year = 100 + (((d[0] & 0xE0) >> 5) | ((d[1] & 0xF0) >> 1));
    }
    return t;
}
// "%04d-%02d-%02d" (tm_decode's fields are never negative: year >= 0, mon >= -1).
void date_text(std::string& out, const tm_fields& t) {
    put_padded(out, t.year + 1900, 4);
    out += '-';
    put_padded(out, t.mon + 1, 2);
    out += '-';
    put_padded(out, t.mday, 2);
}
void date_time_text(std::string& out, const tm_fields& t) {
    date_text(out, t);
    out += 'T';
    put_padded(out, t.hour, 2);
    out += ':';
    put_padded(out, t.min, 2);
    out += ':';
    put_padded(out, t.sec, 2);
}

// lm::reversed_c_string and lm::hex_reversed, appended.
void reversed_c_string(std::string& out, bytes_view b) {
    for (auto it = b.rbegin(); it != b.rend() && *it != 0; ++it)
        out += static_cast<char>(*it);
}
void hex_reversed(std::string& out, bytes_view b) {
    static constexpr std::string_view digits = "0123456789ABCDEF";
    for (auto it = b.rbegin(); it != b.rend(); ++it) {
        if (it != b.rbegin()) out += ' ';
        out += digits[*it >> 4];
        out += digits[*it & 0x0F];
    }
}

std::uint8_t vif_of(const record_view& r) { return r.has_vib ? r.vif : 0; }

// Data types 4 and 6 hold a date and time for VIF 6D and for VIFE 30 and 70 after FD.
bool is_date_time(const record_view& r) {
    const auto vif = vif_of(r);
    const auto e = r.vife0() & 0x7F;
    return (vif & 0x7F) == 0x6D || (vif == 0xFD && (e == 0x30 || e == 0x70));
}
bool is_date(const record_view& r) { return (vif_of(r) & 0x7F) == 0x6C; }

// A variable-length value: text for LVAR up to BF (libmbus's only case before its PR 220), the
// bytes in hex otherwise, as libmbus prints the binary LVAR of example_binary16_lvar.
void variable_length_text(std::string& out, const record_view& r) {
    const bool text = r.data.empty() || r.data[0] <= 0xBF;
    if (text)
        reversed_c_string(out, value_bytes(r));
    else
        hex_reversed(out, value_bytes(r));
}

// mbus_data_record_decode: the Value of the plain XML, appended.
void plain_value(std::string& out, const record_view& r) {
    const bytes_view d = r.data;
    switch (r.dif & 0x0F) {
    case 0x00: return;
    case 0x01:
    case 0x03: return put_int(out, static_cast<int>(int_decode(d)));
    case 0x02:
        if (is_date(r)) return date_text(out, tm_decode(d));
        return put_int(out, static_cast<int>(int_decode(d)));
    case 0x04:
        if (is_date_time(r)) return date_time_text(out, tm_decode(d));
        return put_int(out, static_cast<int>(int_decode(d)));
    case 0x05: return printf_f(out, static_cast<double>(float_decode(d)));
    case 0x06:
        if (is_date_time(r)) return date_time_text(out, tm_decode(d));
        return put_int(out, int_decode(d));
    case 0x07: return put_int(out, int_decode(d));
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0E: return bcd_text(out, d);
    case 0x0F: return hex_reversed(out, d);
    case 0x0D: return variable_length_text(out, r);
    default: return append(out, "Unknown DIF (0x{:02x})", r.dif);
    }
}

// The storage number, tariff and subunit of libmbus, bit by bit as it gathers them (the
// storage number in a C int shifted as x86 does, which matters only past eight DIFE).
long storage_number(const record_view& r) {
    long result = (r.dif & 0x40) >> 6;
    int bit = 1;
    for (const auto e : r.dife) {
        const auto part = static_cast<std::int32_t>(static_cast<std::uint32_t>(e & 0x0F) << (bit & 31));
        result |= part;
        bit += 4;
    }
    return result;
}
// libmbus gathers the tariff and the subunit alike: `width` bits from bit `shift` of every DIFE, the
// first DIFE lowest; -1 without DIFE.
long dife_field(const record_view& r, int shift, int width) {
    if (r.dife.empty()) return -1;
    long result = 0;
    int bit = 0;
    for (const auto e : r.dife) {
        result |= static_cast<long>((e >> shift) & ((1 << width) - 1)) << bit;
        bit += width;
    }
    return result;
}
long tariff(const record_view& r) { return dife_field(r, 4, 2); }
int device(const record_view& r) { return static_cast<int>(dife_field(r, 6, 1)); }

// libmbus's Function and Unit texts depend on the DIF, and (but for plain-text VIFs) on the VIF and
// for FB / FD the first VIFE only: made once per code rather than once per record.
// Kept as the XML's lines, encoded (and the unit cut to libmbus's buffer) once.
struct unit_texts {
    std::array<std::string, 256> by_vif;
    std::array<std::string, 256> after_fb;
    std::array<std::string, 256> after_fd;
    std::array<std::string, 4> functions;
    std::array<std::string, 256> by_vif_line; // "        <Unit>...</Unit>\n"
    std::array<std::string, 256> after_fb_line;
    std::array<std::string, 256> after_fd_line;
    std::array<std::string, 4> function_lines; // "        <Function>...</Function>\n"
    unit_texts();
};
unit_texts::unit_texts() {
    for (unsigned i = 0; i < 256; ++i) {
        const auto b = static_cast<std::uint8_t>(i);
        by_vif[i] = lm::vif_unit(b);
        after_fb[i] = lm::vib_unit(vib{0xFB, {}, {b}});
        after_fd[i] = lm::vib_unit(vib{0xFD, {}, {b}});
        // mbus_data_record_unit's buffer holds 127 characters
        element(by_vif_line[i], "Unit", std::string_view(by_vif[i]).substr(0, unit_size - 1));
        element(after_fb_line[i], "Unit", std::string_view(after_fb[i]).substr(0, unit_size - 1));
        element(after_fd_line[i], "Unit", std::string_view(after_fd[i]).substr(0, unit_size - 1));
    }
    for (unsigned i = 0; i < 4; ++i) {
        functions[i] = lm::function(static_cast<std::uint8_t>(i << 4));
        element(function_lines[i], "Function", functions[i]);
    }
}
const unit_texts& texts() {
    static const unit_texts t;
    return t;
}
std::string_view function_text(std::uint8_t dif) { return texts().functions[(dif >> 4) & 0x03]; }

// The <Unit> line of the plain XML from the table, or nullptr for a VIB whose unit is made per record
// (unit_text below).
const std::string* unit_line(const record_view& r) {
    const auto& t = texts();
    if (!r.has_vib) return &t.by_vif_line[0];
    if ((r.vif == 0xFB || r.vif == 0xFD) && !r.vife.empty())
        return &(r.vif == 0xFB ? t.after_fb_line : t.after_fd_line)[r.vife[0]];
    if (r.vif == 0xFB || r.vif == 0xFD || r.vif == 0x7C || r.vif == 0xFC) return nullptr;
    return &t.by_vif_line[r.vif];
}

// mbus_vib_unit_lookup; `scratch` holds the text of a plain-text VIF.
std::string_view unit_text(const record_view& r, std::string& scratch) {
    const auto& t = texts();
    if (!r.has_vib) return t.by_vif[0];
    if ((r.vif == 0xFB || r.vif == 0xFD) && !r.vife.empty())
        return (r.vif == 0xFB ? t.after_fb : t.after_fd)[r.vife[0]];
    if (r.vif == 0xFB || r.vif == 0xFD || r.vif == 0x7C || r.vif == 0xFC) {
        vib v{r.vif, bytes(r.plain_text.begin(), r.plain_text.end()), bytes(r.vife.begin(), r.vife.end())};
        scratch = lm::vib_unit(v);
        return scratch;
    }
    return t.by_vif[r.vif];
}

void header_xml(std::string& s, const header& h) {
    const auto a = h.address.value_or(secondary_address{});
    s += "    <SlaveInformation>\n        <Id>";
    put_hex_upper(s, a.id);
    s += "</Id>\n        <Manufacturer>";
    s += lm::manufacturer(a.manufacturer);
    s += "</Manufacturer>\n        <Version>";
    put_int(s, a.version);
    s += "</Version>\n";
    element(s, "ProductName", lm::product_name(a.manufacturer, a.version, a.medium, a.id));
    element(s, "Medium", lm::medium(a.medium));
    s += "        <AccessNumber>";
    put_int(s, h.access_number);
    s += "</AccessNumber>\n        <Status>";
    put_hex_upper(s, h.status, 2);
    s += "</Status>\n        <Signature>";
    put_hex_upper(s, h.signature, 4);
    s += "</Signature>\n    </SlaveInformation>\n\n";
}

void storage_tariff_device(std::string& s, const record_view& r) {
    s += "        <StorageNumber>";
    put_int(s, storage_number(r));
    s += "</StorageNumber>\n";
    if (const long t = tariff(r); t >= 0) {
        s += "        <Tariff>";
        put_int(s, t);
        s += "</Tariff>\n        <Device>";
        put_int(s, device(r));
        s += "</Device>\n";
    }
}

void plain_record_xml(std::string& s, std::string& scratch, const record_view& r, std::size_t id) {
    s += "    <DataRecord id=\"";
    put_int(s, id);
    s += "\">\n";
    if (r.dif == special_dif::manufacturer_specific) {
        s += "        <Function>Manufacturer specific</Function>\n";
    } else if (r.dif == special_dif::more_records_follow) {
        s += "        <Function>More records follow</Function>\n";
    } else {
        s += texts().function_lines[(r.dif >> 4) & 0x03];
        storage_tariff_device(s, r);
        if (const auto* line = unit_line(r))
            s += *line;
        else // mbus_data_record_unit's buffer holds 127 characters
            element(s, "Unit", unit_text(r, scratch).substr(0, unit_size - 1));
    }
    if ((r.dif & 0x0F) == 0x0D && (r.data.empty() || r.data[0] <= 0xBF)) {
        // Text from the telegram: encoded.
        scratch.clear();
        plain_value(scratch, r);
        element(s, "Value", scratch);
    } else {
        // Digits, hex, dates: nothing to encode, but xml_encode's length limit.
        s += "        <Value>";
        const std::size_t at = s.size();
        plain_value(s, r);
        if (s.size() - at > encoded_size - 6) s.resize(at + encoded_size - 6);
        s += "</Value>\n";
    }
    s += "    </DataRecord>\n\n";
}

// mbus_variable_value_decode: a number, or a text (in `text`), or nothing when libmbus gives up.
struct raw_value {
    bool numeric{true};
    double real{0.0};
};
std::optional<raw_value> normalized_value(const record_view& r, std::string& text) {
    const bytes_view d = r.data;
    const auto number = [](double v) { return raw_value{true, v}; };
    const raw_value is_text{false, 0.0};
    text.clear();
    switch (r.dif & 0x0F) {
    case 0x00: return is_text;
    case 0x01:
    case 0x03: return number(static_cast<int>(int_decode(d)));
    case 0x02:
        if (is_date(r)) {
            date_text(text, tm_decode(d));
            return is_text;
        }
        return number(static_cast<int>(int_decode(d)));
    case 0x04:
    case 0x06:
        if (is_date_time(r)) {
            date_time_text(text, tm_decode(d));
            text += 'Z';
            return is_text;
        }
        if ((r.dif & 0x0F) == 0x04) return number(static_cast<int>(int_decode(d)));
        return number(static_cast<double>(int_decode(d)));
    case 0x05: return number(static_cast<double>(float_decode(d)));
    case 0x07: return number(static_cast<double>(int_decode(d)));
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0E: return number(static_cast<double>(bcd_decimal(d)));
    case 0x0D: variable_length_text(text, r); return is_text;
    case 0x0F: hex_reversed(text, d); return is_text;
    default: return std::nullopt; // 08, selection for readout: "Unknown DIF"
    }
}

// mbus_vib_unit_normalize: unit, quantity and the value scaled to them.
struct normalized {
    std::string_view unit;
    std::string quantity;
    double value{0.0};
};
std::optional<normalized> vib_normalize(const record_view& v, double value) {
    normalized n;
    const std::uint8_t e0 = v.vife0();
    const auto from_table = [&n, value](unsigned code) {
        const auto* entry = lm::find_vif(code & 0xF7F);
        if (entry == nullptr) return false;
        n.unit = entry->unit;
        n.quantity = entry->quantity;
        n.value = value * entry->exponent;
        return true;
    };
    if (v.vif == 0xFD || v.vif == 0xFB) {
        if (v.vife.empty() || !from_table((e0 & 0x7Fu) | (v.vif == 0xFD ? 0x100u : 0x200u)))
            return std::nullopt;
    } else if (v.vif == 0x7C || v.vif == 0xFC) {
        n.unit = "-";
        reversed_c_string(n.quantity, v.plain_text);
        n.value = value;
    } else if (!from_table(v.vif & 0x7Fu)) {
        return std::nullopt;
    }
    // Table 8.4.5 corrections, from the first VIFE only.
    if ((v.vif & 0x80) != 0 && v.vif != 0xFD && v.vif != 0xFB) {
        const int code = e0 & 0x7F;
        if (code >= 0x70 && code <= 0x77)
            n.value *= std::pow(10.0, (e0 & 0x07) - 6);
        else if (code >= 0x78 && code <= 0x7B)
            n.value += std::pow(10.0, (e0 & 0x03) - 3);
        else if (code == 0x7D)
            n.value *= 1000.0;
    }
    return n;
}

void normalized_record_xml(std::string& s, std::string& scratch, const record_view& r, std::size_t id) {
    s += "    <DataRecord id=\"";
    put_int(s, id);
    s += "\">\n";
    const auto close = [&s] { s += "    </DataRecord>\n\n"; };
    const bool special =
        r.dif == special_dif::manufacturer_specific || r.dif == special_dif::more_records_follow;
    const auto value = normalized_value(r, scratch);
    if (!value) return close();
    normalized n;
    std::string_view function;
    if (special) {
        function =
            r.dif == special_dif::more_records_follow ? "More records follow" : "Manufacturer specific";
    } else {
        function = function_text(r.dif);
        auto norm = r.has_vib ? vib_normalize(r, value->real) : std::nullopt;
        if (!norm) return close();
        n = std::move(*norm);
    }
    element(s, "Function", function);
    storage_tariff_device(s, r);
    element(s, "Unit", n.unit);
    element(s, "Quantity", n.quantity);
    if (value->numeric) {
        s += "        <Value>";
        printf_f(s, n.value);
        s += "</Value>\n";
    } else {
        element(s, "Value", scratch);
    }
    close();
}

// The document around the records; `next` gives the records one after the other (nullopt at the
// end). False when reading the records failed (the reader knows why).
template <class Next>
void variable_xml(std::string& s, const header& h, bool normalized, Next&& next) {
    s += xml_declaration;
    s += "<MBusData>\n\n";
    header_xml(s, h);
    std::string scratch;
    std::size_t id = 0;
    while (const std::optional<record_view> r = next()) {
        if (r->dif == special_dif::idle_filler && !r->has_vib)
            continue; // libmbus skips fillers while parsing
        if (normalized)
            normalized_record_xml(s, scratch, *r, id);
        else
            plain_record_xml(s, scratch, *r, id);
        ++id;
    }
    s += "</MBusData>\n";
}

void fixed_counter(std::string& s, const fixed_data& f, std::uint32_t counter) {
    if ((f.status & 0x80) == 0) return append(s, "{:X}", counter); // BCD
    append(s, "{}", static_cast<std::int32_t>(counter));
}

std::string fixed_xml(const fixed_data& f) {
    const auto cnt1_type = static_cast<std::uint8_t>(f.medium_unit & 0xFF);
    const auto cnt2_type = static_cast<std::uint8_t>(f.medium_unit >> 8);
    const std::string_view function = (f.status & 0x40) == 0x40 ? "Stored value" : "Actual value";
    std::string s = xml_declaration;
    s += "<MBusData>\n\n";
    s += "    <SlaveInformation>\n";
    append(s, "        <Id>{:X}</Id>\n", f.id);
    element(s, "Medium", lm::fixed_medium(cnt1_type, cnt2_type), fixed_encoded_size);
    append(s, "        <AccessNumber>{}</AccessNumber>\n", f.access_number);
    append(s, "        <Status>{:02X}</Status>\n", f.status);
    s += "    </SlaveInformation>\n\n";
    const auto counter = [&](int id, std::uint8_t type, std::uint32_t value) {
        s += "    <DataRecord id=\"";
        put_int(s, id);
        s += "\">\n";
        element(s, "Function", function, fixed_encoded_size);
        element(s, "Unit", lm::fixed_unit(type), fixed_encoded_size);
        s += "        <Value>";
        fixed_counter(s, f, value);
        s += "</Value>\n";
        s += "    </DataRecord>\n\n";
    };
    counter(0, cnt1_type, f.counter1);
    counter(1, cnt2_type, f.counter2);
    s += "</MBusData>\n";
    return s;
}

std::string error_xml(int error) {
    std::string s = xml_declaration;
    s += "<MBusData>\n\n";
    s += "    <SlaveInformation>\n";
    element(s, "Error", lm::error_text(error), fixed_encoded_size);
    s += "    </SlaveInformation>\n\n";
    s += "</MBusData>\n";
    return s;
}

// Room for the XML of user data of `size` bytes: about 200 characters per record of about 6 bytes.
std::size_t xml_size_hint(std::size_t size) { return 512 + 40 * size; }

// mbus_frame_verify's list of C fields it accepts.
bool libmbus_accepts_c(link::frame_kind kind, byte c) {
    if (kind == link::frame_kind::short_frame)
        return c == 0x40 || c == 0x5A || c == 0x7A || c == 0x5B || c == 0x7B;
    return c == 0x53 || c == 0x73 || c == 0x08 || c == 0x18 || c == 0x28 || c == 0x38;
}

libmbus_output failed(std::string message) { return {{}, std::move(message)}; }

} // namespace

result<std::string> to_libmbus_xml(const user_data& ud, bool normalized) {
    if (const auto* v = std::get_if<variable_data>(&ud)) {
        if (v->ci != ci::variable_long) return errc::unsupported_ci;
        std::string s;
        s.reserve(xml_size_hint(6 * v->records.size()));
        auto it = v->records.begin();
        variable_xml(s, v->header, normalized, [&it, end = v->records.end()]() -> std::optional<record_view> {
            if (it == end) return std::nullopt;
            return view_of(*it++);
        });
        return s;
    }
    if (const auto* f = std::get_if<fixed_data>(&ud)) {
        if (f->ci != ci::fixed) return errc::unsupported_ci;
        return fixed_xml(*f);
    }
    int error = 0;
    if (const auto* e = std::get_if<application_error>(&ud)) {
        error = e->status.value_or(0);
    } else {
        const auto& o = std::get<other_data>(ud);
        if (o.ci != ci::app_error) return errc::unsupported_ci;
        error = o.data.empty() ? 0 : o.data[0];
    }
    if (normalized) return errc::no_xml;
    return error_xml(error);
}

libmbus_output to_libmbus_xml(const link::frame& f, bool normalized) {
    // Made into a string only for an error: a string of its length would be allocated every call.
    static constexpr std::string_view prefix_text = "mbus_frame_data_parse: ";
    const auto prefix = [] { return std::string(prefix_text); };
    // An E5 has no C field; libmbus reads it as 0, slave to master, CI 0.
    const bool has_fields = f.kind != link::frame_kind::ack;
    const byte c = has_fields ? f.c : 0;
    const byte ci = f.kind == link::frame_kind::control || f.kind == link::frame_kind::long_frame ? f.ci : 0;
    if ((c & link::c_field::prm) != 0)
        return failed(prefix() + make_error_code(errc::wrong_direction).message());
    if (ci != ci::app_error && ci != ci::fixed && ci != ci::variable_long)
        return failed(fmt::format("{}Unknown control information 0x{:02x}", prefix_text, ci));
    if (ci == ci::variable_long) {
        // The fast path: records read in place and written as they are read.
        const auto v = decode_variable_view(ci, f.data);
        if (!v) return failed(prefix() + v.error().message());
        std::string s;
        s.reserve(xml_size_hint(f.data.size()));
        auto cursor = v->cursor();
        variable_xml(s, v->header, normalized, [&cursor] { return cursor.next(); });
        if (cursor.error()) return failed(prefix() + cursor.error().message());
        return {std::move(s), {}};
    }
    const auto ud = decode(ci, f.data);
    if (!ud) return failed(prefix() + ud.error().message());
    auto xml = to_libmbus_xml(*ud, normalized);
    if (!xml) return failed("Failed to generate XML representation of MBUS frame: ");
    return {std::move(*xml), {}};
}

libmbus_output libmbus_parse_hex(bytes_view wire, bool normalized) {
    const std::string prefix = "mbus_parse: ";
    if (wire.empty()) return failed(prefix + "Got null pointer to frame, data or zero data_size.");
    link::frame f;
    byte cs = 0;
    byte stop = 0;
    switch (wire[0]) {
    case link::ack_byte: return to_libmbus_xml(link::frame::ack(), normalized); // the rest is not looked at
    case link::short_start:
        if (wire.size() < 5) return failed(fmt::format("{}need {} more bytes", prefix, 5 - wire.size()));
        if (wire.size() != 5) return failed(prefix + "Too much data in frame.");
        f = link::frame::short_frame(wire[1], wire[2]);
        cs = wire[3];
        stop = wire[4];
        break;
    case link::long_start: {
        if (wire.size() < 3) return failed(fmt::format("{}need {} more bytes", prefix, 3 - wire.size()));
        const std::size_t l = wire[1];
        if (l < 3 || wire[1] != wire[2]) return failed(prefix + "Invalid M-Bus frame length.");
        if (wire.size() < 6 + l)
            return failed(fmt::format("{}need {} more bytes", prefix, 6 + l - wire.size()));
        if (wire.size() > 6 + l) return failed(prefix + "Too much data in frame.");
        if (wire[3] != link::long_start) return failed(prefix + "No frame start");
        const auto data = wire.subspan(7, l - 3);
        f = link::frame::long_frame(wire[4], wire[5], wire[6], bytes(data.begin(), data.end()));
        cs = wire[wire.size() - 2];
        stop = wire[wire.size() - 1];
        break;
    }
    default: return failed(prefix + "Invalid M-Bus frame start.");
    }
    if (!libmbus_accepts_c(f.kind, f.c))
        return failed(fmt::format("{}Unknown Control Code 0x{:02x}", prefix, f.c));
    if (stop != link::stop_byte) return failed(prefix + "No frame stop");
    if (const byte expected = link::checksum(f); cs != expected)
        return failed(fmt::format("{}Invalid checksum (0x{:02x} != 0x{:02x})", prefix, cs, expected));
    return to_libmbus_xml(f, normalized);
}

} // namespace mbus::app
