#pragma once
// A HAN meter's push lists as a value type: make, variant, which list, and for each object its OBIS
// code, COSEM type and resolution, from the vendors' documents:
// - Aidon: "Aidon HAN Interface v1.1A" (Norwegian lists 1-3, scaler and unit carried in the frame);
// - Kaifa: the KFM_001 list (roarfred/AmsToMqttBridge Samples/Kaifa/obisdata.md): currents in mA,
//   voltages in 0.1 V, energy in Wh, no OBIS codes in the frame;
// - Kamstrup: "Kamstrup HAN-NVE interface description rev 3.1": currents 0.01 A, voltages 1 V,
//   energy 10 Wh in Norway (Wh in Sweden, amsreader issue #239).
// The push encoder turns values in physical units into the frame the meter sends. Norwegian 3-phase
// lists only for now.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <mbus/core/result.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>

namespace mbus::han {

enum class make { aidon, kaifa, kamstrup };

struct list_item {
    obis code;
    data_type type = data_type::uint32;
    std::int8_t resolution = 0;       // raw = value / 10^resolution
    std::optional<std::uint8_t> unit; // Aidon: scaler (= resolution) and unit carried in the frame
    bool operator==(const list_item&) const = default;
};

struct list_spec {
    make maker = make::aidon;
    int number = 1; // the make's own list number (Kamstrup: 1 = 10 s list, 2 = hourly)
    body_layout layout = body_layout::array_of_structures;
    std::vector<list_item> items;
    bool operator==(const list_spec&) const = default;
};

// Norwegian 3-phase lists: Aidon 1-3, Kaifa 1-3, Kamstrup 1-2; nullopt for another number.
std::optional<list_spec> norwegian_list(make m, int number);

// A value in physical units (W, A, V, Wh), text (identifiers), or the meter clock.
using push_value = std::variant<double, std::string, date_time>;

// The frame header and APDU fields each make sends (addresses, control, invoke id, date-time form).
struct push_header {
    hdlc_frame frame; // addresses and control; information is filled in
    std::uint32_t invoke_id_and_priority = 0;
    datetime_encoding encoding = datetime_encoding::absent;
};
push_header header_of(make m);

// The HDLC frame of one push: every item of `spec` takes its value from `values` (keyed by
// "A.B.C.D.E.F"); errc::bad_value names no item but fails when one is missing or does not fit.
result<bytes> encode_push(const list_spec& spec, const std::map<std::string, push_value>& values,
                          const date_time& now);

} // namespace mbus::han
