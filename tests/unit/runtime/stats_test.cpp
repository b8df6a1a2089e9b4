// The counters of a run as the summary line shows them.

#include <doctest/doctest.h>

#include <mbus/runtime/stats.hpp>

#include <sstream>

using namespace mbus;

namespace {

std::string text(const runtime::stats& s) {
    std::ostringstream os;
    os << s;
    return os.str();
}

} // namespace

TEST_CASE("stats print requests junk sessions and bytes") {
    runtime::stats s;
    s.requests = 12;
    s.answered = 10;
    s.silent = 2;
    s.collisions = 1;
    s.junk = 3;
    s.junk_bytes = 17;
    s.sessions = 2;
    s.bytes_in = 210;
    s.bytes_out = 1520;
    CHECK(text(s) ==
          "12 requests (10 answered, 2 silent, 1 collisions), 3 junk (17 bytes), 2 sessions, 210 bytes "
          "in, 1520 bytes out");
}

TEST_CASE("stats name what only a misbehaving master causes when it happened") {
    runtime::stats s;
    s.dropped = 6;
    s.slow_closed = 1;
    s.idle_closed = 2;
    s.refused = 3;
    s.read_only = 4;
    s.write_errors = 5;
    CHECK(text(s) ==
          "0 requests (0 answered, 0 silent, 0 collisions), 0 junk (0 bytes), 0 sessions, 0 bytes in, "
          "0 bytes out, 5 write errors, 6 requests dropped (queue full), 1 sessions closed (not "
          "reading), 2 sessions closed (idle), 3 connections refused (cap), 4 writes refused "
          "(read-only)");
    CHECK(runtime::stats{} == runtime::stats{});
    CHECK_FALSE(s == runtime::stats{});
}
