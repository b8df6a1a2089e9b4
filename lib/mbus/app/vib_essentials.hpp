#pragma once
// The numbers of a VIB's meaning, for decoders (decoded_record.hpp): describe_vib() (vif.hpp)
// without its words. Implemented in vif.cpp next to describe_vib, whose helpers it shares.

#include <mbus/app/vif.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

#include <cstdint>
#include <string>
#include <system_error>

namespace mbus::app {

// What describe_vib() computes for a decoder, without the words: no notes, no combinable list, no
// unit text (per_vifes counts the "per hour"-like VIFEs whose suffixes describe_vib appends to the
// unit; append_unit_text() writes the same text). Nothing here allocates.
struct vib_essentials {
    vif_code code;
    quantity q{quantity::unknown};
    unit u{unit::none}; // effective, after the combinable VIFEs
    int exponent{0};    // effective: vif exponent + multiplicative corrections (70-77, 7D)
    bool has_additive{false};
    int additive_exponent{0}; // 78-7B, when has_additive
    bool time_point{false};
    std::uint8_t per_vifes{0};
    friend bool operator==(const vib_essentials&, const vib_essentials&) = default;
};

// describe_vib() without the words; the same errors (missing_vife).
result<vib_essentials> read_vib(byte vif, bytes_view vife);
// The same into `out` (every field written on success), for a decoder's loop: no result to build
// and unwrap per record.
std::error_code read_vib(byte vif, bytes_view vife, vib_essentials& out);

// describe_vib()'s unit_text for a VIB's parts, appended to `out` (plain text in reading order for
// 7C/FC, else the unit symbol; then one "/h"-like suffix per "per" VIFE).
void append_unit_text(std::string& out, const vib_essentials& v, bytes_view plain_text, bytes_view vife);

} // namespace mbus::app
