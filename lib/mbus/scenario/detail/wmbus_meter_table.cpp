// [[wmbus_meter]]: a wireless M-Bus meter (sim/wmbus_meter.hpp), and [receiver]. Read like [[meter]]:
// the same identity keys (manufacturer, id, version, medium), the same [[...record]] tables and
// generators, a model file under it; every problem reported with its place, the meter skipped, the
// rest of the file read on.

#include <mbus/scenario/detail/table_array.hpp>
#include <mbus/scenario/detail/wmbus_tables.hpp>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/app/secondary_address.hpp>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

const std::vector<std::string_view> wmbus_keys{"name",
                                               "model",
                                               "manufacturer",
                                               "id",
                                               "version",
                                               "medium",
                                               "mode",
                                               "interval",
                                               "jitter",
                                               "security",
                                               "key",
                                               "rssi",
                                               "rssi_noise",
                                               "status",
                                               "access_number",
                                               "record",
                                               "message_counter",
                                               "install_telegrams",
                                               "access_demand_every"};

std::uint64_t mix(std::uint64_t x) { // splitmix64
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// Seconds as a number or a duration ("2min"); positive.
std::optional<double> read_seconds(sink& s, const toml::node& n, const std::string& path) {
    const auto d = read_duration(s, n, path);
    if (!d) return std::nullopt;
    if (d->count() <= 0) {
        s.error(n, path, "must be more than 0 seconds");
        return std::nullopt;
    }
    return d->count();
}

// interval = 16 / "2min" / [8, 16], with jitter = J for [interval - J, interval + J].
void read_interval(sink& s, const layers& l, const std::string& path, sim::wmbus_meter_config& c) {
    const auto* n = l.get("interval");
    if (n == nullptr) {
        s.error(l.top(), path,
                "a wireless meter needs an interval: seconds between transmissions, e.g. interval = 16, "
                "interval = \"2min\" or interval = [8, 16]");
        return;
    }
    const auto p = child(path, "interval");
    if (const auto* a = n->as_array()) {
        if (a->size() != 2) {
            s.error(*n, p, fmt::format("expected [min, max] in seconds, got {} values", a->size()));
            return;
        }
        const auto lo = read_seconds(s, (*a)[0], child(p, 0));
        const auto hi = read_seconds(s, (*a)[1], child(p, 1));
        if (!lo || !hi) return;
        if (*lo > *hi) {
            s.error(*n, p, fmt::format("[{}, {}] is not a range (min <= max)", *lo, *hi));
            return;
        }
        if (const auto* j = l.get("jitter")) {
            s.error(*j, child(path, "jitter"), "interval = [min, max] already says the jitter: give one");
            return;
        }
        c.interval_min_s = *lo;
        c.interval_max_s = *hi;
        return;
    }
    const auto v = read_seconds(s, *n, p);
    if (!v) return;
    double jitter = 0;
    if (const auto* j = l.get("jitter")) {
        const auto d = read_duration(s, *j, child(path, "jitter"));
        if (!d) return;
        jitter = d->count();
        if (jitter < 0 || jitter >= *v) {
            s.error(*j, child(path, "jitter"),
                    fmt::format("{} s of jitter on an interval of {} s: must be 0 <= jitter < interval",
                                jitter, *v));
            return;
        }
    }
    c.interval_min_s = *v - jitter;
    c.interval_max_s = *v + jitter;
}

} // namespace

