#include <mbus/sim/uart_rate.hpp>

#include <mbus/sim/detail/uart_receiver.hpp>

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
    if (send_baud == 0 || receive_baud == 0) return {};
    const line l(sent, receive_baud);
    // Ticks of 1 / (16 * send_baud * receive_baud) s: a receiver sample is send_baud of them.
    return detail::uart_receive([&l](long long t) { return l.at(t); }, l.end(), send_baud, 16LL * send_baud);
}

} // namespace mbus::sim
