#pragma once
// The IMST iM871A-USB as a reader sees it: HCI frames on a 57600 8N1 serial line, answered as the
// stick answers, and received telegrams pushed as RADIOLINK_MSG_WMBUSMSG_IND.
//
// Sources (the IMST "WMBus HCI" specification itself is not public; these are what readers check):
// - wmbusmeters src/wmbus_im871a.{h,cc} (GPL-3.0, read, not copied): message ids, the control field
//   bits (0x20 timestamp, 0x40 RSSI, 0x80 CRC, 0x10 reserved), the device info layout (module type,
//   device mode, firmware, HCI version, 32-bit id LSB first), the get/set configuration layouts with
//   their two "IIFlag" bitmaps, the indication (payload = the telegram without L; the reader puts
//   L = payload length back), the RSSI scale (toDBM, after the Si1002 data sheet's figure 7-3) and
//   the CRC check (CRC-16/X-25 over control field .. RSSI, LSB first).
// - Real stick captures in wmbusmeters issue #72: ping answered "A5 81 02 00 4C A3", set config
//   answered "A5 81 04 00 9C F7" (CRC flag set, empty payload).
// - The system status layout as an ioBroker wM-Bus adapter reads it: NVM status, then nine 32-bit
//   words (system tick, 2 reserved, TX frames, TX errors, RX frames, RX CRC errors, RX PHY errors,
//   reserved), LSB first.

#include <mbus/core/bytes.hpp>
#include <mbus/wmbus/air_mode.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <system_error>
#include <variant>
#include <vector>

namespace mbus::wmbus::im871a {

constexpr byte sof = 0xA5;
constexpr unsigned baud = 57600;

namespace endpoint {
constexpr byte devmgmt = 0x01;
constexpr byte radiolink = 0x02;
constexpr byte radiolink_test = 0x03;
constexpr byte hwtest = 0x04;
} // namespace endpoint

namespace devmgmt {
constexpr byte ping_req = 0x01, ping_rsp = 0x02;
constexpr byte set_config_req = 0x03, set_config_rsp = 0x04;
constexpr byte get_config_req = 0x05, get_config_rsp = 0x06;
constexpr byte reset_req = 0x07, reset_rsp = 0x08;
constexpr byte factory_reset_req = 0x09, factory_reset_rsp = 0x0A;
constexpr byte get_deviceinfo_req = 0x0F, get_deviceinfo_rsp = 0x10;
constexpr byte get_sysstatus_req = 0x11, get_sysstatus_rsp = 0x12;
} // namespace devmgmt

namespace radiolink {
constexpr byte wmbusmsg_ind = 0x03;
} // namespace radiolink

// Link modes as the HCI numbers them (wmbusmeters' LinkModeIM871A lists them in this order).
namespace link_mode {
constexpr byte s1 = 0, s1m = 1, s2 = 2, t1 = 3, t2 = 4, r2 = 5, c1a = 6, c1b = 7, c2a = 8, c2b = 9;
constexpr byte c1_t1 = 10; // "CT_N1A": C1 and T1 at once (firmware 0x14 and later)
} // namespace link_mode

struct hci_frame {
    byte endpoint{};
    byte msg_id{};
    bytes payload;
    std::optional<std::uint32_t> timestamp; // sent LSB first after the payload
    std::optional<byte> rssi;               // raw RSSI byte, after the timestamp
    bool crc{true};                         // the stick always appends one

    friend bool operator==(const hci_frame&, const hci_frame&) = default;
};
std::ostream& operator<<(std::ostream& os, const hci_frame& f);

// The HCI frame CRC: CRC-16/X.25 (core/crc.hpp) over control field to payload, sent low byte first.
std::uint16_t crc16_hci(bytes_view data) noexcept;

// The frame on the wire. An oversized payload (more than 255 bytes) is the caller's bug: truncated
// length would lie, so it is an error.
result<bytes> encode(const hci_frame& f);

// Bytes the parser skipped and why (receiver_errc): junk before A5, an impossible control field,
// a frame whose CRC does not match (dropped whole).
struct hci_junk {
    bytes raw;
    std::error_code error;
    friend bool operator==(const hci_junk&, const hci_junk&) = default;
};
using hci_event = std::variant<hci_frame, hci_junk>;

// Cuts a byte stream into HCI frames. Every input byte ends in exactly one event once enough bytes
// follow it; a partial frame waits for more (reset() drops it, e.g. after a long gap).
class hci_parser {
  public:
    std::vector<hci_event> put(bytes_view chunk);
    void reset() { buf_.clear(); }
    std::size_t pending() const noexcept { return buf_.size(); }

