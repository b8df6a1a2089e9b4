// transport/stream_io: the write every stream uses (at once when the OS buffer has room, else wait
// for room), the read that takes bytes already there in place, and the mapping of Asio's end of file
// to errc::closed.

#include "support.hpp"

#include <mbus/transport/errc.hpp>
#include <mbus/transport/stream_io.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <thread>
#include <vector>

using namespace mbus;
using namespace mbus::test;

namespace {

asio::awaitable<std::pair<asio::ip::tcp::socket, asio::ip::tcp::socket>> socket_pair() {
    const auto ex = co_await asio::this_coro::executor;
    asio::ip::tcp::acceptor acceptor(ex, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket a(ex);
    a.connect(acceptor.local_endpoint());
    auto b = acceptor.accept();
    a.non_blocking(true);
    co_return std::pair{std::move(a), std::move(b)};
}

const bytes short_frame{0x10, 0x5B, 0x01, 0x5C, 0x16};

// A short frame written by `b` and read by `a` with read_some_in_place once it has crossed the loopback:
// whether the read was in place (a handler posted before it had not run yet). That handler runs before
// this returns.
asio::awaitable<bool> read_frame(asio::ip::tcp::socket& a, asio::ip::tcp::socket& b,
                                 transport::detail::in_place_reads& state) {
    std::array<byte, 64> buf{};
    asio::write(b, asio::buffer(short_frame));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    bool other_ran = false;
    asio::post(a.get_executor(), [&other_ran] { other_ran = true; });
    const auto [ec, n] = co_await transport::detail::read_some_in_place(a, buf, state);
    CHECK_FALSE(ec);
    CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) == short_frame);
    const bool in_place = !other_ran;
    co_await transport::sleep_for(0ms);
    co_return in_place;
}

} // namespace

TEST_CASE("stream io to_std maps end of file to closed and keeps other codes") {
    CHECK(transport::detail::to_std(asio::error::eof) == transport::errc::closed);
    CHECK(transport::detail::to_std(asio::error::connection_reset) == std::errc::connection_reset);
    CHECK_FALSE(transport::detail::to_std({}));
}

TEST_CASE("stream io write_all writes more than the socket buffer holds") {
    run_async([]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto pair = co_await socket_pair();
        auto& a = pair.first; // named: clang 14 lets no lambda capture a structured binding
        auto& b = pair.second;
        a.set_option(asio::socket_base::send_buffer_size(4096));
        bytes big(1 << 20);
        for (std::size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<byte>(i * 7);
        bytes got(big.size());
        auto reader = [&]() -> asio::awaitable<std::size_t> {
            auto [ec, n] =
                co_await asio::async_read(b, asio::buffer(got), asio::as_tuple(asio::use_awaitable));
            CHECK_FALSE(ec);
            co_return n;
        };
        auto [ec, n] = co_await (transport::detail::write_all(a, big) && reader());
        CHECK_FALSE(ec);
        CHECK(n == big.size());
        CHECK(got == big);
    });
}

TEST_CASE("stream io write_all of nothing and to a closed peer") {
    run_async([]() -> asio::awaitable<void> {
        auto [a, b] = co_await socket_pair();
        const auto got1 = co_await transport::detail::write_all(a, bytes{});
        CHECK_FALSE(got1);
        b.close();
        // The first writes may still land in the buffer; within a few the reset comes back.
        std::error_code ec;
        for (int i = 0; i < 100 && !ec; ++i) {
            ec = co_await transport::detail::write_all(a, bytes(4096, 0xE5));
            if (!ec) co_await transport::sleep_for(1ms);
        }
        CHECK((ec == std::errc::broken_pipe || ec == std::errc::connection_reset));
    });
}

TEST_CASE("stream io read_some_in_place takes bytes already there without a trip through the io_context") {
    run_async([]() -> asio::awaitable<void> {
        auto [a, b] = co_await socket_pair();
        transport::detail::in_place_reads state;
        std::array<byte, 64> buf{};
        const auto& req = short_frame;
        for (int i = 0; i < 16; ++i) {
            const bool in_place = co_await read_frame(a, b, state);
            CHECK(in_place);
            CHECK(state.streak == static_cast<unsigned>(i + 1));
        }
        // The 17th in a row goes through the io_context: the others get their turn.
        asio::write(b, asio::buffer(req));
        bool other_ran = false;
        asio::post(a.get_executor(), [&] { other_ran = true; });
        const auto [ec, n] = co_await transport::detail::read_some_in_place(a, buf, state);
        CHECK_FALSE(ec);
        CHECK(n == req.size());
        CHECK(other_ran);
        CHECK(state.streak == 0);
    });
}

TEST_CASE("stream io read_some_in_place waits when nothing is there; the peer's close ends it") {
    run_async([]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        auto pair = co_await socket_pair();
        auto& a = pair.first; // named: clang 14 lets no lambda capture a structured binding
        auto& b = pair.second;
        transport::detail::in_place_reads state;
        std::array<byte, 64> buf{};
        const bytes late{0x10, 0x40, 0x02, 0x42, 0x16};
        auto writer = [&]() -> asio::awaitable<void> {
            co_await transport::sleep_for(20ms);
            asio::write(b, asio::buffer(late));
        };
        const auto r = co_await (transport::detail::read_some_in_place(a, buf, state) && writer());
        CHECK_FALSE(r.first);
        CHECK(bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.second)) == late);
        CHECK(state.misses == 1); // the next reads wait at once, until every 8th tries first again
        CHECK(state.streak == 0);
        // The peer's close ends the next read with errc::closed.
        b.close();
        const auto [ec, n] = co_await transport::detail::read_some_in_place(a, buf, state);
        CHECK(ec == transport::errc::closed);
        CHECK(n == 0);
    });
}

TEST_CASE("stream io tries_in_place: at once after a hit, then ever more rarely while reads miss") {
    std::vector<unsigned> tried;
    for (unsigned m = 0; m <= 320; ++m)
        if (transport::detail::tries_in_place(m)) tried.push_back(m);
    CHECK(tried == std::vector<unsigned>{0, 8, 16, 32, 64, 128, 192, 256, 320});
}

TEST_CASE("stream io read_some_in_place after a run of misses reads through the io_context between tries") {
    run_async([]() -> asio::awaitable<void> {
        auto pair = co_await socket_pair();
        auto& a = pair.first; // named, not bound: clang 14 lets no lambda capture a structured binding
        auto& b = pair.second;
        transport::detail::in_place_reads state;
        // Bytes already there, after `misses` reads that were not in place: read in place or not.
        const auto read_after = [&](unsigned misses) -> asio::awaitable<bool> {
            state.misses = misses;
            co_return co_await read_frame(a, b, state);
        };
        const bool at_40 = co_await read_after(40);
        CHECK_FALSE(at_40);
        CHECK(state.misses == 41); // still counting
        const bool at_64 = co_await read_after(64);
        CHECK(at_64);
        CHECK(state.misses == 0); // a hit: the next read tries first again
        const bool at_65 = co_await read_after(65);
        CHECK_FALSE(at_65);
    });
}

TEST_CASE("stream io read_some_in_place on a socket closed here ends with closed") {
    run_async([]() -> asio::awaitable<void> {
        auto [a, b] = co_await socket_pair();
        (void)b;
        transport::detail::in_place_reads state;
        std::array<byte, 8> buf{};
        a.close();
        const auto [ec, n] = co_await transport::detail::read_some_in_place(a, buf, state);
        CHECK(ec == transport::errc::closed);
        CHECK(n == 0);
    });
}
