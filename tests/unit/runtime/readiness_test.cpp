// The readiness line: the stable contract between `mbus-sim run` and the scripts that wait for it.

#include <mbus/runtime/readiness.hpp>

#include <doctest/doctest.h>

using mbus::runtime::format_readiness;
using mbus::runtime::parse_readiness;
using mbus::runtime::readiness;

TEST_CASE("readiness line lists the transports then meters and scenario") {
    readiness r;
    r.pty = "/dev/pts/5";
    r.link = "/tmp/mbus0";
    r.tcp = "127.0.0.1:5000";
    r.meters = 1;
    r.scenario = "demo";
    CHECK(format_readiness(r) ==
          "ready pty=/dev/pts/5 link=/tmp/mbus0 tcp=127.0.0.1:5000 meters=1 scenario=demo");
    CHECK(parse_readiness(format_readiness(r)) == r);

    readiness tcp_only;
    tcp_only.tcp = "[::1]:40000";
    tcp_only.meters = 12;
    tcp_only.scenario = "plant";
    CHECK(format_readiness(tcp_only) == "ready tcp=[::1]:40000 meters=12 scenario=plant");
    CHECK(parse_readiness(format_readiness(tcp_only)) == tcp_only);
}

TEST_CASE("readiness values with spaces percent or equals signs survive a split on spaces") {
    readiness r;
    r.link = "/tmp/my link=1%";
    r.serial = "/dev/ttyUSB0";
    r.scenario = "two words";
    const auto line = format_readiness(r);
    CHECK(line == "ready link=/tmp/my%20link%3D1%25 serial=/dev/ttyUSB0 meters=0 scenario=two%20words");
    CHECK(parse_readiness(line) == r);
    CHECK(parse_readiness(line + "\n") == r);
}

TEST_CASE("readiness parsing skips unknown keys and rejects other lines") {
    const auto r = parse_readiness("ready pty=/dev/pts/1 color=blue meters=3 scenario=x");
    REQUIRE(r);
    CHECK(r->pty == "/dev/pts/1");
    CHECK(r->meters == 3);
    CHECK(r->scenario == "x");
    CHECK_FALSE(parse_readiness("readying pty=/dev/pts/1"));
    CHECK_FALSE(parse_readiness("error: cannot open"));
    CHECK_FALSE(parse_readiness("ready pty"));
    CHECK_FALSE(parse_readiness("ready meters=many"));
    CHECK_FALSE(parse_readiness("ready link=%2"));
    CHECK(parse_readiness("ready") == readiness{});
}

TEST_CASE("readiness line of wireless meters names the receiver last") {
    readiness r;
    r.pty = "/dev/pts/7";
    r.meters = 4;
    r.scenario = "stairwell";
    r.receiver = "im871a";
    CHECK(format_readiness(r) == "ready pty=/dev/pts/7 meters=4 scenario=stairwell receiver=im871a");
    CHECK(parse_readiness(format_readiness(r)) == r);
}
