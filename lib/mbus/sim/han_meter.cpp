#include <mbus/sim/han_meter.hpp>

#include <chrono>
#include <cmath>
#include <numbers>

namespace mbus::sim {

namespace {

using std::chrono::seconds;
constexpr seconds slot_length{2};

double number_of(const sample& s) {
    if (const auto* d = std::get_if<double>(&s)) return *d;
    return 0;
}

wall_time floor_seconds(wall_time t) { return std::chrono::floor<seconds>(t); }

} // namespace

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
    for (std::size_t i = 0; i < n; ++i) {
        r.voltage_v[i] = u;
        r.current_a[i] = u > 0 ? std::abs(p) / static_cast<double>(n) / (u * pf) : 0.0;
    }
    return r;
}

han::date_time han_clock(wall_time t) {
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
    d.hundredths = 0xFF;
    d.deviation = han::date_time::deviation_unspecified;
    d.clock_status = 0x00;
    return d;
}

han_meter::han_meter(han_meter_config c, sim_now start)
    : config_(std::move(c)), power_(config_.power), voltage_(config_.voltage), start_(start),
      counter_(config_.frame_counter) {
    // The first even second strictly after the start.
    auto first = floor_seconds(start.wall) + seconds{1};
    if (std::chrono::duration_cast<seconds>(first.time_since_epoch()) % slot_length != seconds{0})
        first += seconds{1};
    next_slot_ = first;
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
        next_slot_ += slot_length;

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

        const auto s = std::chrono::duration_cast<seconds>(since_hour).count();
        const int list = s == 10 ? 3 : s % 10 == 0 ? 2 : 1;
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
    const auto& reg = list == 3 ? at_hour_ : registers_;
    r.import_wh = reg.import_wh;
    r.export_wh = reg.export_wh;
    r.import_varh = reg.import_varh;
    r.export_varh = reg.export_varh;
    const auto clock = han_clock(slot);
    auto objects = han_list(config_.identity, list, r, clock);
    if (!objects) return unexpected(objects.error());
    const auto n = han_notification(config_.identity, *objects, clock);
    auto wire = han_frames(config_.identity, n, config_.cipher, counter_);
    if (!wire) return unexpected(wire.error());
    const auto used = counter_;
    if (config_.cipher) ++counter_;
    return han_push{list, at, slot, std::move(*objects), std::move(*wire), used};
}

void han_meter::shift_clock(std::chrono::seconds by) {
    start_.wall += by;
    integrated_to_ += by;
    auto next = next_slot_ + by;
    // Slots stay on the meter clock's even seconds.
    if (std::chrono::duration_cast<seconds>(next.time_since_epoch()) % slot_length != seconds{0})
        next += seconds{1};
    next_slot_ = next;
}

} // namespace mbus::sim
