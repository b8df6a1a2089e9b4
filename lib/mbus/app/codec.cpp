#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/record_view.hpp>

#include <array>

namespace mbus::app {

namespace {

constexpr std::size_t long_header_size = 12;
constexpr std::size_t short_header_size = 4;
constexpr std::size_t fixed_size = 16;

constexpr bool is_plain_text_vif(byte vif) { return (vif & 0x7F) == 0x7C; }

std::uint16_t le16(bytes_view b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}
std::uint32_t le32(bytes_view b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
           static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}
void put16(bytes& out, std::uint16_t v) {
    out.push_back(static_cast<byte>(v));
    out.push_back(static_cast<byte>(v >> 8));
}
void put32(bytes& out, std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(static_cast<byte>(v >> shift));
}

result<std::vector<record>> decode_records(bytes_view records) {
    std::vector<record> out;
    record_cursor cursor{records};
    while (const auto r = cursor.next())
        out.push_back(r->to_record());
    if (cursor.error()) return unexpected(cursor.error());
    return out;
}

header decode_header(bytes_view d, bool with_address) {
    header h;
    std::size_t at = 0;
    if (with_address) {
        h.address = decode_address(d.first(8));
        at = 8;
    }
    h.access_number = d[at];
    h.status = d[at + 1];
    h.signature = le16(d, at + 2);
    return h;
}

result<user_data> decode_variable(byte ci, bytes_view data) {
    const auto view = decode_variable_view(ci, data);
    if (!view) return unexpected(view.error());
    variable_data v;
    v.ci = ci;
    v.header = view->header;
    auto records = decode_records(view->records);
    if (!records) return unexpected(records.error());
    v.records = std::move(*records);
    return user_data{std::move(v)};
}

result<user_data> decode_fixed(byte ci, bytes_view data) {
    if (data.empty()) return errc::no_data;
    if (data.size() != fixed_size) return errc::fixed_data_wrong_size;
    fixed_data f;
    f.ci = ci;
    f.id = le32(data, 0);
    f.access_number = data[4];
    f.status = data[5];
    f.medium_unit = le16(data, 6);
    f.counter1 = le32(data, 8);
    f.counter2 = le32(data, 12);
    return user_data{f};
}

struct encoder {
    encoded operator()(const variable_data& v) const {
        encoded e{v.ci, {}};
        if (v.ci == ci::variable_long) {
            e.data = encode_address(v.header.address.value_or(secondary_address{}));
        }
        if (v.ci == ci::variable_long || v.ci == ci::variable_short) {
            e.data.push_back(v.header.access_number);
            e.data.push_back(v.header.status);
            put16(e.data, v.header.signature);
        }
        for (const auto& r : v.records)
            append_record(e.data, r);
        return e;
    }
    encoded operator()(const fixed_data& f) const {
        encoded e{f.ci, {}};
        put32(e.data, f.id);
        e.data.push_back(f.access_number);
        e.data.push_back(f.status);
        put16(e.data, f.medium_unit);
        put32(e.data, f.counter1);
        put32(e.data, f.counter2);
        return e;
    }
    encoded operator()(const application_error& a) const {
        encoded e{ci::app_error, {}};
        if (a.status) e.data.push_back(*a.status);
        return e;
    }
    encoded operator()(const other_data& o) const { return {o.ci, o.data}; }
};

} // namespace

void append_record(bytes& out, const record& r) {
    out.push_back(r.dib.dif);
    out.insert(out.end(), r.dib.dife.begin(), r.dib.dife.end());
    if (r.vib) {
        out.push_back(r.vib->vif);
        if (is_plain_text_vif(r.vib->vif)) {
            out.push_back(static_cast<byte>(r.vib->plain_text.size()));
            out.insert(out.end(), r.vib->plain_text.begin(), r.vib->plain_text.end());
        }
        out.insert(out.end(), r.vib->vife.begin(), r.vib->vife.end());
    }
    out.insert(out.end(), r.data.begin(), r.data.end());
}

std::size_t data_length(byte dif) { return detail::data_lengths[dif & 0x0F]; }

bytes_view value_bytes(const record& r) {
    bytes_view d{r.data};
    if ((r.dib.dif & 0x0F) == 0x0D && r.vib && !d.empty() && detail::lvar_rules[d[0]].consumed)
        return d.subspan(1);
    return d;
}

std::nullopt_t record_cursor::fail(errc e) {
    error_ = make_error_code(e);
    i_ = d_.size();
    return std::nullopt;
}

record_view view_of(const record& r) {
    record_view v;
    v.dif = r.dib.dif;
    v.dife = r.dib.dife;
    if (r.vib) {
        v.has_vib = true;
        v.vif = r.vib->vif;
        v.plain_text = r.vib->plain_text;
        v.vife = r.vib->vife;
    }
    v.data = r.data;
    return v;
}

bytes_view value_bytes(const record_view& r) {
    if ((r.dif & 0x0F) == 0x0D && r.has_vib && !r.data.empty() && detail::lvar_rules[r.data[0]].consumed)
        return r.data.subspan(1);
    return r.data;
}

record record_view::to_record() const {
    record r;
    r.dib.dif = dif;
    r.dib.dife.assign(dife.begin(), dife.end());
    if (has_vib) {
        vib v;
        v.vif = vif;
        v.plain_text.assign(plain_text.begin(), plain_text.end());
        v.vife.assign(vife.begin(), vife.end());
        r.vib = std::move(v);
    }
    r.data.assign(data.begin(), data.end());
    return r;
}

result<variable_view> decode_variable_view(byte ci, bytes_view data) {
    if (ci != ci::variable_long && ci != ci::variable_short && ci != ci::variable_none)
        return errc::unsupported_ci;
    const std::size_t header_size =
        ci == ci::variable_long ? long_header_size : (ci == ci::variable_short ? short_header_size : 0);
    if (ci == ci::variable_long && data.empty()) return errc::no_data;
    if (data.size() < header_size) return errc::header_too_short;
    variable_view v;
    v.ci = ci;
    if (header_size > 0) v.header = decode_header(data, ci == ci::variable_long);
    v.records = data.subspan(header_size);
    return v;
}

namespace {
thread_local std::uint64_t decodes = 0;
}

std::uint64_t decode_calls() { return decodes; }

result<user_data> decode(byte ci, bytes_view data) {
    ++decodes;
    switch (ci) {
    case ci::app_error:
        if (data.size() > 1) return user_data{other_data{ci, bytes(data.begin(), data.end())}};
        return user_data{
            application_error{data.empty() ? std::nullopt : std::optional<std::uint8_t>(data[0])}};
    case ci::fixed:
    case ci::fixed_msb: return decode_fixed(ci, data);
    case ci::variable_long:
    case ci::variable_short:
    case ci::variable_none: return decode_variable(ci, data);
    default: return user_data{other_data{ci, bytes(data.begin(), data.end())}};
    }
}

encoded encode(const user_data& ud) { return std::visit(encoder{}, ud); }

bytes encode_address(const secondary_address& a) {
    bytes out;
    out.reserve(8);
    put32(out, a.id);
    put16(out, a.manufacturer);
    out.push_back(a.version);
    out.push_back(a.medium);
    return out;
}

secondary_address decode_address(bytes_view eight_bytes) {
    secondary_address a;
    if (eight_bytes.size() < 8) return a;
    a.id = le32(eight_bytes, 0);
    a.manufacturer = le16(eight_bytes, 4);
    a.version = eight_bytes[6];
    a.medium = eight_bytes[7];
    return a;
}

} // namespace mbus::app
