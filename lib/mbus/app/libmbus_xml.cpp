#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/libmbus_tables.hpp>
#include <mbus/app/libmbus_xml.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

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

// mbus_str_xml_encode: control characters become spaces, & < > " become entities, and it stops
// writing when fewer than seven bytes of its buffer are left, or at a NUL.
std::string xml_encode(std::string_view src, std::size_t max_len = encoded_size) {
    std::string dst;
    for (std::size_t i = 0; i < src.size() && dst.size() + 6 < max_len; ++i) {
        const auto c = static_cast<unsigned char>(src[i]);
        if (c == 0) break;
        if (c < 0x20 || c == 0x7F) {
            dst += ' ';
            continue;
        }
        switch (c) {
        case '&': dst += "&amp;"; break;
        case '<': dst += "&lt;"; break;
        case '>': dst += "&gt;"; break;
        case '"': dst += "&quot;"; break;
        default: dst += static_cast<char>(c); break;
        }
    }
    return dst;
}

// "%f" as C prints it (fmt's fixed format is correctly rounded too, but this keeps it obvious).
std::string printf_f(double v) {
    const int n = std::snprintf(nullptr, 0, "%f", v);
    std::string s(static_cast<std::size_t>(n) + 1, '\0');
    std::snprintf(s.data(), s.size(), "%f", v);
    s.resize(static_cast<std::size_t>(n));
    return s;
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
std::string bcd_text(bytes_view b) {
    if (b.empty()) return "0";
    if ((b.back() >> 4) != 0xF) return fmt::format("{:X}", bcd_hex(b));
    const unsigned long long top_nibble = 0xFULL << (8 * b.size() - 4);
    return fmt::format("-{:X}", bcd_hex(b) & ~top_nibble);
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
std::string date_text(const tm_fields& t) {
    return fmt::format("{:04d}-{:02d}-{:02d}", t.year + 1900, t.mon + 1, t.mday);
}
std::string date_time_text(const tm_fields& t) {
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}", t.year + 1900, t.mon + 1, t.mday, t.hour,
                       t.min, t.sec);
}

std::uint8_t vife0(const record& r) { return r.vib && !r.vib->vife.empty() ? r.vib->vife[0] : 0; }
std::uint8_t vif_of(const record& r) { return r.vib ? r.vib->vif : 0; }

// Data types 4 and 6 hold a date and time for VIF 6D and for VIFE 30 and 70 after FD.
bool is_date_time(const record& r) {
    const auto vif = vif_of(r);
    const auto e = vife0(r) & 0x7F;
    return (vif & 0x7F) == 0x6D || (vif == 0xFD && (e == 0x30 || e == 0x70));
}
bool is_date(const record& r) { return (vif_of(r) & 0x7F) == 0x6C; }

// A variable-length value: text for LVAR up to BF (libmbus's only case before its PR 220), the
// bytes in hex otherwise, as libmbus prints the binary LVAR of example_binary16_lvar.
std::string variable_length_text(const record& r) {
    const bool text = r.data.empty() || r.data[0] <= 0xBF;
    return text ? lm::reversed_c_string(value_bytes(r)) : lm::hex_reversed(value_bytes(r));
}

// mbus_data_record_decode: the Value of the plain XML.
std::string plain_value(const record& r) {
    const bytes_view d = r.data;
    switch (r.dib.dif & 0x0F) {
    case 0x00: return {};
    case 0x01:
    case 0x03: return fmt::format("{}", static_cast<int>(int_decode(d)));
    case 0x02:
        if (is_date(r)) return date_text(tm_decode(d));
        return fmt::format("{}", static_cast<int>(int_decode(d)));
    case 0x04:
        if (is_date_time(r)) return date_time_text(tm_decode(d));
        return fmt::format("{}", static_cast<int>(int_decode(d)));
    case 0x05: return printf_f(static_cast<double>(float_decode(d)));
    case 0x06:
        if (is_date_time(r)) return date_time_text(tm_decode(d));
        return fmt::format("{}", int_decode(d));
    case 0x07: return fmt::format("{}", int_decode(d));
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0E: return bcd_text(d);
    case 0x0F: return lm::hex_reversed(d);
    case 0x0D: return variable_length_text(r);
    default: return fmt::format("Unknown DIF (0x{:02x})", r.dib.dif);
    }
}

