#include <mbus/wmbus/receiver_errc.hpp>
#include <mbus/wmbus/receiver_text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace mbus::wmbus {

namespace {
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

bool to_int(std::string_view s, int& out) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

bool flag(std::string_view s, bool& out) {
    if (s != "0" && s != "1") return false;
    out = s == "1";
    return true;
}

// "2019-02-09 07:14:18.000" in UTC.
bool parse_time(std::string_view s, std::chrono::system_clock::time_point& out) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
    if (s.size() != 23 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.')
        return false;
    if (!to_int(s.substr(0, 4), y) || !to_int(s.substr(5, 2), mo) || !to_int(s.substr(8, 2), d) ||
        !to_int(s.substr(11, 2), h) || !to_int(s.substr(14, 2), mi) || !to_int(s.substr(17, 2), sec) ||
        !to_int(s.substr(20, 3), ms))
        return false;
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(mo)},
                                          std::chrono::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return false;
    out = std::chrono::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
          std::chrono::seconds{sec} + std::chrono::milliseconds{ms};
    return true;
}

std::string format_time(std::chrono::system_clock::time_point t) {
    const auto ms = std::chrono::floor<std::chrono::milliseconds>(t);
    const auto days = std::chrono::floor<std::chrono::days>(ms);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{ms - days};
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                       hms.subseconds().count());
}

std::string lower_hex(bytes_view b) {
    std::string s;
    s.reserve(2 * b.size());
    for (byte x : b)
        s += fmt::format("{:02x}", x);
    return s;
}
} // namespace

result<std::string> rtlwmbus_line(bytes_view telegram, const rtlwmbus_fields& f) {
    if (telegram.size() < 8) return receiver_errc::telegram_length;
    return fmt::format("{};{};{};{};{};{};{:02x}{:02x}{:02x}{:02x};0x{}\n", f.mode, f.crc_ok ? 1 : 0,
                       f.three_of_six_ok ? 1 : 0, format_time(f.when), f.rssi, f.current_rssi, telegram[7],
                       telegram[6], telegram[5], telegram[4], lower_hex(telegram));
}

std::string hex_line(bytes_view telegram) { return to_hex(telegram, "") + "\n"; }

result<text_telegram> parse_text_line(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    text_telegram out;
    if (line.find(';') == std::string_view::npos) {
        const bool has_prefix = line.starts_with("0x") || line.starts_with("0X");
        if (has_prefix) line.remove_prefix(2);
        if (line.empty() || !std::all_of(line.begin(), line.end(),
                                         [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
            return receiver_errc::bad_line;
        auto b = from_hex(line);
        if (!b) return receiver_errc::bad_line;
        out.telegram = std::move(*b);
        return out;
    }
    const auto parts = split(line, ';');
    if (parts.size() != 8 || !parts[7].starts_with("0x")) return receiver_errc::bad_line;
    auto& f = out.fields;
    f.mode = std::string(parts[0]);
    if ((f.mode != "T1" && f.mode != "C1" && f.mode != "S1") || !flag(parts[1], f.crc_ok) ||
        !flag(parts[2], f.three_of_six_ok) || !parse_time(parts[3], f.when) || !to_int(parts[4], f.rssi) ||
        !to_int(parts[5], f.current_rssi))
        return receiver_errc::bad_line;
    auto b = from_hex(parts[7].substr(2));
    if (!b || b->size() < 8) return receiver_errc::bad_line;
    if (parts[6] != fmt::format("{:02x}{:02x}{:02x}{:02x}", (*b)[7], (*b)[6], (*b)[5], (*b)[4]))
        return receiver_errc::bad_line;
    out.telegram = std::move(*b);
    out.rtlwmbus = true;
    return out;
}

} // namespace mbus::wmbus
