#pragma once
// The value plumbing between a simulated HAN meter and its make's lists: the lists themselves (OBIS
// order, COSEM types, scalers, units, date-time form, list ids, header) are han/meter.hpp's; here a
// meter's readings in SI units become the values of the list's items, and a notification becomes the
// HDLC frame(s) on the wire, ciphered and segmented as the scenario asks.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/cosem.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/meter.hpp>
#include <mbus/han/objects.hpp>

namespace mbus::sim {

using han_make = han::make;
using han_variant = han::variant;
using han::name_of;

// Who the meter says it is.
struct han_identity {
    han_make make = han_make::kaifa;
    han_variant variant = han_variant::no;
    unsigned phases = 3;      // 1 or 3
    std::string id;           // meter id, e.g. "6970631401753985"
    std::string type;         // meter type, e.g. "MA304H3E"
    std::string list_version; // list identifier, e.g. "KFM_001"
    friend bool operator==(const han_identity&, const han_identity&) = default;
};

// The quantities a list carries, in SI units (W, var, A, V, Wh, varh), before the list's scaling.
struct han_readings {
    double import_w = 0, export_w = 0;       // active power, both >= 0
    double import_var = 0, export_var = 0;   // reactive power, both >= 0
    std::array<double, 3> current_a{};       // per phase (L1 only on a 1-phase meter)
    std::array<double, 3> voltage_v{};       // per phase
    double import_wh = 0, export_wh = 0;     // active energy registers
    double import_varh = 0, export_varh = 0; // reactive energy registers
    // Per phase, for the lists that carry them (Swedish Aidon, Kamstrup push 1); the phases share the
    // totals.
    std::array<double, 3> import_w_phase{}, export_w_phase{};
    std::array<double, 3> import_var_phase{}, export_var_phase{};
    std::array<double, 3> power_factor_phase{};
    double power_factor = 1;
    std::array<double, 3> import_wh_phase{}, export_wh_phase{};
    friend bool operator==(const han_readings&, const han_readings&) = default;
};

// The objects of list `list` of the meter's make with `r`'s values (han::push_list, han::push_objects);
// `clock` is the meter clock object of the hourly list, in the make's form (han::clock_of).
// errc::bad_value for a make, variant or list not built.
result<han::object_list> han_list(const han_identity& who, int list, const han_readings& r,
                                  const han::date_time& clock);

// The data-notification the meter wraps list `list` in, with its date-time (han::push_notification).
han::data_notification han_notification(const han_identity& who, int list, const han::object_list& objects,
                                        const han::date_time& time);

// The largest information field a meter puts in one frame before it segments.
std::size_t han_max_information(const han_identity& who);

// general-glo-ciphering as the scenario gives it.
struct han_cipher {
    bytes key;          // 16 bytes
    bytes auth_key;     // 16 bytes, or empty for security control 20 (encryption only)
    bytes system_title; // 8 bytes
    friend bool operator==(const han_cipher&, const han_cipher&) = default;
};

// The HDLC frame(s), back to back, flags included, that carry `n` (ciphered with `cipher` and
// `frame_counter` when given), with the make's header (han::header_of).
result<bytes> han_frames(const han_identity& who, const han::data_notification& n,
                         const std::optional<han_cipher>& cipher = std::nullopt,
                         std::uint32_t frame_counter = 0);

} // namespace mbus::sim