// The storage number, tariff and subunit of libmbus, bit by bit as it gathers them (the
// storage number in a C int shifted as x86 does, which matters only past eight DIFE).
long storage_number(const dib& d) {
    long result = (d.dif & 0x40) >> 6;
    int bit = 1;
    for (const auto e : d.dife) {
        const auto part = static_cast<std::int32_t>(static_cast<std::uint32_t>(e & 0x0F) << (bit & 31));
        result |= part;
        bit += 4;
    }
    return result;
}
// libmbus gathers the tariff and the subunit alike: `width` bits from bit `shift` of every DIFE, the
// first DIFE lowest; -1 without DIFE.
long dife_field(const dib& d, int shift, int width) {
    if (d.dife.empty()) return -1;
    long result = 0;
    int bit = 0;
    for (const auto e : d.dife) {
        result |= static_cast<long>((e >> shift) & ((1 << width) - 1)) << bit;
        bit += width;
    }
    return result;
}
long tariff(const dib& d) { return dife_field(d, 4, 2); }
int device(const dib& d) { return static_cast<int>(dife_field(d, 6, 1)); }

std::string header_xml(const header& h) {
    const auto a = h.address.value_or(secondary_address{});
    std::string s = "    <SlaveInformation>\n";
    s += fmt::format("        <Id>{:X}</Id>\n", a.id);
    s += fmt::format("        <Manufacturer>{}</Manufacturer>\n", lm::manufacturer(a.manufacturer));
    s += fmt::format("        <Version>{}</Version>\n", a.version);
    s += fmt::format("        <ProductName>{}</ProductName>\n",
                     xml_encode(lm::product_name(a.manufacturer, a.version, a.medium, a.id)));
    s += fmt::format("        <Medium>{}</Medium>\n", xml_encode(lm::medium(a.medium)));
    s += fmt::format("        <AccessNumber>{}</AccessNumber>\n", h.access_number);
    s += fmt::format("        <Status>{:02X}</Status>\n", h.status);
    s += fmt::format("        <Signature>{:04X}</Signature>\n", h.signature);
    s += "    </SlaveInformation>\n\n";
    return s;
}

std::string plain_record_xml(const record& r, std::size_t id) {
    std::string s = fmt::format("    <DataRecord id=\"{}\">\n", id);
    if (r.dib.dif == special_dif::manufacturer_specific) {
        s += "        <Function>Manufacturer specific</Function>\n";
    } else if (r.dib.dif == special_dif::more_records_follow) {
        s += "        <Function>More records follow</Function>\n";
    } else {
        s += fmt::format("        <Function>{}</Function>\n", xml_encode(lm::function(r.dib.dif)));
        s += fmt::format("        <StorageNumber>{}</StorageNumber>\n", storage_number(r.dib));
        if (const long t = tariff(r.dib); t >= 0) {
            s += fmt::format("        <Tariff>{}</Tariff>\n", t);
            s += fmt::format("        <Device>{}</Device>\n", device(r.dib));
        }
        std::string unit = r.vib ? lm::vib_unit(*r.vib) : lm::vif_unit(0);
        if (unit.size() >= unit_size) unit.resize(unit_size - 1); // mbus_data_record_unit's buffer
        s += fmt::format("        <Unit>{}</Unit>\n", xml_encode(unit));
    }
    s += fmt::format("        <Value>{}</Value>\n", xml_encode(plain_value(r)));
    s += "    </DataRecord>\n\n";
    return s;
}

// mbus_variable_value_decode: a number, or a text, or nothing when libmbus gives up.
struct raw_value {
    bool numeric{true};
    double real{0.0};
    std::string text;
};
std::optional<raw_value> normalized_value(const record& r) {
    const bytes_view d = r.data;
    const auto number = [](double v) { return raw_value{true, v, {}}; };
    const auto text = [](std::string t) { return raw_value{false, 0.0, std::move(t)}; };
    switch (r.dib.dif & 0x0F) {
    case 0x00: return text({});
    case 0x01:
    case 0x03: return number(static_cast<int>(int_decode(d)));
    case 0x02:
        if (is_date(r)) return text(date_text(tm_decode(d)));
        return number(static_cast<int>(int_decode(d)));
    case 0x04:
        if (is_date_time(r)) return text(date_time_text(tm_decode(d)) + "Z");
        return number(static_cast<int>(int_decode(d)));
    case 0x05: return number(static_cast<double>(float_decode(d)));
    case 0x06:
        if (is_date_time(r)) return text(date_time_text(tm_decode(d)) + "Z");
        return number(static_cast<double>(int_decode(d)));
    case 0x07: return number(static_cast<double>(int_decode(d)));
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0E: return number(static_cast<double>(bcd_decimal(d)));
    case 0x0D: return text(variable_length_text(r));
    case 0x0F: return text(lm::hex_reversed(d));
    default: return std::nullopt; // 08, selection for readout: "Unknown DIF"
    }
}

