#include <mbus/runtime/runner.hpp>
#include <mbus/runtime/state_file.hpp>

#include <mbus/core/bytes.hpp>
#include <mbus/core/errc.hpp>
#include <mbus/core/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace mbus::runtime {

namespace {

using nlohmann::json;

constexpr const char* format_name = "mbus-sim state";
constexpr int format_version = 1;
// As for scenarios: a state file is small; anything bigger is not one.
constexpr std::size_t max_size = std::size_t{16} << 20;

std::string errno_text() { return std::strerror(errno); }

// Closes a descriptor on every path out.
struct descriptor {
    int fd{-1};
    ~descriptor() {
        if (fd >= 0) ::close(fd);
    }
};

std::optional<std::uint64_t> hex_number(const json& j, const char* key, std::size_t digits,
                                        std::string& why) {
    const auto it = j.find(key);
    // Digits only: from_hex alone would also take separators and "0x".
    const auto* text = it == j.end() || !it->is_string() ? nullptr : &it->get_ref<const std::string&>();
    const auto raw =
        text && text->size() == digits &&
                std::all_of(text->begin(), text->end(), [](unsigned char c) { return std::isxdigit(c); })
            ? from_hex(*text)
            : result<bytes>(mbus::errc::invalid_hex);
    if (!raw) {
        why = fmt::format("\"{}\" must be {} hex digits", key, digits);
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (const auto b : *raw)
        v = v << 8 | b;
    return v;
}

std::optional<std::uint64_t> number(const json& j, const char* key, std::uint64_t max, std::string& why) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > max) {
        why = fmt::format("\"{}\" must be a whole number 0..{}", key, max);
        return std::nullopt;
    }
    return it->get<std::uint64_t>();
}

std::optional<bytes> hex_bytes(const json& j, const char* key, std::string& why) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
        why = fmt::format("\"{}\" must be bytes in hex", key);
        return std::nullopt;
    }
    const auto& text = it->get_ref<const std::string&>();
    if (text.empty()) return bytes{};
    auto b = from_hex(text);
    if (!b) {
        why = fmt::format("\"{}\" must be bytes in hex", key);
        return std::nullopt;
    }
    return std::move(*b);
}

// "line L, column C" of byte offset `at` in `text`.
std::string position(const std::string& text, std::size_t at) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return fmt::format("{}:{}", line, col);
}

} // namespace

json to_json(const sim::meter_state& s) {
    json written = json::array();
    for (const auto& w : s.written)
        written.push_back(
            {{"record", w.index}, {"field", to_hex(w.field, "")}, {"data", to_hex(w.data, "")}});
    return {{"address", s.address},
            {"id", fmt::format("{:08X}", s.identity.id)},
            {"manufacturer", fmt::format("{:04X}", s.identity.manufacturer)},
            {"version", s.identity.version},
            {"medium", s.identity.medium},
            {"baud", s.baud},
            {"written", written}};
}

std::optional<sim::meter_state> meter_state_from_json(const json& j, std::string& why) {
    if (!j.is_object()) {
        why = "a meter's state must be a table";
        return std::nullopt;
    }
    sim::meter_state s;
    const auto address = number(j, "address", 250, why);
    const auto id = hex_number(j, "id", 8, why);
    const auto manufacturer = hex_number(j, "manufacturer", 4, why);
    const auto version = number(j, "version", 255, why);
    const auto medium = number(j, "medium", 255, why);
    const auto baud = number(j, "baud", 38400, why);
    if (!address || !id || !manufacturer || !version || !medium || !baud) return std::nullopt;
    s.address = static_cast<byte>(*address);
    s.identity = {static_cast<std::uint32_t>(*id), static_cast<std::uint16_t>(*manufacturer),
                  static_cast<std::uint8_t>(*version), static_cast<std::uint8_t>(*medium)};
    s.baud = static_cast<unsigned>(*baud);
    const auto it = j.find("written");
    if (it == j.end()) return s;
    if (!it->is_array()) {
        why = "\"written\" must be a list";
        return std::nullopt;
    }
    for (const auto& w : *it) {
        if (!w.is_object()) {
            why = "each of \"written\" must be a table";
            return std::nullopt;
        }
        const auto index = number(w, "record", 65535, why);
        auto field = hex_bytes(w, "field", why);
        auto data = hex_bytes(w, "data", why);
        if (!index || !field || !data) return std::nullopt;
        s.written.push_back({static_cast<std::size_t>(*index), std::move(*field), std::move(*data)});
    }
    return s;
}

std::optional<std::string> write_atomically(const std::filesystem::path& path, const std::string& text) {
    const auto tmp = path.string() + ".tmp";
    {
        descriptor f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
        if (f.fd < 0) return fmt::format("cannot create {}: {}", tmp, errno_text());
        std::size_t done = 0;
        while (done < text.size()) {
            const auto n = ::write(f.fd, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return fmt::format("cannot write {}: {}", tmp, errno_text());
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(f.fd) != 0) return fmt::format("cannot sync {}: {}", tmp, errno_text());
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0)
        return fmt::format("cannot rename {} to {}: {}", tmp, path.string(), errno_text());
    // The rename itself is only durable once the folder is.
    const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    descriptor d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd < 0 || ::fsync(d.fd) != 0)
        return fmt::format("cannot sync the folder {}: {}", dir.string(), errno_text());
    return std::nullopt;
}

