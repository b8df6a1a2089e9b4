#pragma once
// Telegrams as text, for readers that take them on stdin or TCP:
// - rtl_wmbus's output line, as wmbusmeters' src/wmbus_rtlwmbus.cc reads it (its comment gives the
//   fields, its sample "C1;1;1;2019-02-09 07:14:18.000;117;102;94740459;0x4944..." the shape):
//   MODE;CRC_OK;3OUTOF6_OK;YYYY-MM-DD HH:MM:SS.mmm;PACKET_RSSI;CURRENT_RSSI;ID;0x<telegram, no CRCs>
//   where ID is the A field's identification number (bytes 4..7 of the telegram, last first). A
//   reader drops a line whose CRC_OK is 0 ("rtl_wmbus reports that CRC checks failed"), takes the
//   RSSI only when it has under 5 characters, and the timestamp from its first 19.
// - a plain hex line (wmbusmeters' stdin:hex): the telegram, L first, upper case, no separators.

#include <mbus/core/bytes.hpp>

#include <chrono>
#include <iosfwd>
#include <string>
#include <string_view>

namespace mbus::wmbus {

struct rtlwmbus_fields {
    std::string mode{"T1"}; // "T1", "C1" or "S1": the readers accept these
    bool crc_ok{true};      // false: what rtl_wmbus prints when a block CRC failed
    bool three_of_six_ok{true};
    std::chrono::system_clock::time_point when{};
    int rssi{0};         // PACKET_RSSI as the reader takes it (wmbusmeters: dBm)
    int current_rssi{0}; // CURRENT_RSSI, read by nobody we know
    friend bool operator==(const rtlwmbus_fields&, const rtlwmbus_fields&) = default;
};

// The line with its '\n'. The telegram is L first, without CRCs; it needs at least 8 bytes for the
// ID (receiver_errc::telegram_length otherwise). The time is printed in UTC.
result<std::string> rtlwmbus_line(bytes_view telegram, const rtlwmbus_fields& fields);

// The telegram in upper case hex with a '\n'.
std::string hex_line(bytes_view telegram);

struct text_telegram {
    bytes telegram;
    bool rtlwmbus{false};   // which form the line had
    rtlwmbus_fields fields; // for rtl_wmbus lines (when: to the millisecond)
    friend bool operator==(const text_telegram&, const text_telegram&) = default;
};
// Reads one line of either form (without or with its '\n'); anything else is receiver_errc::bad_line.
result<text_telegram> parse_text_line(std::string_view line);

} // namespace mbus::wmbus
