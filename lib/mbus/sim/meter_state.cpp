#include <mbus/app/dif.hpp>
#include <mbus/sim/meter_state.hpp>
#include <mbus/sim/timing.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::sim {

namespace {

// A record's field in one string of bytes: enough to tell whether the record a state names is still
// the one that was written.
bytes field_of(const app::record& r) {
    bytes out;
    // Reserved first: GCC 12 at -O3 warns (wrongly) about a one-byte vector that an insert grows.
    out.reserve(2 + r.dib.dife.size() + (r.vib ? r.vib->vife.size() + r.vib->plain_text.size() : 0));
    out.push_back(r.dib.dif);
    out.insert(out.end(), r.dib.dife.begin(), r.dib.dife.end());
    if (r.vib) {
        out.push_back(r.vib->vif);
        out.insert(out.end(), r.vib->vife.begin(), r.vib->vife.end());
        out.insert(out.end(), r.vib->plain_text.begin(), r.vib->plain_text.end());
    }
    return out;
}

bool switchable(unsigned baud) {
    for (unsigned ci = 0xB8; ci <= 0xBF; ++ci)
        if (baud_for_ci(static_cast<std::uint8_t>(ci)) == baud) return true;
    return false;
}

} // namespace

std::ostream& operator<<(std::ostream& os, const meter_state& s) {
    os << fmt::format("address {} id {:08X} manufacturer {:04X} version {:02X} medium {:02X} baud {}",
                      s.address, s.identity.id, s.identity.manufacturer, s.identity.version,
                      s.identity.medium, s.baud);
    for (const auto& w : s.written)
        os << fmt::format(" record {} <- {}", w.index, to_hex(w.data, ""));
    return os;
}

meter_state kept_state(const meter& m) {
    meter_state s{m.address(), m.identity(), m.baud(), {}};
    for (std::size_t i = 0; i < m.config().records.size(); ++i)
        if (const auto& w = m.written(i)) s.written.push_back({i, field_of(m.shape(i)), *w});
    return s;
}

std::optional<std::string> restore_problem(const meter& m, const meter_state& s) {
    if (s.address > 250) return fmt::format("primary address {} is not 0..250", s.address);
    if (!switchable(s.baud))
        return fmt::format("baud rate {} is none of 300..38400 a meter switches to", s.baud);
    const auto& records = m.config().records;
    for (const auto& w : s.written) {
        if (w.index >= records.size())
            return fmt::format("record {} was written, but the meter has {} records", w.index + 1,
                               records.size());
        if (!records[w.index].writable)
            return fmt::format("record {} was written but is not writable", w.index + 1);
        if (field_of(m.shape(w.index)) != w.field)
            return fmt::format("record {} was written as {} but is now {}", w.index + 1, to_hex(w.field, ""),
                               to_hex(field_of(m.shape(w.index)), ""));
        const auto size = app::coding_size(app::coding_of(m.shape(w.index).dib.dif));
        if (size ? w.data.size() != *size : w.data.size() > 255)
            return fmt::format("record {} holds {} bytes of data, its coding {}", w.index + 1, w.data.size(),
                               size ? std::to_string(*size) : std::string("at most 255"));
    }
    return std::nullopt;
}

std::optional<std::string> restore(meter& m, const meter_state& s) {
    if (auto problem = restore_problem(m, s)) return problem;
    m.set_address(s.address);
    m.set_identity(s.identity);
    m.set_baud(s.baud);
    for (const auto& w : s.written)
        (void)m.write(w.index, w.data);
    return std::nullopt;
}

} // namespace mbus::sim
