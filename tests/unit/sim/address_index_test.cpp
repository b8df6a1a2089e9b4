// The address index answers from its sorted tables what a walk over every meter with app::matches
// answers: the same meters for every mask (random masks with a fixed seed, wildcards in every
// field), at every primary address, before and after meters change address, identity and selection.

#include <doctest/doctest.h>

#include <mbus/app/secondary_address.hpp>
#include <mbus/sim/address_index.hpp>
#include <mbus/sim/slave.hpp>

#include "sim_support.hpp"

#include <algorithm>
#include <random>
#include <span>
#include <vector>

using namespace mbus;
using namespace mbus::sim;
using namespace mbus::sim::test;

namespace {

using slave_index = address_index::slave_index;

std::uint32_t random_bcd(std::mt19937_64& rng) {
    std::uint32_t id = 0;
    for (int k = 0; k < 8; ++k)
        id = id << 4 | static_cast<std::uint32_t>(rng() % 10);
    return id;
}

// Meters whose IDs share leading digits in runs (as `repeat` makes them), with a few duplicates,
// two manufacturers, versions and media, some with a fabrication number, some lenient about wildcards.
std::vector<slave> many_meters(std::size_t n, std::mt19937_64& rng) {
    std::vector<slave> out;
    out.reserve(n);
    std::uint32_t base = 0x10000000;
    for (std::size_t i = 0; i < n; ++i) {
        auto m = water_meter();
        if (i % 100 == 0) base = random_bcd(rng) & 0xFFFFF000;
        m.identity.id =
            i % 37 == 0 ? 0x12345678 : base | static_cast<std::uint32_t>((i % 10) | (i / 10 % 10) << 4);
        m.identity.manufacturer = rng() % 2 == 0 ? 0x2C2D : 0x4024;
        m.identity.version = static_cast<std::uint8_t>(rng() % 3);
        m.identity.medium = rng() % 2 == 0 ? 0x07 : 0x04;
        m.primary_address = static_cast<byte>(rng() % 6);
        if (rng() % 5 == 0) m.fabrication_number = random_bcd(rng);
        if (rng() % 4 == 0) m.options.wildcards = app::wildcard_style::nibbles_everywhere;
        out.emplace_back(std::move(m));
    }
    return out;
}

// A mask built from one of the meters: each field kept, opened (F nibbles, FF, FFFF) or changed.
app::select_mask random_mask(const std::vector<slave>& meters, std::mt19937_64& rng) {
    const auto& who = meters[rng() % meters.size()].app();
    app::select_mask m{who.identity(), std::nullopt};
    const auto style = rng() % 4;
    for (std::size_t pos = 0; pos < app::id_nibbles; ++pos) {
        const bool open = style == 0   ? pos >= 3 + rng() % 5 // a scan: leading digits fixed
                          : style == 1 ? rng() % 3 == 0       // F anywhere
                          : style == 2 ? pos < 2 + rng() % 4  // leading F: no range helps
                                       : false;               // the exact ID
        if (open) m.address = app::with_nibble(m.address, pos, app::wildcard_nibble);
    }
    if (rng() % 7 == 0) m.address.id = random_bcd(rng);
    if (rng() % 3 == 0) m.address.manufacturer = 0xFFFF;
    if (rng() % 3 == 0) m.address.version = 0xFF;
    if (rng() % 3 == 0) m.address.medium = rng() % 2 == 0 ? 0xFF : 0x0F; // 0F: a nibble wildcard
    if (rng() % 4 == 0) m.fabrication = rng() % 2 == 0 ? 0xFFFFFFFF : random_bcd(rng);
    return m;
}

std::vector<slave_index> matching_linear(const app::select_mask& mask, const std::vector<slave>& meters) {
    std::vector<slave_index> out;
    for (std::size_t i = 0; i < meters.size(); ++i) {
        const auto& m = meters[i].app();
        if (app::matches(mask, m.identity(), m.config().fabrication_number, m.config().options.wildcards))
            out.push_back(static_cast<slave_index>(i));
    }
    return out;
}

std::vector<slave_index> at_linear(byte a, const std::vector<slave>& meters) {
    std::vector<slave_index> out;
    for (std::size_t i = 0; i < meters.size(); ++i)
        if (meters[i].address() == a) out.push_back(static_cast<slave_index>(i));
    return out;
}

std::vector<slave_index> selected_linear(const std::vector<slave>& meters) {
    std::vector<slave_index> out;
    for (std::size_t i = 0; i < meters.size(); ++i)
        if (meters[i].selected()) out.push_back(static_cast<slave_index>(i));
    return out;
}

// Checks `masks` random masks and every address against the walk over all meters.
void check_against_linear(address_index& index, const std::vector<slave>& meters, std::mt19937_64& rng,
                          int masks) {
    std::size_t selecting = 0;
    for (int k = 0; k < masks; ++k) {
        const auto mask = random_mask(meters, rng);
        std::vector<slave_index> found{7}; // matching() appends
        index.matching(mask, meters, found);
        found.erase(found.begin());
        const auto want = matching_linear(mask, meters);
        INFO(mask);
        CHECK(found == want);
        if (!want.empty()) ++selecting;
    }
    CHECK(selecting > static_cast<std::size_t>(masks) / 4); // the masks are not all misses
    for (unsigned a = 0; a < 256; ++a)
        CHECK(index.at(static_cast<byte>(a)) == at_linear(static_cast<byte>(a), meters));
    CHECK(index.selected() == selected_linear(meters));
}

} // namespace

