// The scans' results as people read them.

#include <mbus/master/scan.hpp>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/core/bytes.hpp>

#include <fmt/format.h>

#include <chrono>
#include <ostream>

namespace mbus::master {

namespace {

double seconds(duration d) { return std::chrono::duration<double>(d).count(); }

} // namespace

std::ostream& operator<<(std::ostream& os, const address_found& a) {
    if (a.answer == presence::one) return os << fmt::format("address {:3}: one meter (E5)", a.address);
    return os << fmt::format("address {:3}: collision ({}: {})", a.address, name(a.kind), to_hex(a.raw));
}

std::ostream& operator<<(std::ostream& os, const primary_scan_result& r) {
    const auto collisions = r.collisions();
    os << fmt::format("primary scan: {} address{} answered ({} collision{}), {} addresses probed, {} frames "
                      "sent, {:.1f} s\n",
                      r.found.size(), r.found.size() == 1 ? "" : "es", collisions, collisions == 1 ? "" : "s",
                      r.addresses, r.frames_sent, seconds(r.elapsed));
    for (const auto& a : r.found)
        os << "  " << a << '\n';
    if (!r.complete) os << "  incomplete: " << r.stop_reason << '\n';
    return os;
}

std::ostream& operator<<(std::ostream& os, const meter_found& m) {
    os << fmt::format("{}  id {}  {}  version 0x{:02X}  medium 0x{:02X} ({})", secondary_string(m.address),
                      app::id_to_string(m.address.id), m.manufacturer(), m.address.version, m.address.medium,
                      app::medium_name(m.address.medium));
    if (m.primary) os << fmt::format("  primary {}", *m.primary);
    if (!m.identified) os << "  (identity not read back: the mask that selected it)";
    return os;
}

std::ostream& operator<<(std::ostream& os, const collision_met& c) {
    return os << fmt::format("collision at {} ({}: {})", secondary_string(c.mask), name(c.source),
                             name(c.kind));
}

std::ostream& operator<<(std::ostream& os, const secondary_scan_result& r) {
    os << fmt::format("secondary scan: {} meter{} found, {} collision{} met, {} unresolved, {} selects, {} "
                      "requests, {} frames sent, {:.1f} s\n",
                      r.meters.size(), r.meters.size() == 1 ? "" : "s", r.collisions.size(),
                      r.collisions.size() == 1 ? "" : "s", r.unresolved.size(), r.selects, r.requests,
                      r.frames_sent, seconds(r.elapsed));
    for (const auto& m : r.meters)
        os << "  " << m << '\n';
    for (const auto& u : r.unresolved)
        os << "  unresolved collision at " << secondary_string(u.mask) << ": " << u.reason << '\n';
    if (!r.complete) os << "  incomplete: " << r.stop_reason << '\n';
    return os;
}

} // namespace mbus::master
