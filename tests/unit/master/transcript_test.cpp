// master/transcript: the kinds of transcript entries and how an entry prints.

#include <mbus/link/errc.hpp>
#include <mbus/master/transcript.hpp>

#include <doctest/doctest.h>

#include "support/printed.hpp"

using namespace mbus;
using mbus::test::printed;

TEST_CASE("transcript kinds have their names") {
    CHECK(master::name(master::transcript_kind::sent) == "sent");
    CHECK(master::name(master::transcript_kind::received) == "received");
    CHECK(master::name(master::transcript_kind::junk) == "junk");
    CHECK(master::name(master::transcript_kind::timeout) == "timeout");
    CHECK(master::name(master::transcript_kind::stale) == "stale");
}

TEST_CASE("a transcript entry prints its kind bytes frame error and attempt") {
    master::transcript_entry sent;
    sent.raw = {0x10, 0x40, 0x05, 0x45, 0x16}; // SND_NKE to 5: start, C, A, CS, stop
    sent.frame = link::frame::short_frame(0x40, 0x05);
    CHECK(printed(sent) == "sent 10 40 05 45 16 (SND_NKE a=5 fcb=0 fcv=0)");
    sent.attempt = 3;
    CHECK(printed(sent) == "sent 10 40 05 45 16 (SND_NKE a=5 fcb=0 fcv=0) attempt 3");

    master::transcript_entry junk;
    junk.kind = master::transcript_kind::junk;
    junk.raw = {0x10, 0x40, 0x05, 0x46, 0x16}; // CS one off
    junk.error = link::errc::bad_checksum;
    CHECK(printed(junk) == "junk 10 40 05 46 16 (" + junk.error.message() + ")");

    master::transcript_entry timeout;
    timeout.kind = master::transcript_kind::timeout;
    CHECK(printed(timeout) == "timeout");

    master::transcript_entry ack;
    ack.kind = master::transcript_kind::received;
    ack.raw = {0xE5};
    ack.frame = link::frame::ack();
    CHECK(printed(ack) == "received E5 (ACK)");
}
