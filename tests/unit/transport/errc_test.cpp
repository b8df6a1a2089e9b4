// transport::errc: the errors of the transports that are no OS errors, and their messages.

#include "support/errc.hpp"

#include <mbus/transport/errc.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using transport::errc;

TEST_CASE("transport errc codes and messages") {
    test::check_errc<errc>("mbus.transport",
                           {
                               {errc::closed, "connection closed"},
                               {errc::unsupported_baud, "unsupported baud rate"},
                               {errc::not_a_tty, "not a serial device"},
                               {errc::link_in_the_way, "exists and is not a symbolic link"},
                               {errc::bad_endpoint, "not a host:port address"},
                               {errc::no_parity, "the device ignores parity"},
                           },
                           "unknown transport error");
}
