#pragma once
// The fast path under app::decode: data records read in place, as views into the user data they
// came from, with no allocation per record (or per telegram). decode() builds its value types
// (app::record, with vectors of their own) from these; readers that only look at a telegram once
// (the XML and JSON writers, rate counters) use them directly.
//
// A view lives as long as the bytes it was read from: keep the frame alive while its views are
// used, and copy (to_record) what must outlive it.

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

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
    std::optional<record_view> next();
    std::error_code error() const { return error_; }

  private:
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

} // namespace mbus::app
