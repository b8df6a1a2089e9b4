#pragma once
// The lookup tables of libmbus 0.10.0 (rscada/libmbus mbus/mbus-protocol.c and
// mbus/mbus-protocol-aux.c), with their wording, spelling and quirks kept, so that
// libmbus_xml.cpp can print what mbus_parse_hex prints. These are libmbus's words, not ours:
// new code wanting the meaning of a VIF uses the semantics tables (vif.hpp), not these.

#include <mbus/app/telegram.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace mbus::app::libmbus {

// mbus_data_product_name: a model name from manufacturer, version, medium (and for SBC, SEO and
// GTE the most significant ID byte), or "".
std::string product_name(std::uint16_t manufacturer, std::uint8_t version, std::uint8_t medium,
                         std::uint32_t id);

// mbus_decode_manufacturer: three letters, each ((code >> 10, 5, 0) & 0x1F) + 64.
std::string manufacturer(std::uint16_t code);

// mbus_data_variable_medium_lookup.
std::string medium(std::uint8_t medium);

// mbus_data_fixed_medium (from the top bits of both medium/unit bytes) and mbus_data_fixed_unit.
std::string fixed_medium(std::uint8_t cnt1_type, std::uint8_t cnt2_type);
// The same name from the 4-bit fixed-structure medium code.
std::string_view fixed_medium_name(unsigned code);
std::string fixed_unit(std::uint8_t medium_unit);

// mbus_data_error_lookup (CI 70 status byte).
std::string error_text(int error);

// mbus_unit_prefix: "m" for -3, "10 " for 1, "1e-9 " for -9 and so on.
std::string unit_prefix(int exponent);

// mbus_vif_unit_lookup (primary VIF) and mbus_vib_unit_lookup (the Unit of the plain XML).
std::string vif_unit(std::uint8_t vif);
std::string vib_unit(const vib& v);

// mbus_data_record_function: by DIF bits 4-5.
std::string function(std::uint8_t dif);

// libmbus's vif_table (mbus-protocol-aux.c): codes 0x00-0xFF primary, 0x100 | VIFE after FD,
// 0x200 | VIFE after FB.
struct vif_entry {
    unsigned code;
    double exponent;
    const char* unit;
    const char* quantity;
};
const vif_entry* find_vif(unsigned code);

// The text of a plain-text VIF or of a string value as libmbus keeps it: bytes in reverse order
// (mbus_data_str_decode), ending at the first NUL as a C string does.
std::string reversed_c_string(bytes_view b);

// mbus_data_bin_decode as libmbus prints it since its commit 9b4b824: "%.2X " per byte, last byte
// first, without the final space.
std::string hex_reversed(bytes_view b);

} // namespace mbus::app::libmbus
