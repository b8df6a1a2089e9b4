#include <mbus/sim/han_meter.hpp>

#include <chrono>
#include <cmath>
#include <numbers>

namespace mbus::sim {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

double number_of(const sample& s) {
    if (const auto* d = std::get_if<double>(&s)) return *d;
    return 0;
}

} // namespace

duration han_slot_length(han_make m) {
    switch (m) {
    case han_make::aidon: return std::chrono::duration_cast<duration>(milliseconds{2500});
    case han_make::kaifa: return std::chrono::duration_cast<duration>(seconds{2});
    case han_make::kamstrup: return std::chrono::duration_cast<duration>(seconds{5});
    }
    return std::chrono::duration_cast<duration>(seconds{2});
}

int han_list_at(han_make m, duration since_hour) {
    const auto ms = std::chrono::duration_cast<milliseconds>(since_hour).count();
    switch (m) {
    case han_make::aidon: return ms == 0 ? 3 : ms % 10000 == 0 ? 2 : 1;
    case han_make::kaifa: return ms == 10000 ? 3 : ms % 10000 == 0 ? 2 : 1;
    case han_make::kamstrup: return ms == 5000 ? 2 : ms % 10000 == 0 ? 1 : 0;
    }
    return 0;
}

int han_list_at(const han_identity& who, duration since_hour) {
    const auto ms = std::chrono::duration_cast<milliseconds>(since_hour).count();
    if (who.make == han_make::aidon && who.variant == han_variant::se) return ms % 10000 == 0 ? 1 : 0;
    if (who.make == han_make::kamstrup && (who.variant == han_variant::dk || who.variant == han_variant::ch))
        return ms % 10000 == 0 ? 3 : 0;
    return han_list_at(who.make, since_hour);
}

han_readings han_instant(const han_meter_config& c, duration elapsed, wall_time wall) {
    return han_readings_of(c, number_of(evaluate(c.power, elapsed, wall)),
                           number_of(evaluate(c.voltage, elapsed, wall)));
}

han_readings han_readings_of(const han_meter_config& c, double p, double u) {
    const double pf = c.power_factor;
    han_readings r;
    r.import_w = std::max(p, 0.0);
    r.export_w = std::max(-p, 0.0);
    const double q = std::abs(p) * std::tan(std::acos(pf));
    (p >= 0 ? r.import_var : r.export_var) = q;
    const std::size_t n = c.identity.phases == 1 ? 1 : 3;
    const double share = 1.0 / static_cast<double>(n);
    r.power_factor = pf;
    for (std::size_t i = 0; i < n; ++i) {
        r.voltage_v[i] = u;
        r.current_a[i] = u > 0 ? std::abs(p) * share / (u * pf) : 0.0;
        r.import_w_phase[i] = r.import_w * share;
        r.export_w_phase[i] = r.export_w * share;
        r.import_var_phase[i] = r.import_var * share;
        r.export_var_phase[i] = r.export_var * share;
        r.power_factor_phase[i] = pf;
    }
    return r;
}

han::date_time han_clock(wall_time t, han_make m, han_variant v) {
    const auto secs = std::chrono::floor<seconds>(t);
    const auto day = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{secs - day};
    const std::chrono::weekday wd{day};
    han::date_time d;
    d.year = static_cast<std::uint16_t>(static_cast<int>(ymd.year()));
    d.month = static_cast<std::uint8_t>(static_cast<unsigned>(ymd.month()));
    d.day = static_cast<std::uint8_t>(static_cast<unsigned>(ymd.day()));
    d.day_of_week = static_cast<std::uint8_t>(wd.iso_encoding()); // 1 Monday .. 7 Sunday
    d.hour = static_cast<std::uint8_t>(hms.hours().count());
    d.minute = static_cast<std::uint8_t>(hms.minutes().count());
    d.second = static_cast<std::uint8_t>(hms.seconds().count());
    return han::clock_of(m, v, d);
}

