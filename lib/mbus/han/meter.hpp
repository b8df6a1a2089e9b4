#pragma once
// A HAN meter's push lists as a value type: make, variant, which list, and for each object its OBIS
// code, COSEM type and resolution, from the vendors' documents and the corpus (../shared/corpus/han):
// - Aidon: "Aidon HAN Interface v1.1A" (Norwegian lists 1-3, scaler and unit carried in the frame;
//   1-phase list 2 as the document's example aidon_doc_list2_1p);
// - Kaifa: the KFM_001 list (roarfred/AmsToMqttBridge Samples/Kaifa/obisdata.md): currents in mA,
//   voltages in 0.1 V, energy in Wh, no OBIS codes in the frame;
// - Kamstrup: "Kamstrup HAN-NVE interface description rev 3.1": currents 0.01 A, voltages 1 V,
//   energy 10 Wh in Norway, Wh in Sweden (amsreader issue #239); a 1-phase meter keeps the 3-phase
//   shape with null-data pairs for L2 and L3 (amshan_kamstrup_no_list*_1p_real).
// - Swedish lists: Aidon's one list of the Swedish HAN data profile ("Aidon RJ45 HAN Interface Feature
//   Description v1.4A", section 4, and the example list of the Aidon RJ12 HAN document,
//   aidon_se_rj12_doc_list; amsreader issues #143, #156): every 10 s, clock first, per-phase powers,
//   energy in Wh/varh with scaler 0 in the frame; Kaifa's Swedish meters send the Norwegian KFM_001 lists
//   (gurux.fi forum node 23817: a live MA304H4PSE list 3, positional, 09 0C date-time, deviation -60) or the
//   same list with OBIS codes and no date-time (toreamun/amshan test_kaifa.py, amsreader issue #242),
//   here Kaifa's list 4;
// - Kamstrup's Danish/Swiss "DLMS push 1" (amsreader issues #216, #350, #517: 3-phase 32 objects, 1-phase
//   18, L2 and L3 left out): energy in Wh, per-phase registers and powers, power factors in 0.01, the
//   meter number as a double-long-unsigned, the clock in the body; list 3 here. The Danish and Swiss
//   meters can also send the NVE lists 1 and 2 (amsreader issues #741, #196), with energy in Wh.
// This is the one place that knows each make's lists, header, date-time form and line; the push
// encoder turns values in physical units into the frame the meter sends.

#include <functional>
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

enum class make : std::uint8_t { aidon, kaifa, kamstrup };
enum class variant : std::uint8_t { no, se, dk, ch };
const char* name_of(make m) noexcept;
const char* name_of(variant v) noexcept;

// What an item of a list carries, whatever its OBIS code in a make's list.
enum class quantity : std::uint8_t {
    list_version,
    meter_id,
    meter_type,
    import_w,
    export_w,
    import_var,
    export_var,
    current_l1,
    current_l2,
    current_l3,
    voltage_l1,
    voltage_l2,
    voltage_l3,
    clock,
    import_wh,
    export_wh,
    import_varh,
    export_varh,
    meter_number, // Kamstrup push 1: the meter id as a number
    power_factor, // cos phi, all phases
    import_w_l1,
    import_w_l2,
    import_w_l3,
    export_w_l1,
    export_w_l2,
    export_w_l3,
    import_var_l1,
    import_var_l2,
    import_var_l3,
    export_var_l1,
    export_var_l2,
    export_var_l3,
    power_factor_l1,
    power_factor_l2,
    power_factor_l3,
    import_wh_l1,
    import_wh_l2,
    import_wh_l3,
    export_wh_l1,
    export_wh_l2,
    export_wh_l3,
};
// The registers (energy), whose items show whole units accumulated.
bool is_energy(quantity q) noexcept;

struct list_item {
    obis code;
    data_type type = data_type::uint32;
    std::int8_t resolution = 0;       // raw = value / 10^resolution
    std::optional<std::uint8_t> unit; // Aidon: scaler (= resolution) and unit carried in the frame
    quantity what = quantity::import_w;
    bool absent = false; // sent as a null-data pair (Kamstrup 1-phase L2, L3)
    bool operator==(const list_item&) const = default;
};

