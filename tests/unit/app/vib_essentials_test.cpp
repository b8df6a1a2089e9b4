#include <doctest/doctest.h>

#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/vib_essentials.hpp>
#include <mbus/app/vif.hpp>
#include <mbus/core/bytes.hpp>

#include <vector>

using namespace mbus;
using namespace mbus::app;

TEST_CASE("read_vib: describe_vib's numbers for every code of the three tables, with and without VIFEs") {
    // Every VIF, every FD/FB code, each alone and followed by VIFEs that change the numbers
    // (per hour, 10^-3, +10^-1, a count, a duration, "date of", 7C with its extension, 7F then a
    // manufacturer code).
    const std::vector<bytes> tails{{},           {0x22},       {0x73},       {0x7D},
                                   {0x7A},       {0x41},       {0x52},       {0x6A},
                                   {0x7C, 0x01}, {0x7F, 0x22}, {0xA2, 0x73}, {0xFC, 0x81, 0x7D}};
    std::size_t compared = 0;
    for (unsigned vif = 0; vif < 256; ++vif) {
        const bool table = vif == 0xFD || vif == 0xFB;
        for (unsigned first = 0; first < (table ? 128U : 1U); ++first) {
            for (const auto& tail : tails) {
                bytes vife;
                if (table) vife.push_back(static_cast<byte>(first | (tail.empty() ? 0 : 0x80)));
                for (std::size_t i = 0; i < tail.size(); ++i)
                    vife.push_back(static_cast<byte>((tail[i] & 0x7F) | (i + 1 < tail.size() ? 0x80 : 0)));
                CAPTURE(vif);
                CAPTURE(mbus::to_hex(vife));
                const auto m = describe_vib(static_cast<byte>(vif), {}, vife);
                vib_essentials e;
                const auto error = read_vib(static_cast<byte>(vif), vife, e);
                REQUIRE(static_cast<bool>(m) == !error);
                ++compared;
                if (!m) continue;
                CHECK(e.code == m->code);
                CHECK(e.q == m->q);
                CHECK(e.u == m->u);
                CHECK(e.exponent == m->exponent);
                CHECK(e.has_additive == m->additive_exponent.has_value());
                CHECK(e.additive_exponent == m->additive_exponent.value_or(0));
                CHECK(e.time_point == m->time_point);
                CHECK(read_vib(static_cast<byte>(vif), vife).value() == e);
            }
        }
    }
    CHECK(compared == (254 + 2 * 128) * tails.size());
}
