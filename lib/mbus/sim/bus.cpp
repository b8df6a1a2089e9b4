#include <mbus/sim/bus.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>

#include <fmt/format.h>

namespace mbus::sim {

std::ostream& operator<<(std::ostream& os, const answer& a) {
    return os << fmt::format("slave {} after {}us skew {} bits at {} baud: {}", a.slave, a.delay.count(),
                             a.skew_bits, a.baud, to_hex(a.wire));
}

std::ostream& operator<<(std::ostream& os, const bus_reply& r) {
    if (r.silent()) return os << "(silent)";
    os << fmt::format("after {}us at {} baud: {}", r.delay.count(), r.baud, to_hex(r.wire));
    if (r.collision) os << fmt::format(" (collision of {} answers)", r.answers.size());
    return os;
}

bus::bus(bus_config config) : config_(config), rng_(config.seed) {}

std::size_t bus::add(meter_config m, time_point start) { return add(slave{std::move(m), start}); }

std::size_t bus::add(slave s) {
    slaves_.push_back(std::move(s));
    present_.push_back(true);
    return slaves_.size() - 1;
}

std::optional<std::size_t> bus::find(std::string_view name) const {
    for (std::size_t i = 0; i < slaves_.size(); ++i)
        if (slaves_[i].name() == name) return i;
    return std::nullopt;
}

namespace {

// Puts the answers on the line: their start times (delay plus skew) fix the offsets between them.
void combine(bus_reply& out, unsigned line_baud) {
    auto& answers = out.answers;
    std::erase_if(answers, [](const answer& a) { return a.wire.empty(); });
    if (answers.empty()) return;

    const unsigned baud =
        line_baud != 0 ? line_baud : (answers.front().baud != 0 ? answers.front().baud : 2400);
    const double bit_us = 1e6 / baud;
    std::vector<double> starts;
    for (const auto& a : answers)
        starts.push_back(static_cast<double>(a.delay.count()) + a.skew_bits * bit_us);
    const double first = *std::min_element(starts.begin(), starts.end());
    out.delay = microseconds{static_cast<microseconds::rep>(std::floor(first))};
    out.baud = baud;

    if (answers.size() == 1) {
        out.wire = answers.front().wire;
        for (const auto b : out.wire)
            out.received.push_back({b, false, false});
        out.intact_from = answers.front().slave;
        out.gaps = answers.front().gaps;
        return;
    }
    std::vector<transmission> tx;
    for (std::size_t i = 0; i < answers.size(); ++i)
        tx.push_back({answers[i].wire, (starts[i] - first) / bit_us});
    out.received = collide(tx);
    out.wire = values(out.received);
    out.collision = true;
    if (const auto k = intact_sender(out.received, tx)) out.intact_from = answers[*k].slave;
}

} // namespace

bus_reply bus::on_frame(const link::frame& request, unsigned line_baud, const sim_now& now) {
    request_context ctx;
    ctx.line_baud = line_baud;
    if (auto raw = link::encode(request)) ctx.raw = std::move(*raw);
    return on_frame(request, std::move(ctx), now);
}

bus_reply bus::on_frame(const link::frame& request, request_context ctx, const sim_now& now) {
    ctx.index = handled_++;
    const unsigned line_baud = ctx.line_baud;
    bus_reply out;
    // One draw for the whole bus: slaves at one rate with no delay of their own answer together,
    // as the simplest line does; their skews then decide how the answers overlap.
    const auto shared_random = rng_();
    for (std::size_t i = 0; i < slaves_.size(); ++i) {
        auto& s = slaves_[i];
        if (!present_[i]) continue;
        if (config_.strict_baud && line_baud != 0 && s.baud() != line_baud) continue;
        const unsigned rate = s.baud(); // a baud switch answers at the old rate
        auto heard = request;
        if (hooks_ && !hooks_->offer(i, s, heard, ctx, now)) continue;
        auto r = s.on_frame(heard, now);
        if (r.note.empty() && r.wire.empty()) continue;
        if (!r.wire.empty()) {
            const auto& q = s.app().config().options;
            const unsigned timing_rate = line_baud != 0 ? line_baud : rate;
            const auto delay = q.response_delay
                                   ? choose_delay(*q.response_delay, timing_rate, rng_())
                                   : choose_delay(config_.response_delay, timing_rate, shared_random);
            out.answers.push_back({i, r.wire, delay, q.skew_bits, rate, {}});
        }
        out.events.push_back({i, std::move(r)});
    }

    // Faults (drop, delay, corrupt, duplicate...) transform the answers after the slaves and before
    // the wire.
    if (hooks_) hooks_->shape(request, ctx, now, out.answers, out.injected);

    combine(out, line_baud);
    return out;
}

} // namespace mbus::sim
