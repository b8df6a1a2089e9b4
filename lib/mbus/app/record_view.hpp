#pragma once
// The fast path under app::decode: data records read in place, as views into the user data they
// came from, with no allocation per record (or per telegram). decode() builds its value types
// (app::record, with vectors of their own) from these; readers that only look at a telegram once
// (the XML and JSON writers, rate counters) use them directly.
//
// A view lives as long as the bytes it was read from: keep the frame alive while its views are
// used, and copy (to_record) what must outlive it.

#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <system_error>

namespace mbus::app {

// One data record, read exactly as app::decode reads it (codec.hpp). DIF 0F / 1F: `data` is the
// rest of the telegram and there is no VIB; DIF 2F: neither VIB nor data.
struct record_view {
    byte dif{0};
    bytes_view dife;
    bool has_vib{false};
    byte vif{0};
    bytes_view plain_text; // VIF 7C / FC: the text bytes after the length byte
    bytes_view vife;
    bytes_view data; // DIF ?D: from the LVAR byte on, as app::record::data
    bytes_view wire; // every byte of the record, DIF to the end of the data

    // The first VIFE, or 0 without one.
    byte vife0() const { return vife.empty() ? byte{0} : vife[0]; }
    record to_record() const;
};

// A record's fields seen as a view (`wire` stays empty: a record value keeps no wire bytes). The view
// lives as long as `r`.
record_view view_of(const record& r);

// The value bytes: `data` without the LVAR byte of a variable-length (DIF ?D) record, as
// value_bytes(const record&) in codec.hpp.
bytes_view value_bytes(const record_view& r);

// The records of variable user data one after the other. next() gives the next record, or nullopt at
// the end or at the first error (error() then says which, as app::decode would: errc::too_many_dife,
// premature_end_at_data, ...).
class record_cursor {
  public:
    // `records`: the user data after the header (for CI 72, data.subspan(12)).
    explicit record_cursor(bytes_view records) : d_(records) {}
    // Inline: every record of every decoder passes here (the lean records, the XML and JSON
    // writers), and the caller's loop keeps the view in registers.
    std::optional<record_view> next();
    std::error_code error() const { return error_; }

  private:
    std::nullopt_t fail(errc e);
    bytes_view d_;
    std::size_t i_{0};
    std::error_code error_;
};

// CI 72 / 7A / 78 user data: the header as a value, the records as bytes to read with a
// record_cursor. Errors as app::decode (no_data, header_too_short); errc::unsupported_ci for other CIs.
struct variable_view {
    byte ci{ci::variable_long};
    struct header header;
    bytes_view records;
    record_cursor cursor() const { return record_cursor{records}; }
};
result<variable_view> decode_variable_view(byte ci, bytes_view data);

namespace detail {

// LVAR as the codec reads it (codec.hpp): its data length, and whether the byte is consumed (a
// reserved LVAR is not: the record has no data and the byte is read as the next DIF). One table
// lookup per variable-length record.
struct lvar_rule {
    std::uint8_t length{0};
    bool consumed{false};
};
inline constexpr auto lvar_rules = [] {
    std::array<lvar_rule, 256> t{};
    for (unsigned l = 0; l < 256; ++l) {
        const unsigned low = l & 0x0F;
        if (l <= 0xBF)
            t[l] = {static_cast<std::uint8_t>(l), true};
        else if ((l & 0xE0) == 0xC0 && low <= 9)
            t[l] = {static_cast<std::uint8_t>(low), true};
        else if (l >= 0xE0 && l <= 0xEF)
            t[l] = {static_cast<std::uint8_t>(low), true};
        else if (l >= 0xF0 && l <= 0xFA)
            t[l] = {static_cast<std::uint8_t>(4 * (l - 0xEC)), true};
    }
    return t;
}();

// data_length() (codec.hpp) as a constant table.
inline constexpr std::array<std::uint8_t, 16> data_lengths{0, 1, 2, 3, 4, 4, 6, 8, 0, 1, 2, 3, 4, 0, 6, 8};

} // namespace detail

// The reading rules of libmbus's mbus_data_variable_parse, one record per call.
inline std::optional<record_view> record_cursor::next() {
    constexpr byte extension_bit = 0x80;
    const byte* const p = d_.data();
    const std::size_t n = d_.size();
    std::size_t i = i_;
    if (i >= n || error_) return std::nullopt;
    // libmbus reads a byte or two past the end of the user data at some error paths; its frame
    // buffer is zeroed there, so reading 0 keeps our errors the same as its errors.
    const auto at = [p, n](std::size_t k) { return k < n ? p[k] : byte{0}; };
    const std::size_t first = i;
    record_view r;
    r.dif = p[i];
    if (r.dif == 0x2F) { // idle filler
        i_ = i + 1;
        r.wire = {p + first, 1};
        return r;
    }
    if (r.dif == 0x0F || r.dif == 0x1F) { // manufacturer data (more records follow) to the end
        r.data = {p + i + 1, n - i - 1};
        r.wire = {p + first, n - first};
        i_ = n;
        return r;
    }

    // The DIFE loop stands on the byte that announces an extension and takes the next one. Every
    // byte it takes lies inside the data when the record is whole (a byte past the end, read as 0
    // like libmbus, always ends in an error below), so the views are exact.
    std::size_t dife_count = 0;
    while (i < n && (p[i] & extension_bit) != 0) {
        if (dife_count >= max_dife) return fail(errc::too_many_dife);
        ++dife_count;
        ++i;
    }
    ++i;
    if (i > n) return fail(errc::premature_end_at_dif);
    r.dife = {p + first + 1, dife_count};

    r.has_vib = true;
    r.vif = at(i++);
    if ((r.vif & 0x7F) == 0x7C) { // plain-text unit: its length, then the text
        const std::size_t len = at(i++);
        if (len > max_plain_text_vif) return fail(errc::plain_vif_too_long);
        if (i + len > n) return fail(errc::premature_end_at_plain_vif);
        r.plain_text = {p + i, len};
        i += len;
    }
    if ((r.vif & extension_bit) != 0) {
        const std::size_t vife_first = i;
        std::size_t vife_count = 1;
        while (i < n && (p[i] & extension_bit) != 0) {
            if (vife_count >= max_vife) return fail(errc::too_many_vife);
            ++vife_count;
            ++i;
        }
        ++i;
        if (i > n) return fail(errc::premature_end_at_vif);
        r.vife = {p + vife_first, vife_count};
    }
    if (i > n) return fail(errc::premature_end_at_vif);

    const std::size_t start = i;
    std::size_t len = detail::data_lengths[r.dif & 0x0F];
    if ((r.dif & 0x0F) == 0x0D) {
        const auto rule = detail::lvar_rules[at(i)];
        len = rule.length;
        i += rule.consumed ? 1 : 0;
    }
    if (i + len > n) return fail(errc::premature_end_at_data);
    i += len;
    r.data = {p + start, i - start};
    r.wire = {p + first, i - first};
    i_ = i;
    return r;
}

} // namespace mbus::app
