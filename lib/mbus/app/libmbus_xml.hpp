#pragma once
// The XML that libmbus 0.10.0's mbus_parse_hex prints (plain, and normalized with -n), byte for
// byte, so that a test harness can compare what our simulator sends with what a libmbus master
// shows its users. The bytes are ISO-8859-1 as libmbus writes them: text from the telegram is
// copied as it is, and libmbus's own degree and accent signs are UTF-8 because its sources are.
//
// libmbus renders CI 72 (variable data), CI 73 (fixed data) and CI 70 (application error, plain
// only); every other CI, and frames from master to slave, are errors there, and so here.

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/link/frame.hpp>

#include <string>

namespace mbus::app {

// What mbus_parse_hex prints: the XML on stdout, or the line it prints on stderr before exiting
// with status 1 (e.g. "mbus_frame_data_parse: Premature end of record at DIF.").
struct libmbus_output {
    std::string xml;
    std::string error;
    bool ok() const { return error.empty(); }
    friend bool operator==(const libmbus_output&, const libmbus_output&) = default;
};

// mbus_frame_data_parse then mbus_frame_data_xml (or mbus_frame_data_xml_normalized) for a frame
// that the link layer decoded.
libmbus_output to_libmbus_xml(const link::frame& f, bool normalized);

// The whole of mbus_parse_hex for the bytes of one frame, mbus_parse's own errors included
// ("mbus_parse: Invalid M-Bus frame length.", "mbus_parse: Unknown Control Code 0x..").
libmbus_output libmbus_parse_hex(bytes_view wire, bool normalized);

// The XML of user data that app::decode produced. Errors: unsupported_ci for what libmbus does
// not render (CI other than 70/72/73), no_xml for CI 70 normalized.
result<std::string> to_libmbus_xml(const user_data& ud, bool normalized);

} // namespace mbus::app
