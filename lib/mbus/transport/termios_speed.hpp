#pragma once
// Baud rates <-> termios speed codes (B2400 ...), and what "raw" means for a line. Used by the pty and
// serial transports and by tests that play the master.

#include <termios.h>

#include <optional>

namespace mbus::transport {

// The speed code for a rate, or nullopt when termios has none (the Bnnn constants only).
std::optional<speed_t> speed_code(unsigned baud) noexcept;

// The rate of a speed code; 0 for B0 and for codes we do not know.
unsigned baud_of(speed_t code) noexcept;

// No line editing, echo, signals, CR/LF mapping, stripping or XON/XOFF: every byte passes unchanged.
// A master that leaves any of these on will see some reply bytes changed or eaten.
bool is_raw(const termios& t) noexcept;

} // namespace mbus::transport
