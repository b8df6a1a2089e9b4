#pragma once
// Raw application-layer codec: user data bytes <-> app::user_data.

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

namespace mbus::app {

// Limits as libmbus 0.10.0 applies them (MBUS_DATA_INFO_BLOCK_DIFE_SIZE and friends).
inline constexpr std::size_t max_dife = 10;
inline constexpr std::size_t max_vife = 10;
inline constexpr std::size_t max_plain_text_vif = 128;

// Decodes the user data that follows CI in a long frame. Never throws; errors are app::errc values.
// Records are read exactly as libmbus 0.10.0's mbus_data_variable_parse reads them, with the same
// error for the same bytes:
// - the plain-text unit of VIF 7C/FC (length byte, then text) comes right after the VIF, before
//   the VIFE chain;
// - DIF data type D (variable length): `record::data` starts with the LVAR byte itself, then the
//   bytes it announces, so that every LVAR round-trips (use value_bytes() for the payload). LVAR
//   follows EN 13757-3 (00..BF text, C0..C9/D0..D9 BCD of LVAR & 0x0F bytes, E0..EF binary of
//   LVAR - E0 bytes, F0..FA binary of 4 * (LVAR - EC) bytes), as libmbus does since its PR 220; a
//   reserved LVAR is not consumed (the record has no data and the byte is read as the next DIF);
// - DIF 2F (idle filler) is one record each, with neither VIB nor data;
// - CI 70 with more than one byte is kept as other_data (application_error holds one status byte).
result<user_data> decode(byte ci, bytes_view data);
// How many times decode() has run on this thread: lets tests show that the runtime decodes a reply
// once and no observer decodes it again.
std::uint64_t decode_calls();

// The value bytes of a record: `data` without the LVAR byte of a variable-length (DIF ?D) record.
bytes_view value_bytes(const record& r);

// The number of data bytes the DIF's data type announces, as libmbus's mbus_dif_datalength_lookup
// (0 for ?0, ?8 and ?D; 8 for ?F).
std::size_t data_length(byte dif);

// The CI byte and the bytes after it. Encoding never fails for a user_data that decode produced.
struct encoded {
    byte ci{0};
    bytes data;
};
encoded encode(const user_data& ud);
// One record's bytes (DIB, VIB with a plain-text unit's length and text, data) appended to `out`.
void append_record(bytes& out, const record& r);

// The 8 bytes of a secondary address as on the wire (LSB-first order, as in a CI 52 select or the
// CI 72 header) and back.
bytes encode_address(const secondary_address& a);
secondary_address decode_address(bytes_view eight_bytes);

} // namespace mbus::app
