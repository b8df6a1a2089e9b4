#pragma once
// EN 13757-3 application layer: the user data of an RSP_UD (or SND_UD) long frame, as values.
// This is the raw structure: every byte of the telegram has a place here, so that
// encode(decode(x)) == x for canonical telegrams. Meaning (quantities, units, scaled values) is
// derived from it by the functions in vif.hpp / value.hpp.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <variant>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/link/request_kind.hpp>

namespace mbus::app {

// CI field values (slave to master unless noted).
namespace ci {
inline constexpr byte data_send = 0x51;                 // master: SND_UD data
inline constexpr byte app_reset = 0x50;                 // master
inline constexpr byte select = link::ci_select;         // master: select by secondary address
inline constexpr byte select_msb = link::ci_select_msb; // master: the same, byte order reversed
inline constexpr byte baud_300 = 0xB8;                  // master: B8..BF switch baud rate
inline constexpr byte baud_38400 = 0xBF;
inline constexpr byte app_error = 0x70;
inline constexpr byte variable_long = 0x72; // 12-byte header
inline constexpr byte fixed = 0x73;
inline constexpr byte fixed_msb = 0x77;
inline constexpr byte variable_short = 0x7A; // 4-byte header
inline constexpr byte variable_none = 0x78;  // no header
} // namespace ci

// The 8 bytes that name a meter: identification number (8 BCD digits, held as their nibbles, so
// 0x12345678 is "12345678" and may hold F wildcards), manufacturer (packed three letters), version,
// medium. On the wire: id LSB first, manufacturer LSB first, version, medium.
struct secondary_address {
    std::uint32_t id{0};
    std::uint16_t manufacturer{0};
    std::uint8_t version{0};
    std::uint8_t medium{0};
    friend bool operator==(const secondary_address&, const secondary_address&) = default;
};

// CI 72 carries `address`; CI 7A does not.
struct header {
    std::optional<secondary_address> address;
    std::uint8_t access_number{0};
    std::uint8_t status{0};
    std::uint16_t signature{0}; // configuration word; on the wire LSB first
    friend bool operator==(const header&, const header&) = default;
};

// Data information block: DIF and its DIFE chain, as on the wire.
struct dib {
    std::uint8_t dif{0};
    std::vector<std::uint8_t> dife;
    friend bool operator==(const dib&, const dib&) = default;
};

// Value information block: VIF, the plain-text unit of VIF 7C/FC (its bytes as on the wire, after
// the length byte), and the VIFE chain.
struct vib {
    std::uint8_t vif{0};
    bytes plain_text;
    std::vector<std::uint8_t> vife;
    friend bool operator==(const vib&, const vib&) = default;
};

// One data record. Special DIFs: 0F and 1F (manufacturer-specific data to the end, 1F: more
// telegrams follow) hold the rest of the telegram in `data` and have no VIB; 2F (idle filler) has
// neither VIB nor data.
struct record {
    struct dib dib;
    std::optional<struct vib> vib;
    bytes data;
    friend bool operator==(const record&, const record&) = default;
};

struct variable_data {
    byte ci{ci::variable_long};
    struct header header;
    std::vector<record> records;
    friend bool operator==(const variable_data&, const variable_data&) = default;
};

// CI 73 / 77: fixed data structure (16 bytes).
struct fixed_data {
    byte ci{ci::fixed};
    std::uint32_t id{0}; // BCD nibbles as in secondary_address
    std::uint8_t access_number{0};
    std::uint8_t status{0};
    std::uint16_t medium_unit{0}; // the two medium/unit bytes, LSB first
    std::uint32_t counter1{0};
    std::uint32_t counter2{0};
    friend bool operator==(const fixed_data&, const fixed_data&) = default;
};

// CI 70: application error, with an optional status byte.
struct application_error {
    std::optional<std::uint8_t> status;
    friend bool operator==(const application_error&, const application_error&) = default;
};

// Any other CI: kept as bytes.
struct other_data {
    byte ci{0};
    bytes data;
    friend bool operator==(const other_data&, const other_data&) = default;
};

using user_data = std::variant<variable_data, fixed_data, application_error, other_data>;

std::ostream& operator<<(std::ostream& os, const secondary_address& a);
std::ostream& operator<<(std::ostream& os, const record& r);
std::ostream& operator<<(std::ostream& os, const header& h);
std::ostream& operator<<(std::ostream& os, const dib& d);
std::ostream& operator<<(std::ostream& os, const vib& v);
std::ostream& operator<<(std::ostream& os, const variable_data& v);
std::ostream& operator<<(std::ostream& os, const fixed_data& f);
std::ostream& operator<<(std::ostream& os, const application_error& e);
std::ostream& operator<<(std::ostream& os, const other_data& o);
std::ostream& operator<<(std::ostream& os, const user_data& u);

} // namespace mbus::app
