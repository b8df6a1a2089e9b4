#include <mbus/sim/uart_rate.hpp>

#include <cstdint>

namespace mbus::sim {

namespace {

// Time in ticks of 1 / (16 * send_baud * receive_baud) seconds: both bit times and the receiver's
// 16x sample clock are whole numbers of ticks, so no rounding decides a bit.
class line {
  public:
    line(bytes_view sent, unsigned receive_baud) : sent_(sent), send_bit_(16LL * receive_baud) {
        for (const byte b : sent)
            bits_.push_back(serialise_char(b));
    }
    long long end() const { return send_bit_ * bits_per_char * static_cast<long long>(sent_.size()); }
    // Mark (true) before the first and after the last character.
    bool at(long long t) const {
        if (t < 0 || t >= end()) return true;
        const long long bit = t / send_bit_;
        return bits_[static_cast<std::size_t>(bit / bits_per_char)]
                    [static_cast<std::size_t>(bit % bits_per_char)];
    }

  private:
    bytes_view sent_;
    long long send_bit_;
    std::vector<std::vector<bool>> bits_;
};

} // namespace

std::vector<received_byte> receive_at_rate(bytes_view sent, unsigned send_baud, unsigned receive_baud) {
    std::vector<received_byte> out;
    if (send_baud == 0 || receive_baud == 0) return out;
    const line l(sent, receive_baud);
    const long long sample = send_baud;     // one sixteenth of a receiver bit
    const long long bit = 16LL * send_baud; // one receiver bit
    long long t = 0;
    while (t < l.end()) {
        if (l.at(t) || !l.at(t - sample)) { // hunt for a falling edge
            t += sample;
            continue;
        }
        const long long mid = t + bit / 2;
        if (l.at(mid)) { // shorter than half a bit: no start bit
            t = mid;
            continue;
        }
        received_byte r;
        int ones = 0;
        for (int b = 0; b < 8; ++b)
            if (l.at(mid + bit * (1 + b))) {
                r.value = static_cast<byte>(r.value | (1U << b));
                ++ones;
            }
        if (l.at(mid + bit * 9)) ++ones;
        r.parity_error = ones % 2 != 0;
        const long long stop = mid + bit * 10;
        r.framing_error = !l.at(stop);
        out.push_back(r);
        t = stop + sample;
    }
    return out;
}

} // namespace mbus::sim
