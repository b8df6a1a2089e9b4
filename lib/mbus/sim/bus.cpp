#include <mbus/sim/bus.hpp>

#include <mbus/app/secondary_address.hpp>

#include <boost/container/small_vector.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
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
    slaves_.back().set_notes(notes_);
    present_.push_back(true);
    index_.add(slaves_);
    heard_.push_back(selects_heard(slaves_.back().baud()));
    is_touched_.push_back(false);
    const auto i = slaves_.size() - 1;
    if (slaves_[i].app().config().options.fd_unselected == fd_mode::ack)
        fd_answering_.push_back(static_cast<slave_index>(i));
    return i;
}

void bus::set_notes(bool on) {
    if (notes_ == on) return;
    notes_ = on;
    for (auto& s : slaves_)
        s.set_notes(on);
}

void bus::reserve(std::size_t n) {
    slaves_.reserve(n);
    present_.reserve(n);
    heard_.reserve(n);
    is_touched_.reserve(n);
}

slave& bus::at(std::size_t i) {
    auto& s = slaves_.at(i);
    // What it missed happened before whatever the caller does to it now (a new rate, say).
    if (present_[i]) catch_up(i);
    if (!is_touched_[i]) {
        is_touched_[i] = true;
        touched_.push_back(static_cast<slave_index>(i));
    }
    return s;
}

void bus::set_present(std::size_t i, bool on) {
    if (present_.at(i) == on) return;
    // Away, it hears no select: it leaves with the ones it missed, and comes back owing none.
    if (!on) catch_up(i);
    present_[i] = on;
    heard_[i] = selects_heard(slaves_[i].baud());
}

std::uint64_t bus::selects_heard(unsigned baud) const {
    auto n = selects_;
    for (const auto& [rate, count] : selects_at_)
        if (rate == baud) n += count;
    return n;
}

void bus::catch_up(std::size_t i) {
    const auto heard = selects_heard(slaves_[i].baud());
    if (heard_[i] == heard) return;
    slaves_[i].missed_select();
    heard_[i] = heard;
}

void bus::settle(std::span<const slave_index> which) {
    index_.refresh(which, slaves_);
    for (const auto i : which)
        heard_[i] = selects_heard(slaves_[i].baud());
}

std::optional<std::size_t> bus::find(std::string_view name) const {
    for (std::size_t i = 0; i < slaves_.size(); ++i)
        if (slaves_[i].name() == name) return i;
    return std::nullopt;
}

namespace {

std::uint64_t mix(std::uint64_t x, std::size_t i) { // splitmix64 of the draw and the slave's index
    x += 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(i) + 1);
    x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31U);
}

// Puts the answers on the line: their start times (delay plus skew) fix the offsets between them.
void combine(bus_reply& out, unsigned line_baud, const bus_config& config) {
    auto& answers = out.answers;
    std::erase_if(answers, [](const answer& a) { return a.wire.empty(); });
    if (answers.empty()) return;

    const unsigned baud =
        line_baud != 0 ? line_baud : (answers.front().baud != 0 ? answers.front().baud : 2400);
    const double bit_us = 1e6 / baud;
    // Own offsets only tell meters apart: the earliest of them answers at the bus's delay itself, so a
    // lone meter keeps the delay it drew (inside the bus's range).
    double earliest_own = std::numeric_limits<double>::infinity();
    for (const auto& a : answers)
        if (a.own_offset) earliest_own = std::min(earliest_own, a.skew_bits);
    for (auto& a : answers)
        if (a.own_offset) a.skew_bits -= earliest_own;
    // On the stack for the usual one or few answers: this runs for every answered request.
    boost::container::small_vector<double, 4> starts;
    for (const auto& a : answers)
        starts.push_back(static_cast<double>(a.delay.count()) + a.skew_bits * bit_us);
    // Delays drawn in the same bit time (or clamped to the same end of the window, as the bus's
    // range is at 300 baud) would line up answers that on a wire never do.
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (!answers[i].own_offset) continue;
        for (bool moved = true; moved;) {
            moved = false;
            for (std::size_t j = 0; j < i; ++j)
                // The margin keeps a start just set a bit time on from counting as too close again.
                if (std::abs(starts[i] - starts[j]) < bit_us * 0.999) {
                    starts[i] = starts[j] + bit_us;
                    moved = true;
                }
        }
    }
    const double first = *std::min_element(starts.begin(), starts.end());
    out.delay = microseconds{static_cast<microseconds::rep>(std::floor(first))};
    out.baud = baud;

    if (answers.size() == 1) {
        out.wire = answers.front().wire;
        out.received.reserve(out.wire.size());
        for (const auto b : out.wire)
            out.received.push_back({b, false, false});
        out.intact_from = answers.front().slave;
        out.gaps = answers.front().gaps;
        return;
    }
    std::vector<transmission> tx;
    for (std::size_t i = 0; i < answers.size(); ++i)
        tx.push_back({answers[i].wire, (starts[i] - first) / bit_us});
    out.received =
        config.collision == collision_model::level_converter ? level_convert(tx, config.fill) : collide(tx);
    out.wire = values(out.received);
    out.collision = true;
    if (const auto k = intact_sender(out.received, tx)) out.intact_from = answers[*k].slave;
}

