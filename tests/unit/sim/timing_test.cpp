#include <doctest/doctest.h>

#include <mbus/sim/timing.hpp>

using namespace mbus::sim;

TEST_CASE("timing window follows EN 13757-2") {
    // 11 bit times to 330 bit times + 50 ms.
    CHECK(response_window(2400) == delay_range{microseconds{4584}, microseconds{187'500}});
    CHECK(response_window(300) == delay_range{microseconds{36'667}, microseconds{1'150'000}});
    CHECK(response_window(0) == response_window(2400));
}

TEST_CASE("timing delay stays in the wanted range inside the window") {
    const delay_range wanted{microseconds{10'000}, microseconds{20'000}};
    for (std::uint64_t r = 0; r < 200; r += 7) {
        const auto d = choose_delay(wanted, 2400, r * 0x9E3779B97F4A7C15ULL);
        CHECK(d >= wanted.min);
        CHECK(d <= wanted.max);
    }
    CHECK(choose_delay(wanted, 2400, 0) == wanted.min);
}

TEST_CASE("timing delay outside the window is moved to its nearer end") {
    const delay_range too_fast{microseconds{0}, microseconds{1'000}};
    CHECK(choose_delay(too_fast, 300, 12345) == response_window(300).min);
    const delay_range too_slow{microseconds{2'000'000}, microseconds{3'000'000}};
    CHECK(choose_delay(too_slow, 2400, 12345) == response_window(2400).max);
}

TEST_CASE("timing baud rates of CI B8 to BF") {
    CHECK(baud_for_ci(0xB8) == 300);
    CHECK(baud_for_ci(0xBB) == 2400);
    CHECK(baud_for_ci(0xBF) == 38400);
    CHECK(baud_for_ci(0xB7) == 0);
    CHECK(baud_for_ci(0x51) == 0);
}
