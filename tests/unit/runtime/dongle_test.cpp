#include "support/async.hpp"

#include <mbus/runtime/dongle.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/errc.hpp>
#include <mbus/transport/memory_stream.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>

// GCC 12 mishandles temporaries that share a full expression with co_await: awaits stay in plain
// statements here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

using namespace mbus;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {
bytes hex(std::string_view s) { return from_hex(s).value(); }

// Reads until n bytes came or 2 s passed.
asio::awaitable<bytes> read_n(transport::byte_stream& s, std::size_t n) {
    bytes out;
    std::array<byte, 256> buf{};
    while (out.size() < n) {
        auto r = co_await transport::with_timeout(s.read_some(buf), 2s);
        if (!r || r->first) break;
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->second));
    }
    co_return out;
}

// A format A telegram with its block CRCs (see tests/unit/wmbus/delivered_telegram_test.cpp).
const bytes oms_with_crcs = hex("2E 44 93 15 78 56 34 12 33 03 33 63"
                                "7A 2A 00 20 25 59 23 C9 5A AA 26 D1 B2 E7 49 3B C2 AD"
                                "01 3E C4 A6 F6 D3 52 9B 52 0E DF F0 EA 6D EF C9 55 B2"
                                "9D 6D 69 EB F3 EC 8A");
} // namespace

TEST_CASE("dongle: requests split anywhere are answered whole, pushed telegrams never cut an answer") {
    asio::io_context io{1};
    auto [reader, stick] = transport::memory_stream::make_pair(io.get_executor(), "im871a");
    runtime::dongle d(
        io.get_executor(),
        runtime::make_dongle_device(runtime::dongle_kind::im871a, 0x12345678, {wmbus::air_mode::t1}), *stick);
    CHECK(d.listening() == "T1");
    std::error_code ended;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            ended = co_await d.serve();
            done = true;
        },
        asio::detached);

    mbus::test::run_async(
        io,
        [&]() -> asio::awaitable<void> {
            const auto part1 = hex("A5 01");
            const auto part2 = hex("01 00 A5 01 0F");
            const auto part3 = hex("00");
            co_await reader->write(part1);
            co_await transport::sleep_for(10ms);
            co_await reader->write(part2); // the ping complete, device info half
            const auto ping = co_await read_n(*reader, 6);
            CHECK(ping == hex("A5 81 02 00 4C A3"));

            // A telegram arrives while the reader is half way through its next request.
            const auto pushed = d.push(oms_with_crcs, -60, wmbus::air_mode::t1);
            CHECK(pushed.has_value());
            co_await reader->write(part3);
            // Indication: CRC flag + radiolink, WMBUSMSG_IND, 0x2E bytes (no RSSI: off by default), CRC.
            const auto ind = co_await read_n(*reader, 4 + 0x2E + 2);
            REQUIRE(ind.size() == 4 + 0x2E + 2);
            CHECK(bytes(ind.begin(), ind.begin() + 6) == hex("A5 82 03 2E 44 93"));
            const auto info = co_await read_n(*reader, 4 + 8 + 2);
            CHECK(bytes(info.begin(), info.begin() + 5) == hex("A5 81 10 08 33"));

            // A telegram with a block CRC error is not delivered, as a stick drops it.
            auto broken = oms_with_crcs;
            broken[20] ^= 0x10;
            CHECK(d.push(broken, -60, wmbus::air_mode::t1).error() == wmbus::receiver_errc::bad_crc);
            // Sent in C1 to a stick listening in T1: not heard.
            CHECK(d.push(oms_with_crcs, -60, wmbus::air_mode::c1).error() ==
                  wmbus::receiver_errc::not_listening);

            // A request the reader abandoned half way is dropped after a gap, not glued to the next.
            co_await reader->write(part1);
            co_await transport::sleep_for(700ms);
            const auto ping_req = hex("A5 01 01 00");
            co_await reader->write(ping_req);
            const auto ping2 = co_await read_n(*reader, 6);
            CHECK(ping2 == hex("A5 81 02 00 4C A3"));

            CHECK(d.stats().requests == 3);
            CHECK(d.stats().answers == 3);
            CHECK(d.stats().pushed == 1);
            CHECK(d.stats().junk == 2);
            d.stop();
            co_await transport::sleep_for(10ms);
        },
        std::chrono::seconds(20));
    CHECK(done);
    CHECK(ended == transport::errc::closed);
}

TEST_CASE("dongle: a reader's link mode decides which meters the stick hears") {
    asio::io_context io{1};
    auto [reader, stick] = transport::memory_stream::make_pair(io.get_executor(), "im871a");
    // A scenario of T1 and C1 meters: the stick starts in C1/T1 and hears both.
    runtime::dongle d(io.get_executor(),
                      runtime::make_dongle_device(runtime::dongle_kind::im871a, 1,
                                                  {wmbus::air_mode::t1, wmbus::air_mode::c1}),
                      *stick);
    CHECK(d.listening() == "C1/T1");
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { co_await d.serve(); }, asio::detached);
    mbus::test::run_async(
        io,
        [&]() -> asio::awaitable<void> {
            CHECK(d.push(oms_with_crcs, -60, wmbus::air_mode::c1).has_value());
            CHECK(d.push(oms_with_crcs, -60, wmbus::air_mode::t1).has_value());
            // wmbusmeters' set config for t1 (temporary, link mode 03, RSSI on, timestamp off).
            co_await reader->write(hex("A5 01 03 06 00 02 03 30 01 00"));
            co_await transport::sleep_for(20ms);
            CHECK(d.listening() == "T1");
            CHECK(d.push(oms_with_crcs, -60, wmbus::air_mode::t1).has_value());
            CHECK(d.push(oms_with_crcs, -60, wmbus::air_mode::c1).error() ==
                  wmbus::receiver_errc::not_listening);
            CHECK(d.stats().pushed == 3);
            d.stop();
            co_await transport::sleep_for(10ms);
        },
        std::chrono::seconds(20));

    // An AMB8465 for S1 meters starts in S2; S1 mixed with T1 cannot be heard at once: C2/T2-other.
    auto [r2, s2] = transport::memory_stream::make_pair(io.get_executor(), "amb8465");
    runtime::dongle amb(io.get_executor(),
                        runtime::make_dongle_device(runtime::dongle_kind::amb8465, 1, {wmbus::air_mode::s1}),
                        *s2);
    CHECK(amb.listening() == "S2");
    runtime::dongle mixed(io.get_executor(),
                          runtime::make_dongle_device(runtime::dongle_kind::amb8465, 1,
                                                      {wmbus::air_mode::s1, wmbus::air_mode::t1}),
                          *s2);
    CHECK(mixed.listening() == "C2/T2-other");
}

TEST_CASE("dongle names") {
    CHECK(runtime::name(runtime::dongle_kind::amb8465) == "amb8465");
    CHECK(runtime::dongle_from_name("im871a") == runtime::dongle_kind::im871a);
    CHECK_FALSE(runtime::dongle_from_name("cul").has_value());
}