// The converter's echo comes back as the request goes out; the answer keeps its own delay after it.
void echo(bus_reply& out, bytes_view request, unsigned line_baud) {
    if (out.baud == 0) out.baud = line_baud != 0 ? line_baud : 2400;
    const auto n = request.size();
    for (auto& g : out.gaps)
        g.after += n;
    if (!out.silent()) out.gaps.insert(out.gaps.begin(), answer::gap{n, out.delay});
    out.wire.insert(out.wire.begin(), request.begin(), request.end());
    std::vector<received_byte> rx;
    for (const auto b : request)
        rx.push_back({b, false, false});
    out.received.insert(out.received.begin(), rx.begin(), rx.end());
    out.delay = microseconds{0};
}

} // namespace

bus_reply bus::on_frame(const link::frame& request, unsigned line_baud, const sim_now& now) {
    request_context ctx;
    ctx.line_baud = line_baud;
    if (auto raw = link::encode(request)) ctx.raw = std::move(*raw);
    return on_frame(request, std::move(ctx), now);
}

bool bus::gather(const link::frame& request) {
    candidates_.clear();
    if (hooks_) {
        auto l = hooks_->listening();
        if (l.all) return true;
        for (const auto i : l.slaves)
            if (i < slaves_.size()) candidates_.push_back(static_cast<slave_index>(i));
    }
    if (is_request(request)) {
        const auto append = [this](const std::vector<slave_index>& v) {
            candidates_.insert(candidates_.end(), v.begin(), v.end());
        };
        if (request.a == link::address::broadcast_reply || request.a == link::address::broadcast) return true;
        if (request.a == link::address::selected) {
            append(index_.selected());
            if (is_snd_nke(request)) append(fd_answering_);
            if (is_select(request))
                if (const auto mask = app::parse_select(request.ci, request.data))
                    index_.matching(*mask, slaves_, candidates_);
        } else {
            append(index_.at(request.a));
            // The one list, in index order without repeats already: the usual request (REQ_UD2 to a
            // primary address) skips the sort.
            if (!hooks_) return false;
        }
    }
    std::sort(candidates_.begin(), candidates_.end());
    candidates_.erase(std::unique(candidates_.begin(), candidates_.end()), candidates_.end());
    return false;
}

bus_reply bus::on_frame(const link::frame& request, request_context ctx, const sim_now& now) {
    bus_reply out;
    on_frame(request, std::move(ctx), now, out);
    return out;
}

