#pragma once
// What a UART set to one baud rate receives from 8E1 characters sent at another: a meter that
// answers at the wrong rate. Same receiver as sim::collide (wire.hpp): it waits for a falling edge,
// checks the start bit in its middle, samples each bit in its middle at its own rate, checks even
// parity and the stop bit, and after a framing error waits for the line to return to mark.

#include <span>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/sim/wire.hpp>

namespace mbus::sim {

// `sent` at `send_baud`, as a receiver at `receive_baud` decodes it; equal rates give `sent` back
// intact. Both rates must be non-zero.
std::vector<received_byte> receive_at_rate(bytes_view sent, unsigned send_baud, unsigned receive_baud);

} // namespace mbus::sim
