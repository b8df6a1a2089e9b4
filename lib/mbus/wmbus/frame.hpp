#pragma once
// The wireless M-Bus data link layer (EN 13757-4): L, C, M and A fields, and the two frame formats.
// - Format A (T1, S1, C1 may use it too): a first block of 10 bytes (L C M M A A A A A A) and then
//   blocks of 16 bytes (the last one shorter), each followed by its CRC; L counts the bytes after
//   itself without the CRCs.
// - Format B (C1): L counts every byte after itself, CRCs included; one CRC after byte 126 when the
//   frame is longer than 128 bytes, and one at the end.
// Readers print frames both ways: dongles (iM871A, AMB8465) and rtl_wmbus hand over frames without
// CRCs (L then counts the bytes after it), raw captures keep them. `frame` holds the fields once,
// without CRCs.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/wmbus/errc.hpp>

namespace mbus::wmbus {

// C field values (EN 13757-4, table "C-field"): what a meter sends and what answers it.
namespace c_field {
inline constexpr byte snd_nke = 0x40; // link reset after a communication
inline constexpr byte snd_ud = 0x53;  // command to the meter
inline constexpr byte snd_ud2 = 0x73;
inline constexpr byte snd_nr = 0x44; // spontaneous data, no reply expected (T1, C1, S1)
inline constexpr byte snd_ud3 = 0x55;
inline constexpr byte snd_ir = 0x46; // installation request
inline constexpr byte acc_nr = 0x47; // access demand, no data
inline constexpr byte acc_dmd = 0x48;
inline constexpr byte ack = 0x00;
inline constexpr byte nack = 0x01;
inline constexpr byte cnf_ir = 0x06;
inline constexpr byte rsp_ud = 0x08;
} // namespace c_field

// "SND_NR", "SND_IR", ...; "C=xx" for other values.
std::string c_field_name(byte c);

enum class frame_format { a, b };
// How a frame is laid out in a byte string: with its CRCs in format A or B, or without CRCs.
enum class layout { a, b, no_crc };

// A wireless telegram's link fields and the bytes after them (CI field first), without CRCs.
struct frame {
    byte c{c_field::snd_nr};
    std::uint16_t manufacturer{0}; // packed letters as app::manufacturer_code; on the air LSB first
    std::uint32_t id{0};           // 8 BCD digits as their nibbles (0x12345678 is "12345678"); LSB first
    std::uint8_t version{0};
    std::uint8_t device_type{0}; // EN 13757-3 medium / device type (07 water, 04 heat, ...)
    bytes data;                  // CI field and everything after it
    friend bool operator==(const frame&, const frame&) = default;
};
std::ostream& operator<<(std::ostream& os, const frame& f);

inline constexpr std::size_t first_block_size = 10; // L C M M A A A A A A
inline constexpr std::size_t block_size_a = 16;
inline constexpr std::size_t crc_size = 2;
// Format B: the first CRC follows byte 126 (blocks 1 and 2) in frames longer than 128 bytes.
inline constexpr std::size_t block12_size_b = 126;

// The 8 bytes of M and A as on the air (manufacturer LSB first, id LSB first, version, type): the
// first half of mode 5's IV and of ELL's counter block.
bytes address_bytes(const frame& f);

// The frame without CRCs: L C M A CI ..., L counting the bytes after it. frame_too_long past 255.
result<bytes> encode_plain(const frame& f);
// The frame with its CRCs in the given format.
result<bytes> encode(const frame& f, frame_format fmt);

// Decoders: the whole string must be one frame (no trailing bytes).
result<frame> decode_plain(bytes_view plain);
result<frame> decode(bytes_view wire, frame_format fmt);
result<frame> decode(bytes_view wire, layout l);

// Converts between the two ways readers print a frame. strip_crcs checks every CRC.
result<bytes> strip_crcs(bytes_view wire, frame_format fmt);
result<bytes> add_crcs(bytes_view plain, frame_format fmt);

// Which layout a byte string has, from its L field and size; CRCs decide between format B and no
// CRCs (same size): a format-B string whose CRCs fail is taken as a frame without CRCs, which then
// fails on its own terms. nullopt when no layout's size fits.
std::optional<layout> detect_layout(bytes_view wire);

// Where a frame's CRC check fails: the block (1-based, as EN 13757-4 numbers them), the offset of
// the CRC bytes in the string, the CRC the bytes give and the one the frame carries.
struct crc_fault {
    std::size_t block{0};
    std::size_t offset{0};
    std::uint16_t computed{0};
    std::uint16_t received{0};
    friend bool operator==(const crc_fault&, const crc_fault&) = default;
};
std::optional<crc_fault> first_crc_fault(bytes_view wire, frame_format fmt);

// An error of decode()/strip_crcs() in words, naming the block, the sizes or the byte.
std::string describe(bytes_view wire, layout l, std::error_code ec);

std::string_view to_string(layout l);

} // namespace mbus::wmbus
