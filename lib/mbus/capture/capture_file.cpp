#include <mbus/capture/capture_file.hpp>

#include <charconv>
#include <ostream>

#include <fmt/format.h>

namespace mbus::capture {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

// "12.345678" (up to 6 decimals) as microseconds; nullopt for anything else.
std::optional<micros> parse_seconds(std::string_view s) {
    const auto dot = s.find('.');
    const auto whole = s.substr(0, dot);
    auto frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    if (whole.empty() || whole.size() > 9 || frac.size() > 6) return std::nullopt;
    std::int64_t sec = 0;
    if (const auto r = std::from_chars(whole.data(), whole.data() + whole.size(), sec);
        r.ec != std::errc{} || r.ptr != whole.data() + whole.size())
        return std::nullopt;
    std::int64_t us = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        const char c = i < frac.size() ? frac[i] : '0';
        if (c < '0' || c > '9') return std::nullopt;
        us = us * 10 + (c - '0');
    }
    if (dot != std::string_view::npos && frac.empty()) return std::nullopt;
    return micros{sec * 1'000'000 + us};
}

int column_of(std::string_view line, std::string_view part) {
    return static_cast<int>(part.data() - line.data()) + 1;
}

} // namespace

std::string seconds_text(micros t) {
    const auto us = t.count();
    return fmt::format("{}.{:06}", us / 1'000'000, us % 1'000'000);
}

capture_contents read_capture(std::string_view text) {
    capture_contents out;
    int number = 0;
    bool data_seen = false;
    micros last{0};
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const auto raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++number;
        const auto line = trim(raw);
        const auto bad = [&](std::string_view at, std::string message) {
            out.problems.push_back({number, column_of(raw, at), std::move(message)});
        };
        if (number == 1) {
            if (line != capture_magic) {
                bad(line,
                    fmt::format("not an mbus-sim capture: the first line must be \"{}\"", capture_magic));
                return out; // another kind of file: its lines would be noise
            }
            continue;
        }
        if (line.empty()) continue;
        if (line.front() == '#') {
            const auto body = trim(line.substr(1));
            const auto colon = body.find(':');
            if (colon == std::string_view::npos) continue; // a comment
            const auto key = body.substr(0, colon);
            const auto value = trim(body.substr(colon + 1));
            if (key == "end") {
                const auto sp = value.find(' ');
                const auto t = parse_seconds(value.substr(0, sp));
                if (!t)
                    bad(value, "\"# end:\" wants the seconds the capture ran, e.g. \"# end: 10.000000 s\"");
                else
                    out.end = *t;
            } else if (!data_seen) {
                if (key == "source") out.header.source = std::string(value);
                if (key == "line") out.header.line = std::string(value);
                if (key == "start") out.header.start = std::string(value);
            }
            continue;
        }
        data_seen = true;
        const auto sp = line.find_first_of(" \t");
        const auto time_text = line.substr(0, sp);
        const auto t = parse_seconds(time_text);
        if (!t) {
            bad(time_text, fmt::format("\"{}\" is not a time: a data line starts with the seconds since the "
                                       "start (e.g. 1.250000), then the bytes in hex",
                                       time_text));
            continue;
        }
        if (*t < last) {
            bad(time_text, fmt::format("time {} s goes back (the line before is at {} s)", time_text,
                                       seconds_text(last)));
            continue;
        }
        if (sp == std::string_view::npos) {
            bad(line.substr(line.size()), "no bytes after the time");
            continue;
        }
        const auto hex = trim(line.substr(sp));
        auto b = from_hex(hex);
        if (!b) {
            bad(hex, fmt::format("the bytes are not hex: {}", b.error().message()));
            continue;
        }
        if (b->empty()) {
            bad(hex, "no bytes after the time");
            continue;
        }
        last = *t;
        out.chunks.push_back({*t, std::move(*b)});
    }
    if (number == 0) out.problems.push_back({0, 0, "empty file: not an mbus-sim capture"});
    return out;
}

capture_writer::capture_writer(std::ostream& os, const capture_header& h) : os_(os) {
    os_ << capture_magic << '\n';
    if (!h.source.empty()) os_ << "# source: " << h.source << '\n';
    if (!h.line.empty()) os_ << "# line: " << h.line << '\n';
    if (!h.start.empty()) os_ << "# start: " << h.start << '\n';
    os_.flush();
}

void capture_writer::write(micros at, bytes_view data) {
    if (data.empty() || finished_) return;
    os_ << seconds_text(at) << ' ' << to_hex(data) << '\n';
    os_.flush();
    ++chunks_;
    bytes_ += data.size();
}

void capture_writer::finish(micros elapsed) {
    if (finished_) return;
    finished_ = true;
    os_ << "# end: " << seconds_text(elapsed) << " s, " << chunks_ << " chunks, " << bytes_ << " bytes\n";
    os_.flush();
}

} // namespace mbus::capture
