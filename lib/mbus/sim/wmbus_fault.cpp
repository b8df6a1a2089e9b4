#include <mbus/sim/wmbus_fault.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace mbus::sim {

std::string_view name(const wmbus_fault_action& a) { return alternative_name(a); }

std::optional<wmbus_fault_action> parse_wmbus_fault_kind(std::string_view text) {
    return parse_fault_kind<wmbus_fault_action>(text);
}

std::vector<std::size_t> crc_offsets(bytes_view air, wmbus::frame_format fmt) {
    std::vector<std::size_t> out;
    const auto size = air.size();
    if (size < wmbus::first_block_size + wmbus::crc_size) return out;
    if (fmt == wmbus::frame_format::b) {
        // Blocks 1 and 2 share one CRC; block 3 (frames past 128 bytes) has its own at the end.
        if (size > wmbus::block12_size_b + wmbus::crc_size) out.push_back(wmbus::block12_size_b);
        out.push_back(size - wmbus::crc_size);
        return out;
    }
    out.push_back(wmbus::first_block_size);
    std::size_t at = wmbus::first_block_size + wmbus::crc_size;
    while (at + wmbus::crc_size < size) {
        const auto n = std::min(wmbus::block_size_a, size - at - wmbus::crc_size);
        out.push_back(at + n);
        at += n + wmbus::crc_size;
    }
    return out;
}

std::size_t air_bytes_for(std::size_t n, wmbus::frame_format fmt) {
    if (fmt == wmbus::frame_format::b) return n <= wmbus::block12_size_b ? n : n + wmbus::crc_size;
    if (n <= wmbus::first_block_size) return n;
    const auto rest = n - wmbus::first_block_size;
    // The first block's CRC, and one after each whole 16 bytes before the last arrived byte.
    return n + wmbus::crc_size * (1 + (rest - 1) / wmbus::block_size_a);
}

std::pair<bytes, std::size_t> with_crc_error(bytes air, wmbus::frame_format fmt, std::size_t block) {
    const auto crcs = crc_offsets(air, fmt);
    if (crcs.empty()) return {std::move(air), 0};
    const auto k = std::clamp<std::size_t>(block, 1, crcs.size());
    // A data bit, not the CRC: what noise does; the CRC that covers it no longer matches.
    air[crcs[k - 1] - 1] ^= 0x01;
    return {std::move(air), k};
}

std::optional<bytes> wrong_key_of(const wmbus_fault_engine& engine, const std::vector<std::size_t>& fired,
                                  const wmbus_meter_config& c) {
    for (const auto i : fired)
        if (const auto* w = std::get_if<wmbus_faults::wrong_key>(&engine.faults()[i].action)) {
            if (!w->key.empty()) return w->key;
            bytes k = c.key.value_or(bytes(16, 0x00));
            for (auto& b : k)
                b = static_cast<byte>(~b);
            return k;
        }
    return std::nullopt;
}

