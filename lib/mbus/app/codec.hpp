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
result<user_data> decode(byte ci, bytes_view data);

// The CI byte and the bytes after it. Encoding never fails for a user_data that decode produced.
struct encoded {
    byte ci{0};
    bytes data;
};
encoded encode(const user_data& ud);

// The 8 bytes of a secondary address as on the wire (LSB-first order, as in a CI 52 select or the
// CI 72 header) and back.
bytes encode_address(const secondary_address& a);
secondary_address decode_address(bytes_view eight_bytes);

} // namespace mbus::app