han_meter::han_meter(han_meter_config c, sim_now start)
    : config_(std::move(c)), power_(config_.power), voltage_(config_.voltage), start_(start),
      counter_(config_.frame_counter) {
    // The first slot strictly after the start.
    const auto slot = han_slot_length(config_.identity.make);
    const auto since_epoch = std::chrono::duration_cast<duration>(start.wall.time_since_epoch());
    next_slot_ =
        wall_time{} + std::chrono::duration_cast<wall_time::duration>((since_epoch / slot + 1) * slot);
    integrated_to_ = start.wall;
    registers_.import_wh = config_.import_wh;
    registers_.export_wh = config_.export_wh;
    registers_.import_varh = config_.import_varh;
    registers_.export_varh = config_.export_varh;
    at_hour_ = registers_;
}

time_point han_meter::next_due() const {
    return start_.mono + std::chrono::duration_cast<duration>(next_slot_ - start_.wall);
}

result<std::vector<han_push>> han_meter::poll(sim_now now) {
    std::vector<han_push> out;
    while (next_due() <= now.mono) {
        const auto slot = next_slot_;
        const auto at = next_due();
        next_slot_ += std::chrono::duration_cast<wall_time::duration>(han_slot_length(config_.identity.make));

        // Energy from where the registers stand to this slot, at the power of that instant.
        const auto from = integrated_to_;
        const auto elapsed = std::chrono::duration_cast<duration>(from - start_.wall);
        const double p = number_of(power_.at(elapsed, from));
        const double hours = std::chrono::duration<double, std::ratio<3600>>(slot - from).count();
        const double q = std::abs(p) * std::tan(std::acos(config_.power_factor));
        (p >= 0 ? registers_.import_wh : registers_.export_wh) += std::abs(p) * hours;
        (p >= 0 ? registers_.import_varh : registers_.export_varh) += q * hours;
        integrated_to_ = slot;

        const auto since_hour = slot - std::chrono::floor<std::chrono::hours>(slot);
        if (since_hour == seconds{0}) at_hour_ = registers_;
        if (now.mono - at > std::chrono::hours{1}) continue;

        const int list = han_list_at(config_.identity, std::chrono::duration_cast<duration>(since_hour));
        if (list == 0) continue;
        auto p_ = push(list, slot, at);
        if (!p_) return unexpected(p_.error());
        out.push_back(std::move(*p_));
    }
    return out;
}

result<han_push> han_meter::push(int list, wall_time slot, time_point at) {
    const auto elapsed = std::chrono::duration_cast<duration>(slot - start_.wall);
    han_readings r =
        han_readings_of(config_, number_of(power_.at(elapsed, slot)), number_of(voltage_.at(elapsed, slot)));
    const auto& who = config_.identity;
    const auto& reg = list == han::hourly_list(who.make, who.variant) ? at_hour_ : registers_;
    r.import_wh = reg.import_wh;
    r.export_wh = reg.export_wh;
    r.import_varh = reg.import_varh;
    r.export_varh = reg.export_varh;
    const std::size_t n = who.phases == 1 ? 1 : 3;
    for (std::size_t i = 0; i < n; ++i) {
        r.import_wh_phase[i] = reg.import_wh / static_cast<double>(n);
        r.export_wh_phase[i] = reg.export_wh / static_cast<double>(n);
    }
    const auto clock = han_clock(slot, who.make, who.variant);
    auto objects = han_list(config_.identity, list, r, clock);
    if (!objects) return unexpected(objects.error());
    const auto note = han_notification(who, list, *objects, clock);
    auto wire = han_frames(who, note, config_.cipher, counter_);
    if (!wire) return unexpected(wire.error());
    const auto used = counter_;
    if (config_.cipher) ++counter_;
    return han_push{list, at, slot, std::move(*objects), std::move(*wire), used};
}

void han_meter::shift_clock(std::chrono::seconds by) {
    start_.wall += by;
    integrated_to_ += by;
    auto next = next_slot_ + by;
    // Slots stay on the meter clock's grid of its make's slot length.
    const auto slot = std::chrono::duration_cast<wall_time::duration>(han_slot_length(config_.identity.make));
    if (const auto off = next.time_since_epoch() % slot; off != wall_time::duration::zero())
        next += slot - off;
    next_slot_ = next;
}

} // namespace mbus::sim
