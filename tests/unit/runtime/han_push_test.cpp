// runtime::han_port on in-memory streams: the meter's pushes reach every stream whole and in order,
// what a reader sends is dropped, a client that goes away leaves the others served, stop() ends it.

#include <doctest/doctest.h>

#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/runtime/han_push.hpp>
#include <mbus/transport/deadline.hpp>
#include <mbus/transport/memory_stream.hpp>

#include "support/async.hpp"

#include <boost/asio/io_context.hpp>

#include <array>
#include <iostream>

using namespace mbus;
using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST_CASE("han_port writes each push whole to every stream, paced, and ignores what readers send") {
    asio::io_context io{1};
    sim::han_meter_config c;
    c.name = "kaifa";
    c.identity = {sim::han_make::kaifa, sim::han_variant::no, 3, "6970631401753985", "MA304H3E", "KFM_001"};
    c.power = sim::constant{2000};
    std::vector<std::string> log;
    runtime::han_port port(io.get_executor(), {c}, [&](std::string l) { log.push_back(std::move(l)); });
    auto [a_ours, a_reader] = transport::memory_stream::make_pair(io.get_executor(), "a");
    auto [b_ours, b_reader] = transport::memory_stream::make_pair(io.get_executor(), "b");
    port.add(std::unique_ptr<transport::byte_stream>(std::move(a_ours)));
    port.add(std::unique_ptr<transport::byte_stream>(std::move(b_ours)));

    bytes on_a, on_b;
    duration first_frame{};
    test::run_async(
        io,
        [&]() -> asio::awaitable<void> {
            const bytes junk{0x10, 0x5B, 0xFE, 0x59, 0x16};
            CHECK_FALSE(co_await a_reader->write(junk));
            std::array<byte, 256> buf{};
            // Two pushes (2 s apart) on a; the first byte to the last of the first frame is paced.
            time_point started{};
            while (std::count(on_a.begin(), on_a.end(), han::hdlc_flag) < 4) {
                auto r = co_await transport::with_timeout(a_reader->read_some(buf), 5s);
                REQUIRE(r);
                REQUIRE_FALSE(r->first);
                if (on_a.empty()) started = clock::now();
                on_a.insert(on_a.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->second));
                if (first_frame == duration{} && std::count(on_a.begin(), on_a.end(), han::hdlc_flag) >= 2)
                    first_frame = clock::now() - started;
            }
            while (on_b.size() < on_a.size()) {
                auto r = co_await transport::with_timeout(b_reader->read_some(buf), 5s);
                REQUIRE(r);
                REQUIRE_FALSE(r->first);
                on_b.insert(on_b.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r->second));
            }
            port.stop();
        },
        std::chrono::seconds{15});

    CHECK(on_a == on_b);
    han::hdlc_splitter split;
    const auto events = split.feed(on_a);
    REQUIRE(events.size() == 2);
    for (const auto& ev : events) {
        const auto* good = std::get_if<han::hdlc_good_frame>(&ev);
        REQUIRE(good);
        const auto n = han::decode_notification(*han::strip_llc(good->frame.information));
        REQUIRE(n);
        const auto l = han::objects_of(n->body);
        REQUIRE(l);
        CHECK(l->find(*han::obis::parse("1.0.1.7.0.255"))->value.as_integer() == 2000);
    }
    CHECK(port.pushes() >= 2);
    REQUIRE_FALSE(log.empty());
    CHECK(log.front().starts_with("kaifa: list "));
    // A 41-byte list 1 at 2400 baud, 11 bits a character, takes 188 ms on the line.
    std::cout << "han_port: first frame (" << events.size() << " frames, " << on_a.size()
              << " bytes) arrived over " << std::chrono::duration<double, std::milli>(first_frame).count()
              << " ms; the line needs " << 41 * 11 * 1000.0 / 2400 << " ms for a list 1\n";
}
