#pragma once
// The objects of a HAN list as a reader sees them: OBIS code, value, and scaler and unit where the
// list carries them. The three makes lay the notification body out three ways:
// - Aidon (HAN Interface v1.1A): an array of structures {OBIS octet-string(6), value[, structure
//   {scaler int8, unit enum}]};
// - Kamstrup (HAN-NVE interface description rev 3.1) and Swedish Kaifa: one flat structure of
//   OBIS, value pairs; Kamstrup's first element is its list identifier alone (OBIS 1.1.0.2.129.255
//   implied), and absent phases of a 1-phase meter are null-data pairs;
// - Norwegian Kaifa (list KFM_001): one flat structure of values only; the OBIS code of each comes
//   from its position in Kaifa's list (see kfm_001_list).

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mbus/core/result.hpp>
#include <mbus/han/cosem.hpp>
#include <mbus/han/errc.hpp>

namespace mbus::han {

struct obis {
    std::array<std::uint8_t, 6> code{};
    bool operator==(const obis&) const = default;
    std::string str() const; // "1.0.1.7.0.255"
    static std::optional<obis> parse(std::string_view text);
    static std::optional<obis> from_bytes(bytes_view six);
};
std::ostream& operator<<(std::ostream& os, const obis& o);

// scal_unit_type (Blue Book 4.3.2): value x 10^scaler in unit (the Blue Book's unit enumeration).
struct scaler_unit {
    std::int8_t scaler = 0;
    std::uint8_t unit = 255; // 255: count (no unit)
    bool operator==(const scaler_unit&) const = default;
};
// "W", "var", "Wh", "A", "V", ... for the units HAN lists use, else "unit N".
std::string unit_name(std::uint8_t unit);

enum class code_source : std::uint8_t {
    on_wire,         // the list carries the OBIS code
    list_identifier, // Kamstrup's leading list identifier: 1.1.0.2.129.255, not sent
    position,        // Norwegian Kaifa: from the KFM_001 list by position
    absent,          // a null-data pair (Kamstrup 1-phase): no code, no value
};

struct cosem_object {
    std::optional<obis> code; // nullopt only for code_source::absent
    code_source source = code_source::on_wire;
    data value;
    std::optional<scaler_unit> scaling; // as the list carries it (Aidon)
    bool operator==(const cosem_object&) const = default;

    // The value scaled by the carried scaler; the raw number when there is none; nullopt for non-numbers.
    std::optional<double> number() const;
    // Strings as text, octet strings of a clock (x.x.1.0.0.255) as ISO date-time, numbers scaled.
    std::string text() const;
};
std::ostream& operator<<(std::ostream& os, const cosem_object& o);

enum class body_layout : std::uint8_t {
    array_of_structures, // Aidon
    obis_value_pairs,    // Kamstrup, Swedish Kaifa
    positional,          // Norwegian Kaifa
};
const char* name_of(body_layout l) noexcept;

struct object_list {
    body_layout layout = body_layout::obis_value_pairs;
    std::vector<cosem_object> objects;
    bool operator==(const object_list&) const = default;

    const cosem_object* find(const obis& code) const;
    // The list identifier's text (1.x.0.2.129.255), e.g. "AIDON_V0001", "KFM_001", "Kamstrup_V0001".
    std::optional<std::string> list_identifier() const;
    // "Aidon", "Kaifa" or "Kamstrup" from the layout and list identifier; empty when unknown.
    std::string make() const;
};

// OBIS codes of Kaifa's Norwegian lists by position (Kaifa "KFM_001" HAN list, as tabulated in
// roarfred/AmsToMqttBridge Samples/Kaifa/obisdata.md and asserted in toreamun/amshan
// tests/test_kaifa.py): list 1 has 1 element, list 2 has 13 (3-phase) or 9 (1-phase), list 3 has
// 18 or 14. Empty span for another count.
std::span<const obis> kfm_001_list(std::size_t elements);

// The objects of a notification body; errc::bad_value when the body has none of the three layouts.
result<object_list> objects_of(const data& body);
// The body that carries `list`, laid out as its layout says: the inverse of objects_of.
data body_of(const object_list& list);

} // namespace mbus::han
