#include <mbus/sim/wire.hpp>

#include <mbus/sim/detail/uart_receiver.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <ostream>

#include <fmt/format.h>

namespace mbus::sim {

std::ostream& operator<<(std::ostream& os, const received_byte& r) {
    os << fmt::format("{:02X}", r.value);
    if (r.parity_error) os << " parity-error";
    if (r.framing_error) os << " framing-error";
    return os;
}

std::vector<bool> serialise_char(byte b) {
    std::vector<bool> bits;
    bits.reserve(static_cast<std::size_t>(bits_per_char));
    bits.push_back(false); // start
    for (int i = 0; i < 8; ++i)
        bits.push_back(((static_cast<unsigned>(b) >> static_cast<unsigned>(i)) & 1U) != 0);
    bits.push_back(std::popcount(b) % 2 != 0); // even parity: the ones including this bit are even
    bits.push_back(true);                      // stop
    return bits;
}

namespace {

constexpr long long spb = samples_per_bit;
constexpr long long char_samples = spb * bits_per_char;

long long start_sample(double offset_bits) { return std::llround(offset_bits * static_cast<double>(spb)); }

// The line, sampled; true is mark. Reads past either end see an idle (mark) line.
class line {
  public:
    explicit line(std::span<const transmission> senders) {
        if (senders.empty()) return;
        origin_ = start_sample(senders.front().offset_bits);
        long long end = origin_;
        for (const auto& s : senders) {
            const long long start = start_sample(s.offset_bits);
            origin_ = std::min(origin_, start);
            end = std::max(end, start + char_samples * static_cast<long long>(s.data.size()));
        }
        samples_.assign(static_cast<std::size_t>(end - origin_), true);
        for (const auto& s : senders) {
            long long t = start_sample(s.offset_bits) - origin_;
            for (const byte b : s.data)
                for (const bool bit : serialise_char(b)) {
                    if (!bit) std::fill_n(samples_.begin() + static_cast<std::ptrdiff_t>(t), spb, false);
                    t += spb;
                }
        }
    }
    long long size() const { return static_cast<long long>(samples_.size()); }
    bool at(long long i) const { return i < 0 || i >= size() || samples_[static_cast<std::size_t>(i)]; }

  private:
    long long origin_{0};
    std::vector<bool> samples_;
};

} // namespace

std::vector<received_byte> collide(std::span<const transmission> senders) {
    const line l(senders);
    return detail::uart_receive([&l](long long i) { return l.at(i); }, l.size(), 1, spb);
}

std::vector<received_byte> level_convert(std::span<const transmission> senders, collision_fill fill) {
    struct span_bits {
        double start;
        double end;
        std::size_t sender;
    };
    std::vector<span_bits> spans;
    for (std::size_t i = 0; i < senders.size(); ++i)
        if (!senders[i].data.empty())
            spans.push_back(
                {senders[i].offset_bits,
                 senders[i].offset_bits + static_cast<double>(bits_per_char * senders[i].data.size()), i});
    std::sort(spans.begin(), spans.end(),
              [](const span_bits& a, const span_bits& b) { return a.start < b.start; });
    std::vector<received_byte> out;
    for (std::size_t k = 0; k < spans.size();) {
        double end = spans[k].end;
        std::size_t next = k + 1;
        while (next < spans.size() && spans[next].start < end)
            end = std::max(end, spans[next++].end);
        if (next == k + 1) {
            for (const byte b : senders[spans[k].sender].data)
                out.push_back({b, false, false});
        } else if (fill == collision_fill::line_break) {
            out.push_back({0x00, false, true});
        } else {
            const auto n =
                std::max<long long>(1, static_cast<long long>((end - spans[k].start) / bits_per_char));
            out.insert(out.end(), static_cast<std::size_t>(n), received_byte{0x00, false, false});
        }
        k = next;
    }
    return out;
}

bytes values(std::span<const received_byte> rx) {
    bytes out;
    out.reserve(rx.size());
    for (const auto& r : rx)
        out.push_back(r.value);
    return out;
}

bool received_intact(std::span<const received_byte> rx, bytes_view sent) {
    return std::equal(rx.begin(), rx.end(), sent.begin(), sent.end(), [](const received_byte& r, byte b) {
        return r.value == b && !r.parity_error && !r.framing_error;
    });
}

std::optional<std::size_t> intact_sender(std::span<const received_byte> rx,
                                         std::span<const transmission> senders) {
    for (std::size_t i = 0; i < senders.size(); ++i)
        if (received_intact(rx, senders[i].data)) return i;
    return std::nullopt;
}

} // namespace mbus::sim
