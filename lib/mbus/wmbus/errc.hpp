#pragma once
#include <system_error>

namespace mbus::wmbus {

// What a wireless telegram can report, from the link layer (EN 13757-4) up to the security layers
// (OMS vol. 2). describe() in frame.hpp and telegram.hpp turns a code into words naming the place.
enum class errc {
    truncated = 1,        // fewer bytes than the L field (and the CRCs it implies) announce
    length_mismatch,      // more bytes than the L field announces, or an L field too small for a frame
    crc_mismatch,         // a block's CRC does not match its bytes
    frame_too_long,       // the frame does not fit an L field (255)
    ambiguous_layout,     // neither format A with CRCs, nor format B, nor a frame without CRCs fits
    bad_header,           // an ELL, AFL or TPL header shorter than its CI field says
    unsupported_ci,       // a CI this decoder does not read (ELL with addresses, fragmented AFL, ...)
    unsupported_security, // a security mode other than 0, 5 and 7
    key_missing,          // the telegram is encrypted and no key was given
    decryption_failed,    // mode 5 / 7: the decrypted data does not start with 2F 2F
    mac_mismatch,         // mode 7: the AFL MAC does not verify
    ell_crc_mismatch,     // ELL AES-CTR: the payload CRC does not match after decryption
    not_block_aligned,    // fewer encrypted bytes than the configuration word announces
};

const std::error_category& wmbus_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), wmbus_category()}; }

} // namespace mbus::wmbus

template <>
struct std::is_error_code_enum<mbus::wmbus::errc> : std::true_type {};
