#pragma once
// The one UART receiver of the line models (collisions in wire.cpp, a wrong baud rate in
// uart_rate.cpp): both ask what a receiver makes of a line, only the line differs.

#include <vector>

#include <mbus/sim/wire.hpp>

namespace mbus::sim::detail {

// What a UART decodes from a line whose level at time t is `at(t)` (true: mark; idle before 0 and
// from `end` on). `sample` is the receiver's sampling step and `bit` its bit time, in the line's
// time unit. It waits for a falling edge, checks the start bit in its middle (a glitch shorter than
// half a bit is no start), samples each bit in its middle, checks even parity and the stop bit,
// and hunts for the next falling edge from the sample after the stop bit's middle; after a
// framing error that means the line must first return to mark.
template <class Line>
std::vector<received_byte> uart_receive(const Line& at, long long end, long long sample, long long bit) {
    std::vector<received_byte> out;
    long long t = 0;
    while (t < end) {
        if (at(t) || !at(t - sample)) { // hunt for a falling edge: a space right after a mark
            t += sample;
            continue;
        }
        const long long mid = t + bit / 2;
        if (at(mid)) { // shorter than half a bit: no start bit
            t = mid;
            continue;
        }
        received_byte r;
        int ones = 0;
        for (int b = 0; b < 8; ++b)
            if (at(mid + bit * (1 + b))) {
                r.value = static_cast<byte>(r.value | (1U << b));
                ++ones;
            }
        if (at(mid + bit * 9)) ++ones;
        r.parity_error = ones % 2 != 0;
        const long long stop = mid + bit * 10;
        r.framing_error = !at(stop);
        out.push_back(r);
        t = stop + sample;
    }
    return out;
}

} // namespace mbus::sim::detail
