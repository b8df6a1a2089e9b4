#pragma once
// EN 13757-2 link-layer frames as values.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>

namespace mbus::link {

// Wire constants, named after the standard.
inline constexpr byte ack_byte = 0xE5;
inline constexpr byte short_start = 0x10;
inline constexpr byte long_start = 0x68;
inline constexpr byte stop_byte = 0x16;
inline constexpr std::size_t max_long_l = 255; // L counts C, A, CI and data

// C field, master to slave (bit 5 FCB, bit 4 FCV) and slave to master.
namespace c_field {
inline constexpr byte snd_nke = 0x40;
inline constexpr byte snd_ud = 0x53;  // FCV=1, FCB=0
inline constexpr byte snd_ud2 = 0x43; // FCV=0 (some masters send it)
inline constexpr byte req_ud2 = 0x5B;
inline constexpr byte req_ud1 = 0x5A;
inline constexpr byte rsp_ud = 0x08;
inline constexpr byte fcb = 0x20; // master to slave
inline constexpr byte fcv = 0x10;
inline constexpr byte acd = 0x20; // slave to master: class 1 data waiting
inline constexpr byte dfc = 0x10; // slave to master: data flow control
inline constexpr byte prm = 0x40; // set in every master-to-slave C field
} // namespace c_field

// Addresses.
namespace address {
inline constexpr byte unconfigured = 0;
inline constexpr byte max_primary = 250;
inline constexpr byte selected = 253;        // FD: the slave selected by secondary address
inline constexpr byte broadcast_reply = 254; // FE: every slave answers
inline constexpr byte broadcast = 255;       // FF: no slave answers
} // namespace address

enum class frame_kind : std::uint8_t {
    ack,         // E5
    short_frame, // 10 C A CS 16
    control,     // 68 03 03 68 C A CI CS 16 (a long frame with no data)
    long_frame,  // 68 L L 68 C A CI data CS 16
};

struct frame {
    frame_kind kind{frame_kind::ack};
    byte c{0};
    byte a{0};
    byte ci{0};
    bytes data; // user data after CI (long frames only)

    friend bool operator==(const frame&, const frame&) = default;

    static frame ack() { return {}; }
    static frame short_frame(byte c, byte a) { return {frame_kind::short_frame, c, a, 0, {}}; }
    // A long frame with no data is a control frame on the wire; this picks the kind from the data.
    static frame long_frame(byte c, byte a, byte ci, bytes data = {}) {
        const auto k = data.empty() ? frame_kind::control : frame_kind::long_frame;
        return {k, c, a, ci, std::move(data)};
    }
};

std::ostream& operator<<(std::ostream& os, const frame& f);
// One line for logs: "REQ_UD2 a=5 fcb=1" or "RSP_UD a=5 ci=72 len=60".
std::string describe(const frame& f);

// The 8-bit sum of C, A, CI and data (short: C + A).
byte checksum(const frame& f);

// Encodes a frame; a long frame whose L would exceed 255 is an error (errc::too_long). Control and
// long frames share one wire form, chosen by the data (none: control), whichever kind is set; fields
// a kind has no room for (an ACK's C, a short frame's CI and data) are not sent.
result<bytes> encode(const frame& f);

struct decoded {
    frame value;
    std::size_t size{0}; // bytes consumed from the input
    friend bool operator==(const decoded&, const decoded&) = default;
};

// The request or reply a C field names: "SND_NKE", "SND_UD", "REQ_UD2", "REQ_UD1" (master to slave,
// any FCB/FCV), "RSP_UD" (slave to master, any ACD/DFC); empty for anything else.
std::string_view c_field_name(byte c);

// The whole size of the frame that starts at wire[0], as far as its start and length bytes tell
// (E5: 1, short: 5, long: L + 6). Checks only those bytes: need_more while they are incomplete,
// bad_start, length_mismatch, bad_second_start. Lets a stream reader know how far a candidate reaches
// before its checksum can be checked.
result<std::size_t> frame_size(bytes_view wire);

// Decodes one frame at the start of `wire`. Errors: need_more (a valid prefix), bad_start,
// length_mismatch (the two L bytes differ, or L < 3), bad_second_start, bad_checksum, bad_stop.
// The checksum is checked as soon as its byte is present, so a short frame with a bad CS is
// bad_checksum before its stop byte arrives. Never throws. Bytes after the frame are not looked at.
result<decoded> decode(bytes_view wire);

} // namespace mbus::link