struct list_spec {
    make maker = make::aidon;
    variant var = variant::no;
    int number = 1; // the make's own list number (Kamstrup: 1 = 10 s list, 2 = hourly)
    body_layout layout = body_layout::array_of_structures;
    datetime_encoding encoding = datetime_encoding::absent; // the APDU's date-time form
    std::vector<list_item> items;
    bool operator==(const list_spec&) const = default;
};

// The make and variant pairs whose lists are built: every make's NO and SE lists, Kamstrup's DK and CH.
bool has_lists(make m, variant v) noexcept;
// "Aidon NO, Aidon SE, ...": for error messages.
std::string supported_lists();
// How many lists are built for the make and variant (Aidon 3, Aidon SE 1, Kaifa 3, Kaifa SE 4,
// Kamstrup 2, Kamstrup DK/CH 3) and which is the hourly one (0: none, every list carries the registers
// as they are).
int list_count(make m, variant v = variant::no) noexcept;
int hourly_list(make m, variant v = variant::no) noexcept;

// List `number` of a 1- or 3-phase meter; nullopt for a list, variant or phase count not built.
std::optional<list_spec> push_list(make m, variant v, int number, unsigned phases);
// Norwegian 3-phase lists: Aidon 1-3, Kaifa 1-3, Kamstrup 1-2.
std::optional<list_spec> norwegian_list(make m, int number);

// The list version string a make sends when the scenario names none.
std::string default_list_version(make m);

// The line each make's HAN document states: 2400 baud; Aidon and Kaifa 8E1, Kamstrup 8N1.
struct line_settings {
    unsigned baud = 2400;
    char parity = 'E'; // 'E' or 'N'
    unsigned stop_bits = 1;
    unsigned bits_per_char() const noexcept { return 1 + 8 + (parity == 'N' ? 0U : 1U) + stop_bits; }
    bool operator==(const line_settings&) const = default;
};
line_settings line_of(make m) noexcept;

// A value in physical units (W, A, V, Wh), text (identifiers), or the meter clock.
using push_value = std::variant<double, std::string, date_time>;

// The frame header and APDU fields each make sends (addresses, control, invoke id, date-time form).
struct push_header {
    hdlc_frame frame; // addresses and control; information is filled in
    std::uint32_t invoke_id_and_priority = 0;
    datetime_encoding encoding = datetime_encoding::absent;
};
push_header header_of(make m);
// Swedish Kaifa meters send from server address 00 01 where the Norwegian send 02 01
// (gurux_forum_kaifa_se_list3, amsreader_kaifa_se_*_gh242).
push_header header_of(make m, variant v);

// A clock (ISO day of week 1-7, deviation and status as given) in the make's own form, as its frames
// show it: Kaifa and Kamstrup hundredths FF, deviation unspecified (80 00), status 00; Aidon
// hundredths FF, deviation 00 00, status 00, and Sunday as day 0 (amsreader_aidon_no_list3_gh1119_1,
// 2025-12-14, a Sunday, carries day 00; amshan_aidon_no_list3, a Tuesday, 02).
// Swedish Aidon: deviation unspecified (80 00), status FF (aidon_se_*); Swedish Kaifa: deviation -60,
// status 00 (gurux_forum_kaifa_se_list3, amshan_kaifa_se_list).
date_time clock_of(make m, date_time t);
date_time clock_of(make m, variant v, date_time t);

// The objects of one push: every item of `spec` takes its value from `value_of` (nullopt fails with
// errc::bad_value, as does a value that does not fit the item's type). Energy registers show the
// whole units of their resolution accumulated (floored), other numbers are rounded; both are held to
// the type's range. The clock item defaults to `now`.
result<object_list> push_objects(const list_spec& spec,
                                 const std::function<std::optional<push_value>(const list_item&)>& value_of,
                                 const date_time& now);
// The data-notification the make wraps a list in, with `now` as its date-time where the list sends one.
data_notification push_notification(make m, const object_list& objects, const date_time& now);
data_notification push_notification(const list_spec& spec, const object_list& objects, const date_time& now);

// The HDLC frame of one push, values keyed by "A.B.C.D.E.F".
result<bytes> encode_push(const list_spec& spec, const std::map<std::string, push_value>& values,
                          const date_time& now);

} // namespace mbus::han