void bus::on_frame(const link::frame& request, request_context ctx, const sim_now& now, bus_reply& out) {
    ctx.index = handled_++;
    settle(touched_);
    for (const auto i : touched_)
        is_touched_[i] = false;
    touched_.clear();

    const unsigned line_baud = ctx.line_baud;
    // Every field as new, the vectors' storage kept, field by field (a whole new bus_reply moved in
    // and out cost more than the bus's own work); the answers are written over one by one below, each
    // keeping its bytes' storage.
    out.wire.clear();
    out.received.clear();
    out.delay = microseconds{0};
    out.baud = 0;
    out.collision = false;
    out.intact_from.reset();
    out.events.clear();
    out.gaps.clear();
    out.injected.clear();
    std::size_t answered = 0;
    // One draw for the whole bus: slaves at one rate with no delay of their own answer together,
    // as the simplest line does; their skews then decide how the answers overlap.
    const auto shared_random = rng_();
    link::frame altered;
    const auto offer = [&](std::size_t i) {
        auto& s = slaves_[i];
        if (!present_[i]) return;
        catch_up(i);
        if (config_.strict_baud && line_baud != 0 && s.baud() != line_baud) return;
        const unsigned rate = s.baud(); // a baud switch answers at the old rate
        // A hook may change the frame one slave hears: only then is it copied (a select's data).
        const link::frame* heard = &request;
        if (hooks_) {
            altered = request;
            if (!hooks_->offer(i, s, altered, ctx, now)) return;
            heard = &altered;
        }
        auto r = s.on_frame(*heard, now);
        if (r.note.empty() && r.wire.empty()) return;
        if (!r.wire.empty()) {
            const auto& q = s.app().config().options;
            const unsigned timing_rate = line_baud != 0 ? line_baud : rate;
            const auto delay = q.response_delay
                                   ? choose_delay(*q.response_delay, timing_rate, rng_())
                                   : choose_delay(config_.response_delay, timing_rate, shared_random);
            // Without a skew of its own a meter starts within a character time of the bus's delay, at
            // its own point: the bus's draw mixed with the meter's place (the same seed, the same
            // run). Real meters never answer in the same instant, and answers that overlap within a
            // character are what the field shows: garbled bytes, or a level converter's 00.
            const double skew = q.skew_bits
                                    ? *q.skew_bits
                                    : static_cast<double>(mix(shared_random, i) %
                                                          (static_cast<std::uint64_t>(bits_per_char) * 100)) /
                                          100;
            auto& a = answered < out.answers.size() ? out.answers[answered] : out.answers.emplace_back();
            ++answered;
            a.slave = i;
            a.wire.assign(r.wire.begin(), r.wire.end());
            a.delay = delay;
            a.skew_bits = skew;
            a.baud = rate;
            a.gaps.clear();
            a.own_offset = !q.skew_bits.has_value();
        }
        out.events.push_back({i, std::move(r)});
    };
    const bool everyone = gather(request);
    if (everyone)
        for (std::size_t i = 0; i < slaves_.size(); ++i)
            offer(i);
    else
        for (const auto i : candidates_)
            offer(i);
    out.answers.resize(answered);

    // Every meter that hears a select at FD looks at it; the ones it was not offered to take it
    // from catch_up() when they are next offered anything.
    if (is_request(request) && is_select(request) && request.a == link::address::selected) {
        if (config_.strict_baud && line_baud != 0) {
            const auto it = std::find_if(selects_at_.begin(), selects_at_.end(),
                                         [&](const auto& e) { return e.first == line_baud; });
            if (it == selects_at_.end())
                selects_at_.emplace_back(line_baud, 1);
            else
                ++it->second;
        } else {
            ++selects_;
        }
    }
    if (everyone) {
        candidates_.resize(slaves_.size());
        for (std::size_t i = 0; i < slaves_.size(); ++i)
            candidates_[i] = static_cast<slave_index>(i);
    }
    settle(candidates_);

    // Faults (drop, delay, corrupt, duplicate...) transform the answers after the slaves and before
    // the wire.
    if (hooks_) hooks_->shape(request, ctx, now, out.answers, out.injected);

    combine(out, line_baud, config_);
    if (config_.echo && !ctx.raw.empty()) echo(out, ctx.raw, line_baud);
}

} // namespace mbus::sim
