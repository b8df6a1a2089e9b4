#pragma once
// The lists a HAN meter pushes, as the corpus (../shared/corpus/han) shows each make sending them:
// the objects, their order and COSEM types, and the HDLC header and APDU date-time encoding around
// them. Only Kaifa's Norwegian lists (KFM_001) are built so far: list 1 (active power import), list 2
// (powers, currents in mA, voltages in 0.1 V, every value double-long-unsigned) and list 3 (list 2, the
// meter clock and the four energy registers in Wh/varh), 13 and 18 values for 3 phases, 9 and 14 for 1,
// with the OBIS codes of han::kfm_001_list. Frames: destination 01, source 02 01, control 10, invoke
// id 40000000, date-time as 09 0C + 12 bytes (roarfred_kaifa_list2_capture and friends).

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/cosem.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>

namespace mbus::sim {

enum class han_make : std::uint8_t { aidon, kaifa, kamstrup };
enum class han_variant : std::uint8_t { no, se, dk, ch };
const char* name_of(han_make m) noexcept;
const char* name_of(han_variant v) noexcept;

// Who the meter says it is.
struct han_identity {
    han_make make = han_make::kaifa;
    han_variant variant = han_variant::no;
    unsigned phases = 3;      // 1 or 3
    std::string id;           // 0.0.96.1.0.255, e.g. "6970631401753985"
    std::string type;         // 0.0.96.1.7.255, e.g. "MA304H3E"
    std::string list_version; // 1.1.0.2.129.255, e.g. "KFM_001"
    friend bool operator==(const han_identity&, const han_identity&) = default;
};

// The list version a make sends when the scenario names none.
std::string default_list_version(han_make m, han_variant v);

// The quantities a list carries, in SI units (W, var, A, V, Wh, varh), before the list's scaling.
struct han_readings {
    double import_w = 0, export_w = 0;       // active power, both >= 0
    double import_var = 0, export_var = 0;   // reactive power, both >= 0
    std::array<double, 3> current_a{};       // per phase (L1 only on a 1-phase meter)
    std::array<double, 3> voltage_v{};       // per phase
    double import_wh = 0, export_wh = 0;     // active energy registers
    double import_varh = 0, export_varh = 0; // reactive energy registers
    friend bool operator==(const han_readings&, const han_readings&) = default;
};

// The objects of list `list` (1, 2 or 3) with `r`'s values in the list's units; `clock` is the meter
// clock object of the hourly list. errc::bad_value for a make, variant or list not built.
result<han::object_list> han_list(const han_identity& who, int list, const han_readings& r,
                                  const han::date_time& clock);

// The data-notification the meter wraps a list in, with its date-time.
han::data_notification han_notification(const han_identity& who, const han::object_list& objects,
                                        const han::date_time& time);

// The HDLC header (addresses, control) the make sends, and the largest information field it puts
// in one frame before it segments.
han::hdlc_frame han_header(const han_identity& who);
std::size_t han_max_information(const han_identity& who);

// general-glo-ciphering as the scenario gives it.
struct han_cipher {
    bytes key;          // 16 bytes
    bytes auth_key;     // 16 bytes, or empty for security control 20 (encryption only)
    bytes system_title; // 8 bytes
    friend bool operator==(const han_cipher&, const han_cipher&) = default;
};

// The HDLC frame(s), back to back, flags included, that carry `n` (ciphered with `cipher` and
// `frame_counter` when given).
result<bytes> han_frames(const han_identity& who, const han::data_notification& n,
                         const std::optional<han_cipher>& cipher = std::nullopt,
                         std::uint32_t frame_counter = 0);

} // namespace mbus::sim
