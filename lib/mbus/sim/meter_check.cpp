#include <mbus/sim/meter_check.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/timing.hpp>

#include <chrono>
#include <set>

#include <fmt/format.h>

namespace mbus::sim {

namespace {

constexpr std::size_t max_records_size = link::max_long_l - 3 - 12; // C, A, CI and the long header

bool is_bcd(std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 4)
        if (((v >> shift) & 0xFU) > 9) return false;
    return true;
}

bool takes_rest(const app::record& r) {
    return r.dib.dif == app::special_dif::manufacturer_specific ||
           r.dib.dif == app::special_dif::more_records_follow;
}

} // namespace

std::vector<std::string> check(const meter_config& m) {
    std::vector<std::string> out;
    const auto who = m.name.empty() ? std::string("meter") : "meter '" + m.name + "'";
    if (m.primary_address > link::address::max_primary)
        out.push_back(fmt::format("{}: primary address {} is above 250", who, m.primary_address));
    if (!is_bcd(m.identity.id))
        out.push_back(fmt::format("{}: identification {:08X} is not 8 decimal digits", who, m.identity.id));
    if (m.fabrication_number && !is_bcd(*m.fabrication_number))
        out.push_back(
            fmt::format("{}: fabrication number {:08X} is not 8 decimal digits", who, *m.fabrication_number));
    bool known_rate = false;
    for (byte ci = 0xB8; ci <= 0xBF; ++ci)
        known_rate = known_rate || baud_for_ci(ci) == m.baud;
    if (!known_rate)
        out.push_back(fmt::format("{}: baud rate {} is not an M-Bus rate (300..38400)", who, m.baud));
    if (const auto& d = m.options.response_delay; d && d->min > d->max)
        out.push_back(
            fmt::format("{}: response delay {}us..{}us runs backwards", who, d->min.count(), d->max.count()));

    // Sources are tried once, at a wall time that date fields can hold.
    meter probe{m};
    const sim_now trial{time_point{}, wall_time{std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}}};
    const auto records = probe.records_at(trial);
    for (const auto& p : probe.problems())
        out.push_back(fmt::format("{}: {}", who, p));
    for (const auto& n : probe.notes())
        out.push_back(fmt::format("{}: {}", who, n));
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (encoded_size(records[i]) > max_records_size)
            out.push_back(fmt::format("{}: record {} is longer than a frame can carry", who, i + 1));
    }

    std::size_t telegrams = 0;
    if (!m.recorded.empty()) {
        telegrams = m.recorded.size();
        if (!m.pages.empty())
            out.push_back(fmt::format("{}: pages are given but telegrams are recorded", who));
    } else if (!m.pages.empty()) {
        telegrams = m.pages.size();
        std::set<std::size_t> seen;
        for (std::size_t p = 0; p < m.pages.size(); ++p) {
            const auto& page = m.pages[p];
            for (std::size_t k = 0; k < page.size(); ++k) {
                const auto i = page[k];
                if (i >= records.size()) {
                    out.push_back(
                        fmt::format("{}: page {} names record {}, which does not exist", who, p + 1, i + 1));
                    continue;
                }
                if (!seen.insert(i).second)
                    out.push_back(fmt::format("{}: record {} is on more than one page", who, i + 1));
                if (takes_rest(records[i]) && (k + 1 < page.size() || p + 1 < m.pages.size()))
                    out.push_back(
                        fmt::format("{}: record {} (DIF {:02X}) swallows what follows it on page {}", who,
                                    i + 1, records[i].dib.dif, p + 1));
            }
        }
        for (std::size_t i = 0; i < records.size(); ++i)
            if (!seen.contains(i)) out.push_back(fmt::format("{}: record {} is on no page", who, i + 1));
    } else {
        for (std::size_t i = 0; i + 1 < records.size(); ++i)
            if (takes_rest(records[i]))
                out.push_back(fmt::format("{}: record {} (DIF {:02X}) swallows the records after it", who,
                                          i + 1, records[i].dib.dif));
    }

    for (std::size_t r = 0; r < m.write_rules.size(); ++r) {
        const auto* k = std::get_if<std::size_t>(&m.write_rules[r].reply);
        if (k != nullptr && telegrams != 0 && *k >= telegrams)
            out.push_back(fmt::format("{}: write rule {} answers with telegram {} of {}", who, r + 1, *k + 1,
                                      telegrams));
    }
    return out;
}

} // namespace mbus::sim