// mbus_vib_unit_normalize: unit, quantity and the value scaled to them.
struct normalized {
    std::string unit;
    std::string quantity;
    double value{0.0};
};
std::optional<normalized> vib_normalize(const vib& v, double value) {
    normalized n;
    const std::uint8_t e0 = v.vife.empty() ? 0 : v.vife[0];
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
        n.quantity = lm::reversed_c_string(v.plain_text);
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

std::string normalized_record_xml(const record& r, std::size_t id) {
    std::string s = fmt::format("    <DataRecord id=\"{}\">\n", id);
    const auto close = [&s] {
        s += "    </DataRecord>\n\n";
        return s;
    };
    const bool special =
        r.dib.dif == special_dif::manufacturer_specific || r.dib.dif == special_dif::more_records_follow;
    const auto value = normalized_value(r);
    if (!value) return close();
    normalized n;
    std::string function;
    if (special) {
        function =
            r.dib.dif == special_dif::more_records_follow ? "More records follow" : "Manufacturer specific";
    } else {
        function = lm::function(r.dib.dif);
        const auto norm = r.vib ? vib_normalize(*r.vib, value->real) : std::nullopt;
        if (!norm) return close();
        n = *norm;
    }
    s += fmt::format("        <Function>{}</Function>\n", xml_encode(function));
    s += fmt::format("        <StorageNumber>{}</StorageNumber>\n", storage_number(r.dib));
    if (const long t = tariff(r.dib); t >= 0) {
        s += fmt::format("        <Tariff>{}</Tariff>\n", t);
        s += fmt::format("        <Device>{}</Device>\n", device(r.dib));
    }
    s += fmt::format("        <Unit>{}</Unit>\n", xml_encode(n.unit));
    s += fmt::format("        <Quantity>{}</Quantity>\n", xml_encode(n.quantity));
    if (value->numeric)
        s += fmt::format("        <Value>{}</Value>\n", printf_f(n.value));
    else
        s += fmt::format("        <Value>{}</Value>\n", xml_encode(value->text));
    return close();
}

std::string variable_xml(const variable_data& v, bool normalized) {
    std::string s = xml_declaration;
    s += "<MBusData>\n\n";
    s += header_xml(v.header);
    std::size_t id = 0;
    for (const auto& r : v.records) {
        if (r.dib.dif == special_dif::idle_filler && !r.vib) continue; // libmbus skips fillers while parsing
        s += normalized ? normalized_record_xml(r, id) : plain_record_xml(r, id);
        ++id;
    }
    s += "</MBusData>\n";
    return s;
}

std::string fixed_counter(const fixed_data& f, std::uint32_t counter) {
    if ((f.status & 0x80) == 0) return fmt::format("{:X}", counter); // BCD
    return fmt::format("{}", static_cast<std::int32_t>(counter));
}

std::string fixed_xml(const fixed_data& f) {
    const auto cnt1_type = static_cast<std::uint8_t>(f.medium_unit & 0xFF);
    const auto cnt2_type = static_cast<std::uint8_t>(f.medium_unit >> 8);
    const std::string function = (f.status & 0x40) == 0x40 ? "Stored value" : "Actual value";
    std::string s = xml_declaration;
    s += "<MBusData>\n\n";
    s += "    <SlaveInformation>\n";
    s += fmt::format("        <Id>{:X}</Id>\n", f.id);
    s += fmt::format("        <Medium>{}</Medium>\n",
                     xml_encode(lm::fixed_medium(cnt1_type, cnt2_type), fixed_encoded_size));
    s += fmt::format("        <AccessNumber>{}</AccessNumber>\n", f.access_number);
    s += fmt::format("        <Status>{:02X}</Status>\n", f.status);
    s += "    </SlaveInformation>\n\n";
    const auto counter = [&](int id, std::uint8_t type, std::uint32_t value) {
        s += fmt::format("    <DataRecord id=\"{}\">\n", id);
        s += fmt::format("        <Function>{}</Function>\n", xml_encode(function, fixed_encoded_size));
        s += fmt::format("        <Unit>{}</Unit>\n", xml_encode(lm::fixed_unit(type), fixed_encoded_size));
        s += fmt::format("        <Value>{}</Value>\n", fixed_counter(f, value));
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
    s += fmt::format("        <Error>{}</Error>\n", xml_encode(lm::error_text(error), fixed_encoded_size));
    s += "    </SlaveInformation>\n\n";
    s += "</MBusData>\n";
    return s;
}

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
        return variable_xml(*v, normalized);
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
    const std::string prefix = "mbus_frame_data_parse: ";
    // An E5 has no C field; libmbus reads it as 0, slave to master, CI 0.
    const bool has_fields = f.kind != link::frame_kind::ack;
    const byte c = has_fields ? f.c : 0;
    const byte ci = f.kind == link::frame_kind::control || f.kind == link::frame_kind::long_frame ? f.ci : 0;
    if ((c & link::c_field::prm) != 0)
        return failed(prefix + make_error_code(errc::wrong_direction).message());
    if (ci != ci::app_error && ci != ci::fixed && ci != ci::variable_long)
        return failed(fmt::format("{}Unknown control information 0x{:02x}", prefix, ci));
    const auto ud = decode(ci, f.data);
    if (!ud) return failed(prefix + ud.error().message());
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
