#include <mbus/app/telegram.hpp>

#include <mbus/app/manufacturer.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::app {

namespace {
std::string hex_list(const std::vector<std::uint8_t>& v) { return to_hex(v); }
} // namespace

std::ostream& operator<<(std::ostream& os, const secondary_address& a) {
    return os << fmt::format("{:08X} {} ver={:02X} med={:02X}", a.id, manufacturer_letters(a.manufacturer),
                             a.version, a.medium);
}

std::ostream& operator<<(std::ostream& os, const header& h) {
    if (h.address) os << *h.address << ' ';
    return os << fmt::format("acc={:02X} st={:02X} sig={:04X}", h.access_number, h.status, h.signature);
}

std::ostream& operator<<(std::ostream& os, const dib& d) {
    os << fmt::format("DIF {:02X}", d.dif);
    if (!d.dife.empty()) os << " DIFE " << hex_list(d.dife);
    return os;
}

std::ostream& operator<<(std::ostream& os, const vib& v) {
    os << fmt::format("VIF {:02X}", v.vif);
    if (!v.plain_text.empty() || (v.vif & 0x7F) == 0x7C) os << " text [" << to_hex(v.plain_text) << ']';
    if (!v.vife.empty()) os << " VIFE " << hex_list(v.vife);
    return os;
}

std::ostream& operator<<(std::ostream& os, const record& r) {
    os << '{' << r.dib;
    if (r.vib) os << ' ' << *r.vib;
    if (!r.data.empty()) os << " data " << to_hex(r.data);
    return os << '}';
}

std::ostream& operator<<(std::ostream& os, const variable_data& v) {
    os << fmt::format("variable CI {:02X} ", v.ci) << v.header << " records " << v.records.size();
    for (const auto& r : v.records)
        os << ' ' << r;
    return os;
}

std::ostream& operator<<(std::ostream& os, const fixed_data& f) {
    return os << fmt::format("fixed CI {:02X} id={:08X} acc={:02X} st={:02X} mu={:04X} c1={:08X} c2={:08X}",
                             f.ci, f.id, f.access_number, f.status, f.medium_unit, f.counter1, f.counter2);
}

std::ostream& operator<<(std::ostream& os, const application_error& e) {
    os << "application error";
    if (e.status) os << fmt::format(" status={:02X}", *e.status);
    return os;
}

std::ostream& operator<<(std::ostream& os, const other_data& o) {
    return os << fmt::format("CI {:02X} data [", o.ci) << to_hex(o.data) << ']';
}

std::ostream& operator<<(std::ostream& os, const user_data& u) {
    std::visit([&os](const auto& x) { os << x; }, u);
    return os;
}

} // namespace mbus::app
