// wmbus::receiver_errc: the codes of the receivers' protocols and their messages.

#include "support/errc.hpp"

#include <mbus/wmbus/receiver_errc.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using wmbus::receiver_errc;

TEST_CASE("receiver errc codes and messages") {
    test::check_errc<receiver_errc>(
        "mbus.wmbus.receiver",
        {
            {receiver_errc::junk, "bytes before a start of frame"},
            {receiver_errc::reserved_bit, "reserved bit set in the HCI control field"},
            {receiver_errc::unknown_endpoint, "unknown HCI endpoint"},
            {receiver_errc::bad_crc, "CRC mismatch (HCI frame or data link block)"},
            {receiver_errc::bad_checksum, "XOR checksum mismatch"},
            {receiver_errc::unknown_request, "request not supported by this device"},
            {receiver_errc::bad_parameters, "request parameters too short or out of range"},
            {receiver_errc::telegram_length, "telegram length does not fit its L field or the frame"},
            {receiver_errc::bad_line, "line is neither rtl_wmbus output nor hex"},
            {receiver_errc::not_listening,
             "the receiver does not listen in the mode the telegram was sent in"},
        },
        "unknown receiver error");
}
