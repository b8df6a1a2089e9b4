#pragma once
// Requests as masters send them, and small meters, for the sim tests.

#include <mbus/app/record_spec.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/meter_config.hpp>
#include <mbus/sim/now.hpp>

#include <chrono>

namespace mbus::sim::test {

inline link::frame snd_nke(byte a) { return link::frame::short_frame(0x40, a); }
// 7B when fcb, 5B when not: both have FCV=1.
inline link::frame req_ud2(byte a, bool fcb) { return link::frame::short_frame(fcb ? 0x7B : 0x5B, a); }
inline link::frame req_ud1(byte a, bool fcb) { return link::frame::short_frame(fcb ? 0x7A : 0x5A, a); }
inline link::frame snd_ud(byte a, byte ci, bytes data = {}) {
    return link::frame::long_frame(0x53, a, ci, std::move(data));
}

inline sim_now at_seconds(double s) {
    return {time_point{} + std::chrono::duration_cast<duration>(std::chrono::duration<double>(s)),
            wall_time{}};
}

inline app::record raw(byte dif, byte vif, bytes data) {
    return {app::dib{dif, {}}, app::vib{vif, {}, {}}, std::move(data)};
}

inline app::record_spec spec(app::quantity q, app::unit u, int exponent, app::data_coding coding,
                             app::value v = {}) {
    app::record_spec s;
    s.q = q;
    s.u = u;
    s.exponent = exponent;
    s.coding = coding;
    s.v = std::move(v);
    return s;
}

// Built in place: GCC 12 at -O2 warns (wrongly) that moving a record_config temporary into the
// vector reads the variant alternative it does not hold.
inline void add(meter_config& m, spec_record r) { m.records.emplace_back().content = std::move(r); }

// A water meter at primary address 5: ID 12345678, KAM, version 1, medium 07 (water), one record
// 0C 13 (volume in litres, 8 BCD digits) = 12345678.
inline meter_config water_meter() {
    meter_config m;
    m.name = "water";
    m.primary_address = 5;
    m.identity = {0x12345678, 0x2C2D, 0x01, 0x07};
    m.records.push_back({raw_record{raw(0x0C, 0x13, {0x78, 0x56, 0x34, 0x12})}, false});
    return m;
}

// The same meter read out in two telegrams: page 1 holds the volume, page 2 an energy record
// 04 06 (kWh, int32) = 1.
inline meter_config two_page_meter() {
    auto m = water_meter();
    m.records.push_back({raw_record{raw(0x04, 0x06, {0x01, 0x00, 0x00, 0x00})}, false});
    m.pages = {{0}, {1}};
    return m;
}

// Offsets in an RSP_UD with a long header: 68 L L 68 C A CI, then ID(4) man(2) ver med ACC ST SIG(2).
inline constexpr std::size_t c_at = 4;
inline constexpr std::size_t a_at = 5;
inline constexpr std::size_t access_at = 15;
// The last record byte before CS and stop.
inline byte last_data_byte(const bytes& wire) { return wire[wire.size() - 3]; }

} // namespace mbus::sim::test
