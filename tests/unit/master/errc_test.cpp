// master::errc: why a master call did not get what it asked for, and the messages the CLI prints.

#include "support/errc.hpp"

#include <mbus/master/errc.hpp>

#include <doctest/doctest.h>

using namespace mbus;
using master::errc;

TEST_CASE("master errc codes and messages") {
    test::check_errc<errc>(
        "mbus.master",
        {
            {errc::timeout, "no reply within the response window"},
            {errc::collision, "collision: garbled reply or more than one answer"},
            {errc::unexpected_reply, "reply of an unexpected kind"},
            {errc::too_many_telegrams, "multi-telegram readout exceeded the telegram limit"},
            {errc::invalid_argument, "invalid argument for the request"},
        },
        "unknown master error");
}

TEST_CASE("master errc timeout is not the generic timed_out") {
    // Callers tell "the meter was silent" from an OS timeout by the category.
    CHECK(std::error_code(errc::timeout) != std::errc::timed_out);
    CHECK(std::error_code(errc::invalid_argument) != std::errc::invalid_argument);
}
