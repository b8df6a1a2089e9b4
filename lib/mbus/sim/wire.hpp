#pragma once
// The bus line at bit level, for what a master receives when several slaves answer at once.
// Slaves signal by drawing current; a space (0) from any of them wins, so the master's receiver
// sees the wired-AND of all senders' bit streams, start, parity and stop bits included
// (EN 13757-2; libmbus issues 61, 131, 199 show the garbage masters then read).

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <vector>

#include <mbus/core/bytes.hpp>

namespace mbus::sim {

// Samples per bit time in the line model: fine enough for fractional skews, and what a 16x UART
// uses to find the middle of a bit.
inline constexpr int samples_per_bit = 16;
// Bits in one 8E1 character: start, 8 data LSB first, even parity, stop.
inline constexpr int bits_per_char = 11;

// One sender's telegram; it starts `offset_bits` bit times after a common origin (may be
// fractional or negative) and sends its bytes back to back, as EN 13757-2 requires.
struct transmission {
    bytes data;
    double offset_bits{0};
    friend bool operator==(const transmission&, const transmission&) = default;
};

// A character as a UART receiver delivers it.
struct received_byte {
    byte value{0};
    bool parity_error{false};  // data and parity bits hold an odd number of ones
    bool framing_error{false}; // the stop bit was sampled as 0
    friend bool operator==(const received_byte&, const received_byte&) = default;
};
std::ostream& operator<<(std::ostream& os, const received_byte& r);

// The 11 line levels (true = mark, 1) of one 8E1 character, start bit first.
std::vector<bool> serialise_char(byte b);

// What a UART receiver at the master decodes from the wired-AND of all senders: it waits for a
// falling edge, checks the start bit mid-bit (a glitch shorter than half a bit is no start), samples
// each bit in its middle, checks even parity and the stop bit, and after the stop bit waits for the
// next falling edge (after a framing error that means the line must first return to mark).
std::vector<received_byte> collide(std::span<const transmission> senders);

// What reaches the master when several slaves answer at once.
enum class collision_model : std::uint8_t {
    // The bit-level wired-AND of every sender (collide()): what a plain receiver on the wire decodes.
    wired_and,
    // What USB and serial level converters deliver: they detect the excess current of two senders and
    // hand the master `00` bytes (or a break) for as long as the collision lasts, not the bit streams.
    level_converter,
};
enum class collision_fill : std::uint8_t {
    zeros,      // one clean 00 character per 11 bit times the collision lasts (at least one)
    line_break, // one 00 with a framing error, as a UART reports a break
};

// The level converter's view: senders whose telegrams overlap in time form one collision, delivered
// as `fill`; a telegram that overlaps no other comes through as sent. In time order.
std::vector<received_byte> level_convert(std::span<const transmission> senders, collision_fill fill);

// The values alone, as a receiver that passes bytes with errors on (Linux without INPCK) hands them
// to the master.
bytes values(std::span<const received_byte> rx);

// True when the receiver got exactly `sent`, with no parity or framing error: nothing on the line
// gave the collision away.
bool received_intact(std::span<const received_byte> rx, bytes_view sent);

// The sender whose bytes the receiver got intact, if any (the first one when several sent the same).
std::optional<std::size_t> intact_sender(std::span<const received_byte> rx,
                                         std::span<const transmission> senders);

} // namespace mbus::sim
