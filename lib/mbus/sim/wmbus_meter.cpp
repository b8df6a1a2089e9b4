#include <mbus/sim/wmbus_meter.hpp>

#include <mbus/wmbus/meter_telegram.hpp>

#include <algorithm>
#include <cmath>

namespace mbus::sim {

namespace {

std::uint64_t mix(std::uint64_t x) { // splitmix64
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Uniform in [0, 1): the draw `n` of stream `stream` of the seed.
double draw(std::uint64_t seed, std::uint64_t stream, std::uint64_t n) {
    const auto x = mix(seed ^ mix((stream << 56) ^ mix(n)));
    return static_cast<double>(x >> 11) * 0x1.0p-53;
}

duration to_duration(double s) {
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(s));
}

meter_config records_only(const wmbus_meter_config& c) {
    meter_config m;
    m.name = c.name;
    m.records = c.records;
    return m;
}

} // namespace

std::string_view name_of(wmbus_mode m) {
    switch (m) {
    case wmbus_mode::t1: return "T1";
    case wmbus_mode::c1: return "C1";
    case wmbus_mode::s1: return "S1";
    }
    return "?";
}

wmbus::frame_format format_of(wmbus_mode m) {
    return m == wmbus_mode::c1 ? wmbus::frame_format::b : wmbus::frame_format::a;
}

wmbus_meter::wmbus_meter(wmbus_meter_config c, sim_now start)
    : config_(std::move(c)), records_(records_only(config_), start.mono),
      next_(start.mono + to_duration(interval_s(0))), access_(config_.access_number),
      counter_(config_.message_counter) {}

double wmbus_meter::interval_s(std::uint64_t n) const {
    const auto lo = config_.interval_min_s;
    const auto hi = std::max(lo, config_.interval_max_s);
    return lo + (hi - lo) * draw(config_.seed, 1, n);
}

result<wmbus_transmission> wmbus_meter::transmit(const sim_now& now, const std::optional<bytes>& key) {
    const auto at = next_;
    // The schedule moves on even when this one cannot be encoded: the next may fit.
    next_ += to_duration(interval_s(count_ + 1));
    return make(now, at, key);
}

result<wmbus_transmission> wmbus_meter::transmit_at(time_point at, const sim_now& now,
                                                    const std::optional<bytes>& key) {
    next_ += to_duration(interval_s(count_ + 1));
    return make(now, at, key);
}

void wmbus_meter::drift_next(double ppm, time_point from) {
    const auto wait = std::chrono::duration<double>(next_ - from).count();
    next_ = from + to_duration(wait / (1 + ppm * 1e-6));
}

result<wmbus_transmission> wmbus_meter::make(const sim_now& now, time_point at,
                                             const std::optional<bytes>& key) {
    wmbus::meter_telegram t;
    if (count_ < config_.install_telegrams)
        t.c = wmbus::c_field::snd_ir;
    else if (config_.access_demand_every != 0 && (count_ + 1) % config_.access_demand_every == 0)
        t.c = wmbus::c_field::acc_nr;
    t.manufacturer = config_.manufacturer;
    t.id = config_.id;
    t.version = config_.version;
    t.device_type = config_.device_type;
    t.access_number = access_;
    t.status = config_.status;
    if (t.c != wmbus::c_field::acc_nr) t.records = records_.records_at(now);
    t.key = key ? key : config_.key;
    t.mode7 = config_.mode7 && t.key && t.c != wmbus::c_field::acc_nr;
    t.message_counter = counter_;

    wmbus_transmission out;
    out.at = at;
    out.number = count_;
    out.access_number = access_;
    if (t.mode7) out.message_counter = counter_;
    const auto noise = config_.rssi_noise_db * (2 * draw(config_.seed, 2, count_) - 1);
    out.rssi_dbm = static_cast<int>(std::lround(config_.rssi_dbm + noise));

    ++count_;
    access_ = static_cast<std::uint8_t>(access_ + 1);
    if (t.mode7) ++counter_;

    auto f = wmbus::encode_frame(t);
    if (!f) return unexpected(f.error());
    auto air = wmbus::encode(*f, format_of(config_.mode));
    if (!air) return unexpected(air.error());
    auto plain = wmbus::encode_plain(*f);
    if (!plain) return unexpected(plain.error());
    out.frame = std::move(*f);
    out.air = std::move(*air);
    out.plain = std::move(*plain);
    return out;
}

} // namespace mbus::sim
