#pragma once
// What a readout of a configured meter must hold: the meter's identity in every CI 72 header, and
// its data records in the configured order with the configured DIF/DIFE and VIF/VIFE (values change
// with time, the fields do not). Works from the scenario loader's meter_config.

#include <mbus/app/record_spec.hpp>
#include <mbus/master/readout.hpp>
#include <mbus/sim/meter_config.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

namespace mbus::test {

inline bool is_data_record(const app::record& r) {
    const auto d = r.dib.dif;
    return d != 0x0F && d != 0x1F && d != 0x2F;
}

// The records a generating meter sends, in order (pages concatenated, else configuration order).
inline std::vector<std::size_t> record_order(const sim::meter_config& m) {
    std::vector<std::size_t> order;
    if (!m.pages.empty()) {
        for (const auto& page : m.pages)
            order.insert(order.end(), page.begin(), page.end());
    } else {
        for (std::size_t i = 0; i < m.records.size(); ++i)
            order.push_back(i);
    }
    return order;
}

// The DIB and VIB a configured record must arrive with (its data aside); nullopt when the spec
// cannot be encoded on its own value (the meter then sends a filler, which the check reports).
inline std::optional<app::record> expected_shape(const sim::record_config& rc) {
    if (const auto* raw = std::get_if<sim::raw_record>(&rc.content)) return raw->record;
    auto r = app::encode_record(std::get<sim::spec_record>(rc.content).spec);
    if (!r) return std::nullopt;
    return *r;
}

struct readout_counts {
    std::size_t telegrams{0};
    std::size_t records{0};
};

// Checks `r` against meter `m` (with `identity` as the meter now stands) and returns what it saw.
inline readout_counts check_readout(const master::readout& r, const sim::meter_config& m,
                                    const app::secondary_address& identity) {
    INFO("meter ", m.name, " at ", int(m.primary_address));
    readout_counts counts;
    CHECK_MESSAGE(!r.error, r.error.message());
    REQUIRE_FALSE(r.telegrams.empty());
    counts.telegrams = r.telegrams.size();
    if (!m.recorded.empty()) {
        // Replayed telegrams: as many as recorded, each decoding as its bytes say.
        CHECK(r.telegrams.size() == m.recorded.size());
        return counts;
    }
    std::vector<const app::record*> got;
    for (std::size_t i = 0; i < r.telegrams.size(); ++i) {
        const auto& t = r.telegrams[i];
        INFO("telegram ", i + 1, ": ", t);
        CHECK(t.frame.a == m.primary_address);
        REQUIRE(t.variable() != nullptr);
        const auto& v = *t.variable();
        CHECK(v.ci == app::ci::variable_long);
        CHECK(v.header.address == identity);
        CHECK(v.header.status == m.status);
        CHECK(t.more_follows() == (i + 1 < r.telegrams.size()));
        for (const auto& rec : v.records)
            if (is_data_record(rec)) got.push_back(&rec);
    }
    const auto order = record_order(m);
    REQUIRE(got.size() == order.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        const auto want = expected_shape(m.records[order[k]]);
        REQUIRE_MESSAGE(want, "record ", order[k], " of ", m.name, " cannot be encoded");
        INFO("record ", order[k], ": ", *got[k]);
        CHECK(got[k]->dib == want->dib);
        CHECK(got[k]->vib == want->vib);
        CHECK(got[k]->data.size() == want->data.size());
        CHECK(app::describe(*got[k]).has_value());
        ++counts.records;
    }
    return counts;
}

} // namespace mbus::test
