// [[replay]]: captured bytes sent again as a meter (capture/replay.hpp). The file is read at load time,
// so that `mbus-sim check` reports a bad capture line with the capture's own file:line:col.

#include <mbus/scenario/detail/replay_tables.hpp>

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include <mbus/capture/capture_file.hpp>
#include <mbus/capture/hex_dump.hpp>
#include <mbus/capture/raw_log.hpp>
#include <mbus/scenario/detail/tables.hpp>

namespace mbus::scenario::detail {

namespace {

const std::vector<std::string_view> replay_keys{"name",     "file",  "format", "speed", "loop",
                                                "interval", "split", "baud",   "start"};

void report(sink& s, const std::string& file, const std::string& path,
            const std::vector<capture::problem>& problems) {
    const auto shared = std::make_shared<const std::string>(file);
    for (const auto& p : problems) {
        if (p.line == 0) {
            s.error_in_file(file, p.message);
            continue;
        }
        toml::source_region where;
        where.begin = {static_cast<toml::source_index>(p.line), static_cast<toml::source_index>(p.column)};
        where.end = where.begin;
        where.path = shared;
        s.error(where, child(path, "file"), p.message);
    }
}

} // namespace

std::optional<capture::replay_config> parse_replay(sink& s, const toml::table& t, const std::string& path,
                                                   const std::string& from, unsigned baud) {
    const auto errors = s.size();
    const layers l{t};
    l.unknown_keys(s, path, replay_keys);
    capture::replay_config r;
    r.baud = baud;
    if (const auto* n = t.get("name")) r.name = read_string(s, *n, child(path, "name")).value_or("");
    if (const auto* n = t.get("format"))
        if (const auto i = read_choice(s, *n, child(path, "format"), {"capture", "hanmeter", "hex"}))
            r.format = static_cast<capture::replay_format>(*i);
    if (const auto* n = t.get("speed"))
        if (const auto v = read_number(s, *n, child(path, "speed"))) {
            if (*v <= 0 || *v > 1000)
                s.error(*n, child(path, "speed"),
                        fmt::format("{} is not a speed: 1 is the original pace, 10 ten times faster (up to "
                                    "1000)",
                                    *v));
            else
                r.speed = *v;
        }
    if (const auto* n = t.get("loop")) r.loop = read_bool(s, *n, child(path, "loop")).value_or(false);
    if (const auto* n = t.get("start"))
        if (const auto i = read_choice(s, *n, child(path, "start"), {"at_once", "first_reader"}))
            r.start = static_cast<capture::replay_start>(*i);
    if (const auto* n = t.get("interval"))
        if (const auto d = read_duration(s, *n, child(path, "interval"))) {
            if (d->count() <= 0)
                s.error(*n, child(path, "interval"), "must be above 0 (e.g. \"2.5s\")");
            else
                r.interval = std::chrono::duration_cast<capture::micros>(*d);
        }
    if (const auto* n = t.get("baud")) {
        if (const auto b = read_integer(s, *n, child(path, "baud"), 300, 921600))
            r.baud = static_cast<unsigned>(*b);
    }
    // A HANmeter log is one stream with no line breaks of its own: cut into frames. A hex dump keeps its
    // lines unless told otherwise.
    bool frames = r.format == capture::replay_format::hanmeter;
    if (const auto* n = t.get("split")) {
        if (const auto i = read_choice(s, *n, child(path, "split"), {"lines", "frames"})) {
            if (r.format != capture::replay_format::hex)
                s.error(*n, child(path, "split"),
                        fmt::format("split is for hex dumps; a {} file is cut as it was read",
                                    capture::name_of(r.format)));
            frames = *i == 1;
        }
    }
    if (r.format == capture::replay_format::capture && t.get("interval") != nullptr)
        s.error(
            *t.get("interval"), child(path, "interval"),
            "a capture keeps the times it was recorded with: interval is for hex dumps and HANmeter logs");

    const auto* fn = t.get("file");
    if (fn == nullptr) {
        s.error(t, path, "a replay needs a file: file = \"capture.txt\" (relative to the scenario)");
        return std::nullopt;
    }
    const auto name = read_string(s, *fn, child(path, "file"));
    if (!name) return std::nullopt;
    if (s.size() != errors) return std::nullopt;
    r.file = (std::filesystem::path(from).parent_path() / *name).lexically_normal().string();
    std::string why;
    const auto text = read_text(r.file, "a capture", why);
    if (!text) {
        s.error(*fn, child(path, "file"), fmt::format("\"{}\": {}", r.file, why));
        return std::nullopt;
    }
    switch (r.format) {
    case capture::replay_format::capture: {
        auto c = capture::read_capture(*text);
        report(s, r.file, path, c.problems);
        r.chunks = std::move(c.chunks);
        r.end = c.end;
        break;
    }
    case capture::replay_format::hanmeter:
        r.chunks =
            capture::split_frames(bytes_view(reinterpret_cast<const byte*>(text->data()), text->size()));
        break;
    case capture::replay_format::hex: {
        auto d = capture::read_hex_dump(*text);
        report(s, r.file, path, d.problems);
        r.chunks = frames ? capture::split_frames(capture::joined(d.chunks)) : std::move(d.chunks);
        break;
    }
    }
    if (s.size() == errors && r.chunks.empty())
        s.error(*fn, child(path, "file"), fmt::format("\"{}\" holds no bytes to replay", r.file));
    if (s.size() != errors) return std::nullopt;
    return r;
}

} // namespace mbus::scenario::detail