  private:
    bytes buf_;
};

// Factory identity: module type 0x33 is the iM871A (0x36 would be the iM170A).
struct device_info {
    byte module_type{0x33};
    byte device_mode{0x00};      // 0 = other (collector), 1 = meter
    byte firmware_version{0x15}; // wmbusmeters: 0x13 one mode at a time, 0x14/0x15 C1 and T1 together
    byte hci_version{0x17};      // wmbusmeters' note: firmware 0x14 speaks HCI 1.7
    std::uint32_t uid{0x12345678};
    friend bool operator==(const device_info&, const device_info&) = default;
};

// The configuration the get/set messages carry, field by field in their order on the wire.
struct config {
    byte device_mode{0x00};
    byte link_mode{link_mode::s2};
    byte c_field{0x44};
    std::uint16_t manufacturer{0x25B3}; // "IMS"
    std::uint32_t id{0x12345678};
    byte version{0x01};
    byte device_type{0x00};
    byte radio_channel{0x01};
    byte power_level{0x07};
    byte data_rate{0x00};
    byte rx_window{0x32};
    byte auto_power_saving{0x00};
    byte auto_rssi{0x00};
    byte auto_rx_timestamp{0x00};
    byte led_control{0x01};
    byte rtc_control{0x00};
    friend bool operator==(const config&, const config&) = default;
};

// The link mode a collector sets to hear every mode in `modes` (T1 alone: T1; C1 alone: C1b, as
// wmbusmeters sets it; both: C1/T1), or nullopt when no one mode hears them all (S1 with T1 or C1).
std::optional<byte> link_mode_hearing(const std::vector<air_mode>& modes);

// The configuration payload with both IIFlag bytes 0xFF (every field present), as GET_CONFIG_RSP.
bytes encode_config(const config& c);
// Applies a SET_CONFIG_REQ body from its IIFlag1 on (the NVM byte before it is the caller's).
result<config> apply_config(const config& base, bytes_view flags_and_fields);

// dBm -> the raw RSSI byte, inverse of wmbusmeters' toDBM (-100 dBm at 45, 0.5 dB per step,
// 0 dBm at 245 and above is clamped to 255).
byte rssi_byte(int dbm) noexcept;

// The stick: answers requests, remembers its configuration, counts what it received.
class device {
  public:
    device() : device(device_info{}, config{}) {}
    device(device_info info, config factory);

    // The answer to one request, or why the stick stays silent. tick_ms is the stick's clock
    // (milliseconds since power-up), used for the system status.
    result<hci_frame> on_request(const hci_frame& request, std::uint32_t tick_ms);

    // The indication for a received telegram (L first, CRCs removed; see delivered_telegram.hpp),
    // with RSSI and timestamp fields as the configuration enables them.
    result<hci_frame> indication(bytes_view telegram, int rssi_dbm, std::uint32_t tick_ms);

    // Whether the radio, as configured now, receives a meter transmitting in `m`: in device mode
    // "other" (a collector), S1 in S1, S1-m and S2; T1 in T1, T2 and C1/T1; C1 in C1a, C1b, C2a, C2b
    // and C1/T1 (C mode carries both frame formats). In "meter" mode it hears collectors only.
    bool hears(air_mode m) const noexcept;

    const config& active() const noexcept { return active_; }
    const device_info& info() const noexcept { return info_; }
    std::uint32_t received() const noexcept { return rx_frames_; }

  private:
    device_info info_;
    config factory_;
    config saved_;  // in NVM: what a reset brings back
    config active_; // what the radio uses now
    std::uint32_t rx_frames_{0};
};

} // namespace mbus::wmbus::im871a