TEST_CASE("address index selects exactly the meters app matches selects") {
    std::mt19937_64 rng(20261);
    auto meters = many_meters(3000, rng);
    address_index index;
    for (std::size_t i = 0; i < meters.size(); ++i)
        index.add(std::span<const slave>(meters).first(i + 1)); // as the bus adds them, one by one
    CHECK(index.size() == meters.size());
    check_against_linear(index, meters, rng, 400);

    address_index rebuilt;
    rebuilt.rebuild(meters);
    check_against_linear(rebuilt, meters, rng, 100);
}

TEST_CASE("address index follows address identity and selection changes") {
    std::mt19937_64 rng(7);
    auto meters = many_meters(2000, rng);
    address_index index;
    index.rebuild(meters);

    // A few at a time (filed one by one), then many at once (filed anew), as the bus reports them.
    for (const std::size_t batch : {std::size_t{1}, std::size_t{5}, std::size_t{30}, std::size_t{500}}) {
        std::vector<slave_index> changed;
        for (std::size_t k = 0; k < batch; ++k) {
            const auto i = static_cast<slave_index>(rng() % meters.size());
            auto& s = meters[i];
            switch (rng() % 3) {
            case 0: s.app().set_address(static_cast<byte>(rng() % 251)); break;
            case 1: {
                auto id = s.app().identity();
                id.id = random_bcd(rng);
                s.app().set_identity(id);
                break;
            }
            default: {
                // Selected by its own ID, through the slave as a master would do it.
                const auto data = app::encode_select(app::ci::select, {s.app().identity(), std::nullopt});
                CHECK(s.on_frame(snd_ud(0xFD, 0x52, data), {}).is_ack());
            }
            }
            changed.push_back(i);
            changed.push_back(i); // told twice: no harm
        }
        index.refresh(changed, meters);
        INFO("batch of " << batch);
        check_against_linear(index, meters, rng, 150);
    }

    // A slave the index was not told about is found where it was filed until a refresh covers it.
    auto& s = meters[3];
    const byte before = s.address();
    s.app().set_address(static_cast<byte>(before == 200 ? 201 : 200));
    const auto& old = index.at(before);
    CHECK(std::find(old.begin(), old.end(), 3U) != old.end());
    const std::vector<slave_index> three{3};
    index.refresh(three, meters);
    check_against_linear(index, meters, rng, 20);
}