std::optional<state_file> state_file::open(std::filesystem::path path, std::string& error) {
    const auto where = path.string();
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (st.type() == std::filesystem::file_type::not_found)
        return state_file(std::move(path), json::object());
    if (ec) {
        error = fmt::format("{}: {}", where, ec.message());
        return std::nullopt;
    }
    auto text = read_small_file(where, max_size, "a state file", error);
    if (!text) {
        error = fmt::format("{}: {}", where, error);
        return std::nullopt;
    }
    const auto body = std::move(*text);
    if (body.find_first_not_of(" \t\r\n") == std::string::npos)
        return state_file(std::move(path), json::object());
    json doc;
    try {
        doc = json::parse(body);
    } catch (const json::parse_error& e) {
        error =
            fmt::format("{}:{}: not JSON: {}", where, position(body, e.byte == 0 ? 0 : e.byte - 1), e.what());
        return std::nullopt;
    }
    const auto fmt_it = doc.is_object() ? doc.find("format") : doc.end();
    if (!doc.is_object() || fmt_it == doc.end() || *fmt_it != format_name) {
        error = fmt::format("{}: not an mbus-sim state file (no \"format\": \"{}\")", where, format_name);
        return std::nullopt;
    }
    if (doc.value("version", json()) != format_version) {
        error = fmt::format("{}: state file version {}; this mbus-sim reads version {}", where,
                            doc.value("version", json()).dump(), format_version);
        return std::nullopt;
    }
    if (doc.contains("buses")) {
        const auto& b = doc["buses"];
        bool ok = b.is_object();
        if (ok)
            for (const auto& [name, meters] : b.items())
                ok = ok && meters.is_object();
        if (!ok) {
            error = fmt::format("{}: \"buses\" must map bus names to tables of meters", where);
            return std::nullopt;
        }
    }
    return state_file(std::move(path), std::move(doc));
}

std::vector<std::string> state_file::restore(const std::string& name, sim::bus& bus) {
    std::vector<std::string> report;
    auto& e = buses_[name];
    e.bus = &bus;
    e.initial.clear();
    e.index.clear();
    for (std::size_t i = 0; i < bus.size(); ++i) {
        // Read through the const bus: the non-const at() tells the bus a slave may have changed.
        const auto& slave = std::as_const(bus).at(i);
        e.initial.push_back(sim::kept_state(slave.app()));
        e.index.emplace(slave.name(), i);
    }
    e.kept = e.initial;
    const auto buses = doc_.find("buses");
    if (buses == doc_.end() || !buses->contains(name)) return report;
    for (const auto& [meter, state] : (*buses)[name].items()) {
        const auto at = e.index.find(meter);
        if (at == e.index.end()) {
            report.push_back(
                fmt::format("state {}: bus {}: meter {} is not on the bus (its state stays in the file)",
                            path_.string(), name, meter));
            continue;
        }
        std::string why;
        const auto s = meter_state_from_json(state, why);
        auto problem = s ? sim::restore(bus.at(at->second).app(), *s) : std::optional<std::string>(why);
        if (problem) {
            report.push_back(
                fmt::format("state {}: bus {}: meter {}: {} (not restored; its state stays in the file)",
                            path_.string(), name, meter, *problem));
            continue;
        }
        e.kept[at->second] = sim::kept_state(std::as_const(bus).at(at->second).app());
    }
    return report;
}

std::optional<std::string> state_file::update(const std::string& bus, const std::vector<std::string>& which) {
    auto& e = buses_.at(bus);
    bool changed = false;
    const auto& bus_now = std::as_const(*e.bus);
    const auto check = [&](std::size_t i) {
        auto now = sim::kept_state(bus_now.at(i).app());
        if (now == e.kept[i]) return;
        changed = true;
        auto& meters = doc_["buses"][bus];
        if (now == e.initial[i])
            meters.erase(bus_now.at(i).name());
        else
            meters[bus_now.at(i).name()] = to_json(now);
        if (meters.empty()) doc_["buses"].erase(bus);
        e.kept[i] = std::move(now);
    };
    if (which.empty()) {
        for (std::size_t i = 0; i < e.kept.size(); ++i)
            check(i);
    } else {
        for (const auto& m : which)
            if (const auto at = e.index.find(m); at != e.index.end()) check(at->second);
    }
    if (!changed) return std::nullopt;
    doc_["format"] = format_name;
    doc_["version"] = format_version;
    if (!doc_.contains("buses")) doc_["buses"] = json::object();
    ++saves_;
    return write_atomically(path_, doc_.dump(2) + "\n");
}

void state_file::watch(runner& r, std::function<void(const std::string&)> report) {
    const auto bus = r.name();
    const auto say = [this, report](const std::optional<std::string>& problem) {
        if (problem) report(fmt::format("state {}: {}", path_.string(), *problem));
    };
    // A write is saved before its E5 goes out; a select or a read never changes what a meter keeps.
    r.on_write([this, bus, say](const std::vector<std::string>& meters) { say(update(bus, meters)); });
    // A timeline or control event may have replaced a written value or moved a meter.
    r.subscribe(
        [this, bus, say](const harness::entry& e) {
            const auto* n = std::get_if<harness::notice>(&e);
            if (n != nullptr && n->line.kind == harness::record_kind::event && n->line.session == 0)
                say(update(bus, {}));
        },
        sink_reads::facts);
}

std::vector<std::string> state_file::unused_buses() const {
    std::vector<std::string> out;
    const auto buses = doc_.find("buses");
    if (buses == doc_.end()) return out;
    for (const auto& [name, meters] : buses->items())
        if (!buses_.contains(name))
            out.push_back(
                fmt::format("state {}: bus {} is not running (its {} meter state{} stay in the file)",
                            path_.string(), name, meters.size(), meters.size() == 1 ? "" : "s"));
    return out;
}

} // namespace mbus::runtime