std::optional<sim::wmbus_meter_config> parse_wmbus_meter(sink& s, const toml::table& t,
                                                         const std::string& path, model_store& models,
                                                         const std::string& file, std::size_t index,
                                                         std::uint64_t bus_seed) {
    const auto errors = s.size();
    sim::wmbus_meter_config c;
    layers l{t};
    if (const auto* n = t.get("model")) {
        const auto name = read_string(s, *n, child(path, "model"));
        if (!name) return std::nullopt;
        std::string shown;
        const auto* m = models.get(s, *n, child(path, "model"), file, *name, shown);
        if (m == nullptr) return std::nullopt;
        if (m->get("model") != nullptr)
            s.error(*m->get("model"), "model", "a wireless meter's model cannot name a model of its own");
        l.push_front(*m);
        c.model = *name;
    }
    l.unknown_keys(s, path, wmbus_keys);
    for (const auto key : {"id", "manufacturer"})
        if (l.get(key) == nullptr) s.error(t, path, fmt::format("missing key \"{}\"", key));

    if (const auto* n = l.get("name")) c.name = read_string(s, *n, child(path, "name")).value_or("");
    if (const auto* n = l.get("id")) {
        const auto p = child(path, "id");
        if (n->is_integer()) {
            const auto v = n->as_integer()->get();
            if (v < 0 || v > 99'999'999)
                s.error(*n, p,
                        fmt::format("identification number {} is not 8 decimal digits (0..99999999)", v));
            else if (const auto id = app::id_from_string(fmt::format("{:08}", v)))
                c.id = *id;
        } else if (const auto text = read_string(s, *n, p)) {
            if (const auto id = app::id_from_string(*text))
                c.id = *id;
            else
                s.error(*n, p, fmt::format("identification number \"{}\" is not 8 decimal digits", *text));
        }
    }
    if (const auto* n = l.get("manufacturer"))
        if (const auto text = read_string(s, *n, child(path, "manufacturer"))) {
            if (const auto code = app::manufacturer_code(*text); code && text->size() == 3)
                c.manufacturer = *code;
            else
                s.error(*n, child(path, "manufacturer"),
                        fmt::format("manufacturer \"{}\" is not three letters A-Z", *text));
        }
    if (const auto* n = l.get("version"))
        c.version =
            static_cast<std::uint8_t>(read_integer(s, *n, child(path, "version"), 0, 0xFF).value_or(0));
    if (const auto* n = l.get("medium")) {
        const auto p = child(path, "medium");
        if (n->is_integer()) {
            c.device_type = static_cast<std::uint8_t>(read_integer(s, *n, p, 0, 0xFF).value_or(0));
        } else if (const auto text = read_string(s, *n, p)) {
            if (const auto code = app::medium_from_name(*text)) {
                c.device_type = *code;
            } else {
                const auto close = app::close_medium_names(*text, 3);
                std::string names;
                for (const auto& x : close)
                    names += (names.empty() ? "\"" : ", \"") + x + "\"";
                s.error(*n, p,
                        fmt::format("unknown medium \"{}\"{}", *text,
                                    close.empty()
                                        ? std::string("; give a name such as \"water\" or a number 0..255")
                                        : "; did you mean " + names + "?"));
            }
        }
    }
    if (const auto* n = l.get("mode"))
        if (const auto i = read_choice(s, *n, child(path, "mode"), {"T1", "C1", "S1"}))
            c.mode = static_cast<sim::wmbus_mode>(*i);
    read_interval(s, l, path, c);

    // Security: "none", "mode5" (the default with a key), "mode7".
    std::optional<std::size_t> security;
    const auto* sn = l.get("security");
    if (sn != nullptr) security = read_choice(s, *sn, child(path, "security"), {"none", "mode5", "mode7"});
    const auto* kn = l.get("key");
    if (kn != nullptr) {
        if (auto k = read_hex(s, *kn, child(path, "key"))) {
            if (k->size() != 16)
                s.error(*kn, child(path, "key"),
                        fmt::format("an AES-128 key is 16 bytes (32 hex digits), not {}", k->size()));
            else
                c.key = std::move(*k);
        }
    }
    if (security == 0 && kn != nullptr)
        s.error(*kn, child(path, "key"),
                "security = \"none\" sends in the clear: drop the key or the setting");
    if ((security == 1 || security == 2) && kn == nullptr)
        s.error(*sn, child(path, "security"),
                fmt::format("mode {} needs a key (16 bytes, hex)", security == 1 ? 5 : 7));
    c.mode7 = security == 2;
    if (const auto* n = l.get("message_counter")) {
        const auto p = child(path, "message_counter");
        if (!c.mode7)
            s.error(*n, p, "the message counter is mode 7's (AFL): set security = \"mode7\" or drop it");
        else
            c.message_counter =
                static_cast<std::uint32_t>(read_integer(s, *n, p, 0, 0xFFFFFFFF).value_or(c.message_counter));
    }

    if (const auto* n = l.get("rssi")) {
        if (const auto v = read_number(s, *n, child(path, "rssi"))) {
            if (*v < -130 || *v > 0)
                s.error(*n, child(path, "rssi"),
                        fmt::format("{} dBm is not a received level (-130..0 dBm)", *v));
            else
                c.rssi_dbm = *v;
        }
    }
    if (const auto* n = l.get("rssi_noise")) {
        if (const auto v = read_number(s, *n, child(path, "rssi_noise"))) {
            if (*v < 0 || *v > 40)
                s.error(*n, child(path, "rssi_noise"), fmt::format("{} dB is not a noise (0..40 dB)", *v));
            else
                c.rssi_noise_db = *v;
        }
    }
    if (const auto* n = l.get("status"))
        c.status = static_cast<std::uint8_t>(read_integer(s, *n, child(path, "status"), 0, 0xFF).value_or(0));
    if (const auto* n = l.get("access_number"))
        c.access_number =
            static_cast<std::uint8_t>(read_integer(s, *n, child(path, "access_number"), 0, 0xFF).value_or(0));

    if (const auto* n = l.get("install_telegrams"))
        c.install_telegrams = static_cast<std::uint32_t>(
            read_integer(s, *n, child(path, "install_telegrams"), 0, 1'000'000).value_or(0));
    if (const auto* n = l.get("access_demand_every")) {
        const auto p = child(path, "access_demand_every");
        if (const auto v = read_integer(s, *n, p, 0, 1'000'000)) {
            if (*v == 1)
                s.error(
                    *n, p,
                    "1 would make every transmission an ACC_NR, which carries no data: give 0 (never) or 2 "
                    "and more");
            else
                c.access_demand_every = static_cast<std::uint32_t>(*v);
        }
    }

    // "WM", the table's index and the bus seed: meters of one scenario draw apart, runs repeat.
    c.seed = mix(bus_seed ^ mix(0x574D'0000'0000ULL + index));
    if (const auto* n = l.get("record")) {
        const auto p = child(path, "record");
        for_each_table(s, *n, p, [&](const toml::table& rt, const std::string& ip, std::size_t i) {
            const auto seed = mix(c.seed ^ mix(i));
            if (auto r = parse_record(s, rt, ip, seed)) {
                if (r->telegram)
                    s.error(
                        *rt.get("telegram"), child(ip, "telegram"),
                        "a wireless meter sends all its records in each transmission: no telegram number");
                c.records.push_back(std::move(r->config));
            }
        });
    } else {
        s.error(l.top(), path, "a wireless meter needs records ([[wmbus_meter.record]])");
    }
    if (s.size() != errors) return std::nullopt;

    // What the encoder refuses (too many records for one frame) is found now, not on the air.
    sim::wmbus_meter probe(c, {});
    if (auto r = probe.transmit({probe.next_due(), {}}); !r)
        s.error(l.top(), path,
                fmt::format("the meter's telegram cannot be sent: {} (fewer or shorter records)",
                            r.error().message()));
    if (s.size() != errors) return std::nullopt;
    return c;
}

