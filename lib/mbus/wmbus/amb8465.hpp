#pragma once
// The Amber (Würth Elektronik) AMB8465-M wM-Bus USB stick as a reader sees it: commands framed
// FF, command, length, payload, XOR checksum on a 9600 8N1 line; answers with command | 0x80;
// received telegrams either in command mode (CMD_DATA_IND, FF 03 ...) or transparently (L field and
// data as they came off the air), each with an RSSI byte when enabled.
//
// Sources (the AMB8465-M reference manual itself was not at hand; what readers check was):
// - wmbusmeters src/wmbus_amb8465.{h,cc} (GPL-3.0, read, not copied): command codes, the XOR
//   checksum over every byte before it, CMD_GET_REQ "FF 0A 02 00 80 77", the 0x80 answer bit, the
//   serial number as 4 bytes MSB first, CMD_SET_MODE_REQ, both telegram forms and the RSSI scale
//   (dBm = signed byte / 2 - 74), and the parameter positions it decodes (5 UART_CMD_Out_Enable,
//   48 B1_ADD_DISABLE, 49 C field, 50.. id, 69 RSSI enable).
// - The parameter memory a real AMB8465 returned to that CMD_GET_REQ, quoted in wmbusmeters'
//   detectAMB8465AMB3665: 0x78 bytes although 0x80 were asked. It is our factory memory.
// - Unchecked: MBUS_Mode_Preselect at position 70 (the value there, 03, is S2, a plausible default),
//   the 3-byte firmware version answer and the 1-byte status of the set and reset answers.

#include <mbus/core/bytes.hpp>
#include <mbus/wmbus/air_mode.hpp>

#include <array>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <system_error>
#include <variant>
#include <vector>

namespace mbus::wmbus::amb8465 {

constexpr byte sof = 0xFF;
constexpr unsigned baud = 9600;
constexpr byte answer_bit = 0x80;

namespace cmd {
constexpr byte data_req = 0x00;
constexpr byte data_ind = 0x03;
constexpr byte set_mode_req = 0x04;
constexpr byte reset_req = 0x05;
constexpr byte set_req = 0x09;
constexpr byte get_req = 0x0A;
constexpr byte serialno_req = 0x0B;
constexpr byte fwv_req = 0x0C;
constexpr byte rssi_req = 0x0D;
constexpr byte factoryreset_req = 0x11;
} // namespace cmd

// Positions in the non-volatile parameter memory.
namespace param {
constexpr std::size_t uart_cmd_out_enable = 5;
constexpr std::size_t c_field = 49;
constexpr std::size_t rssi_enable = 69;
constexpr std::size_t mode_preselect = 70;
constexpr std::size_t memory_size = 0x78;
} // namespace param

// Receive modes (wmbusmeters' LinkModeAMB): what a collector listens with.
namespace mode {
constexpr byte s2 = 0x03, t2_other = 0x08, c2_t2_other = 0x09, c2_other = 0x0E;
} // namespace mode

// The mode a collector sets to hear every mode in `modes` (as wmbusmeters sets them: S2, T2-other,
// C2-other, C2/T2-other), or nullopt when no one mode hears them all (S1 with T1 or C1).
std::optional<byte> mode_hearing(const std::vector<air_mode>& modes);

struct command {
    byte code{};
    bytes payload;
    friend bool operator==(const command&, const command&) = default;
};
std::ostream& operator<<(std::ostream& os, const command& c);

byte xor_checksum(bytes_view data) noexcept;
// FF, code, length, payload, checksum; a payload over 255 bytes is an error.
result<bytes> encode(const command& c);

struct junk {
    bytes raw;
    std::error_code error; // receiver_errc::junk or bad_checksum
    friend bool operator==(const junk&, const junk&) = default;
};
using event = std::variant<command, junk>;

// Cuts what a reader writes into commands; bytes before FF and commands with a wrong checksum
// become junk events. A partial command waits for more (reset() drops it).
class parser {
  public:
    std::vector<event> put(bytes_view chunk);
    void reset() { buf_.clear(); }
    std::size_t pending() const noexcept { return buf_.size(); }

  private:
    bytes buf_;
};

using memory = std::array<byte, param::memory_size>;
// The parameter memory of a real AMB8465 (see above): transparent mode, RSSI off, C field 44.
memory factory_memory() noexcept;

// dBm -> the RSSI byte, inverse of wmbusmeters' (signed byte / 2 - 74), clamped to a signed byte.
byte rssi_byte(int dbm) noexcept;

class device {
  public:
    device() : device(factory_memory(), 0x12345678) {}
    device(const memory& m, std::uint32_t serial);

    // The answer to one command, or why the stick stays silent.
    result<command> on_request(const command& request);

    // A received telegram (L first, CRCs removed) as the stick writes it: CMD_DATA_IND in command
    // mode, else L and data; the RSSI byte follows the data when enabled.
    result<bytes> indication(bytes_view telegram, int rssi_dbm);

    // Whether the radio, in its mode now, receives a meter transmitting in `m`: S1 in S2, T1 in
    // T2-other, C1 in C2-other, T1 and C1 in C2/T2-other. The meter-side modes (S1, T1-meter,
    // C1-meter: send only; T2-meter, C2-meter: they hear collectors) hear no meter.
    bool hears(air_mode m) const noexcept;

    const memory& parameters() const noexcept { return nvm_; }
    byte receive_mode() const noexcept { return mode_; }

  private:
    memory factory_;
    memory nvm_;
    std::uint32_t serial_;
    byte mode_;
    byte last_rssi_{0};
};

} // namespace mbus::wmbus::amb8465