wmbus_outcome apply_wmbus_faults(const wmbus_fault_engine& engine, const std::vector<std::size_t>& fired,
                                 const wmbus_meter_config& c, const wmbus_transmission& t) {
    wmbus_outcome out;
    out.air = t.air;
    out.plain = t.plain;
    out.sent_bytes = t.air.size();
    const auto line = [&](std::size_t i, std::string what) {
        out.injected.push_back(fmt::format("{} (fault '{}')", what, engine.faults()[i].name));
    };
    const auto each = [&]<class T>(auto&& fn) {
        for (const auto i : fired)
            if (const auto* a = std::get_if<T>(&engine.faults()[i].action)) fn(i, *a);
    };
    each.template operator()<wmbus_faults::wrong_key>([&](std::size_t i, const wmbus_faults::wrong_key&) {
        const auto k = wrong_key_of(engine, {i}, c).value_or(bytes{});
        line(i, fmt::format("access number {} encrypted ({}) with the wrong key {}", t.access_number,
                            c.mode7 ? "mode 7" : "mode 5", to_hex(k, "")));
    });
    each.template operator()<wmbus_faults::crc>([&](std::size_t i, const wmbus_faults::crc& e) {
        if (out.crc_block) return;
        auto [air, k] = with_crc_error(out.air, format_of(c.mode), e.block);
        if (k == 0) return;
        out.air = std::move(air);
        out.crc_block = k;
        // The bit is in the data: the telegram a receiver that ignored CRCs would hand over has it too
        // (the flipped byte less the CRCs before it).
        const auto at = crc_offsets(out.air, format_of(c.mode))[k - 1] - 1 - (k - 1) * wmbus::crc_size;
        if (at < out.plain.size()) out.plain[at] ^= 0x01;
        line(i, fmt::format("access number {}: CRC error in block {}", t.access_number, k));
    });
    each.template operator()<wmbus_faults::truncate>([&](std::size_t i, const wmbus_faults::truncate& tr) {
        const auto size = out.plain.size();
        const auto keep = tr.keep != 0
                              ? tr.keep
                              : static_cast<std::size_t>(std::floor(static_cast<double>(size) * tr.fraction));
        if (keep == 0 || keep >= size) return;
        out.plain.resize(keep); // L unchanged: it says more than arrived
        // What the receiver took in: those bytes and the CRCs between them, not the one after.
        out.air.resize(std::min(out.air.size(), air_bytes_for(keep, format_of(c.mode))));
        out.cut = keep;
        line(i, fmt::format("access number {}: reception cut off after {} of {} bytes", t.access_number, keep,
                            size));
    });
    each.template operator()<wmbus_faults::missing>([&](std::size_t i, const wmbus_faults::missing&) {
        out.sent = false;
        line(i, fmt::format("access number {} not sent", t.access_number));
    });
    each.template operator()<wmbus_faults::drift>([&](std::size_t i, const wmbus_faults::drift& d) {
        out.drift_ppm = out.drift_ppm.value_or(0) + d.ppm;
        line(i, fmt::format("clock {:+} ppm: the next transmission {}", d.ppm, d.ppm > 0 ? "early" : "late"));
    });
    each.template operator()<wmbus_faults::collision>([&](std::size_t i, const wmbus_faults::collision& col) {
        const auto other = engine.meter_index(col.with);
        if (!other) return;
        out.collide_with.emplace_back(*other, col.offset);
        line(i, fmt::format("access number {}: {} sends its next telegram {} ms after it starts",
                            t.access_number, col.with, static_cast<double>(col.offset.count()) / 1000.0));
    });
    return out;
}

duration time_on_air(wmbus_mode mode, std::size_t air_bytes) {
    struct phy {
        double chips_per_s;
        double chips_per_byte;
        double header_chips; // preamble and synchronisation word
    };
    constexpr double postamble = 2;
    const phy p = mode == wmbus_mode::t1   ? phy{100'000, 12, 19 * 2 + 10}
                  : mode == wmbus_mode::c1 ? phy{100'000, 8, 16 * 2 + 32}
                                           : phy{32'768, 16, 279 * 2 + 18};
    const auto chips = p.header_chips + p.chips_per_byte * static_cast<double>(air_bytes) + postamble;
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(chips / p.chips_per_s));
}

std::vector<bool> resolve_collisions(const std::vector<air_slot>& slots, double capture_db) {
    std::vector<bool> heard(slots.size(), true);
    for (std::size_t i = 0; i < slots.size(); ++i)
        for (std::size_t j = 0; j < slots.size(); ++j) {
            if (i == j) continue;
            const auto& a = slots[i];
            const auto& b = slots[j];
            const bool overlap = a.start < b.start + b.length && b.start < a.start + a.length;
            if (overlap && static_cast<double>(a.rssi_dbm - b.rssi_dbm) < capture_db) heard[i] = false;
        }
    return heard;
}

} // namespace mbus::sim