receiver_settings parse_receiver(sink& s, const toml::node* n) {
    receiver_settings r;
    if (n == nullptr) return r;
    const auto* t = read_table(s, *n, "receiver");
    if (t == nullptr) return r;
    const layers l{*t};
    l.unknown_keys(s, "receiver", {"kind", "id", "capture_db"});
    if (const auto* k = t->get("kind")) {
        if (const auto i = read_choice(s, *k, "receiver.kind", {"im871a", "amb8465", "rtlwmbus", "hex"}))
            r.kind = static_cast<receiver_kind>(*i);
    } else {
        s.error(*t, "receiver", "missing key \"kind\": \"im871a\", \"amb8465\", \"rtlwmbus\" or \"hex\"");
    }
    if (const auto* k = t->get("id"))
        r.id = static_cast<std::uint32_t>(read_integer(s, *k, "receiver.id", 0, 0xFFFFFFFF).value_or(r.id));
    if (const auto* k = t->get("capture_db"))
        if (const auto v = read_number(s, *k, "receiver.capture_db")) {
            if (*v < 0 || *v > 60)
                s.error(*k, "receiver.capture_db",
                        fmt::format("{} dB is not a capture margin (0..60 dB)", *v));
            else
                r.capture_db = *v;
        }
    return r;
}

} // namespace mbus::scenario::detail
