#include <mbus/runtime/readiness.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ostream>

namespace mbus::runtime {

namespace {

std::string escape(std::string_view v) {
    std::string out;
    for (const char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F || c == '%' || c == '=')
            out += fmt::format("%{:02X}", u);
        else
            out += c;
    }
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::optional<std::string> unescape(std::string_view v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] != '%') {
            out += v[i];
            continue;
        }
        if (i + 2 >= v.size()) return std::nullopt;
        const int hi = hex_digit(v[i + 1]);
        const int lo = hex_digit(v[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

} // namespace

std::string format_readiness(const readiness& r) {
    std::string out = "ready";
    auto field = [&](std::string_view key, std::string_view value) {
        out += fmt::format(" {}={}", key, escape(value));
    };
    if (!r.pty.empty()) field("pty", r.pty);
    if (!r.link.empty()) field("link", r.link);
    if (!r.tcp.empty()) field("tcp", r.tcp);
    if (!r.serial.empty()) field("serial", r.serial);
    if (!r.http.empty()) field("http", r.http);
    field("meters", std::to_string(r.meters));
    field("scenario", r.scenario);
    if (!r.receiver.empty()) field("receiver", r.receiver);
    return out;
}

std::optional<readiness> parse_readiness(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    constexpr std::string_view prefix = "ready";
    if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
    line.remove_prefix(prefix.size());
    if (!line.empty() && line.front() != ' ') return std::nullopt;
    readiness r;
    while (!line.empty()) {
        line.remove_prefix(1); // the space before each field
        const auto end = std::min(line.find(' '), line.size());
        const auto field = line.substr(0, end);
        line.remove_prefix(end);
        const auto eq = field.find('=');
        if (eq == std::string_view::npos) return std::nullopt;
        const auto value = unescape(field.substr(eq + 1));
        if (!value) return std::nullopt;
        const auto key = field.substr(0, eq);
        if (key == "pty")
            r.pty = *value;
        else if (key == "link")
            r.link = *value;
        else if (key == "tcp")
            r.tcp = *value;
        else if (key == "serial")
            r.serial = *value;
        else if (key == "http")
            r.http = *value;
        else if (key == "scenario")
            r.scenario = *value;
        else if (key == "receiver")
            r.receiver = *value;
        else if (key == "meters") {
            const auto [p, ec] = std::from_chars(value->data(), value->data() + value->size(), r.meters);
            if (ec != std::errc{} || p != value->data() + value->size()) return std::nullopt;
        }
    }
    return r;
}

std::ostream& operator<<(std::ostream& os, const readiness& r) { return os << format_readiness(r); }

} // namespace mbus::runtime
