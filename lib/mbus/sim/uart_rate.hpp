#pragma once
// What a UART set to one baud rate receives from 8E1 characters sent at another: a meter that
// answers at the wrong rate. The receiver is the one sim::collide (wire.hpp) uses.

#include <span>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/sim/wire.hpp>

namespace mbus::sim {

// `sent` at `send_baud`, as a receiver at `receive_baud` decodes it; equal rates give `sent` back
// intact. Both rates must be non-zero.
std::vector<received_byte> receive_at_rate(bytes_view sent, unsigned send_baud, unsigned receive_baud);

} // namespace mbus::sim
