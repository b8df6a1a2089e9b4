#pragma once
#include <system_error>

namespace mbus::han {

// What the HAN decoders report. Each names the part of the frame or APDU that is wrong.
enum class errc {
    bad_flag = 1,      // a frame does not start or end with 7E
    bad_format,        // the format field is not type 3 (A...)
    bad_length,        // the 11-bit length does not match the bytes between the flags
    bad_address,       // an address is longer than 4 bytes or runs past the header
    bad_hcs,           // header check sequence (CRC-16/X.25) does not match
    bad_fcs,           // frame check sequence (CRC-16/X.25) does not match
    truncated,         // the bytes end inside a frame, an APDU or a COSEM value
    bad_llc,           // the information field does not start with the LLC header E6 E7 00
    unknown_apdu,      // neither a data notification (0F) nor general-glo-ciphering (DB)
    bad_datetime,      // the APDU date-time is neither absent (00), 0C+12 nor 09 0C+12 bytes
    unknown_data_type, // a COSEM data tag this decoder does not know
    too_deep,          // arrays and structures nested deeper than the decoder allows
    trailing_bytes,    // bytes after the notification body
    ciphered,          // a general-glo-ciphering APDU and no key to open it
    bad_security,      // a security control byte this decoder does not handle
    bad_system_title,  // the system title is not 8 bytes
    bad_value,         // a value does not fit its COSEM type (encoder)
};

const std::error_category& han_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), han_category()}; }

} // namespace mbus::han

template <>
struct std::is_error_code_enum<mbus::han::errc> : std::true_type {};
