#include <doctest/doctest.h>

#include <mbus/core/hex_pairs.hpp>

#include <string>

using namespace mbus;

TEST_CASE("hex pairs put_hex writes to_hex's digits, at every length and for every byte") {
    bytes all(256);
    for (std::size_t b = 0; b < all.size(); ++b)
        all[b] = static_cast<byte>(b);
    for (std::size_t n = 0; n <= 9; ++n) {
        CAPTURE(n);
        const bytes_view data = bytes_view(all).subspan(250 - n, n);
        std::string out(2 * n + 1, '#');
        const char* end = put_hex(out.data(), data);
        CHECK(end == out.data() + 2 * n);
        CHECK(out == to_hex(data, "") + "#"); // nothing written past the digits
    }
    std::string every(512, ' ');
    CHECK(put_hex(every.data(), all) == every.data() + 512);
    CHECK(every == to_hex(all, ""));
    char one[2];
    CHECK(put_hex(one, byte{0xA7}) == one + 2);
    CHECK(std::string(one, 2) == "A7");
}
