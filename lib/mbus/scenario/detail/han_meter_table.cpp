// [[han_meter]]: a HAN push meter (sim/han_meter.hpp). Read like [[meter]]: every problem reported with
// its place, the meter skipped, the rest of the file read on.

#include <mbus/scenario/detail/han_tables.hpp>
#include <mbus/scenario/detail/suggest.hpp>
#include <mbus/scenario/detail/table_array.hpp>
#include <mbus/scenario/detail/tables.hpp>

#include <fmt/format.h>

namespace mbus::scenario::detail {

namespace {

const std::vector<std::string_view> han_keys{"name",         "make",          "variant",      "phases",
                                             "id",           "type",          "list_version", "power",
                                             "voltage",      "power_factor",  "key",          "auth_key",
                                             "system_title", "frame_counter", "import_kwh",   "export_kwh"};

// A number (a constant) or a table naming one generator, as a record's value: { sine = { ... } }.
std::optional<sim::value_source> read_source(sink& s, const toml::node& n, const std::string& path,
                                             std::uint64_t walk_seed) {
    if (n.is_number()) return sim::constant{*read_number(s, n, path)};
    const auto* outer = n.as_table();
    if (outer == nullptr || outer->size() != 1) {
        s.error(n, path,
                "expected a number or a table naming one generator: counter, ramp, sine or random_walk "
                "(e.g. { sine = { offset = 1500, amplitude = 500, period = \"1h\" } })");
        return std::nullopt;
    }
    const auto first = *outer->begin();
    const std::string name(first.first.str());
    const auto p = child(path, name);
    const auto* t = read_table(s, first.second, p);
    if (t == nullptr) return std::nullopt;
    const auto errors = s.size();
    auto source = read_numeric_generator(s, name, *t, p, walk_seed);
    if (!source && s.size() == errors)
        s.error(first.first.source(), p,
                fmt::format("unknown generator \"{}\"; expected counter, ramp, sine or random_walk", name));
    return source;
}

std::optional<bytes> read_key(sink& s, const toml::table& t, const std::string& path, std::string_view key,
                              std::size_t size) {
    const auto* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    auto b = read_hex(s, *n, child(path, key));
    if (b && b->size() != size) {
        s.error(*n, child(path, key),
                fmt::format("must be {} bytes ({} hex digits), not {}", size, 2 * size, b->size()));
        return std::nullopt;
    }
    return b;
}

} // namespace

std::optional<sim::han_meter_config> parse_han_meter(sink& s, const toml::table& t, const std::string& path,
                                                     std::size_t index) {
    const auto errors = s.size();
    const layers l{t};
    l.unknown_keys(s, path, han_keys);
    sim::han_meter_config c;
    if (const auto* n = t.get("name")) c.name = read_string(s, *n, child(path, "name")).value_or("");
    auto& who = c.identity;
    const toml::node* make_node = t.get("make");
    if (make_node != nullptr) {
        if (const auto i = read_choice(s, *make_node, child(path, "make"), {"Aidon", "Kaifa", "Kamstrup"}))
            who.make = static_cast<sim::han_make>(*i);
    } else {
        s.error(t, path, "a HAN meter needs a make: make = \"Aidon\", \"Kaifa\" or \"Kamstrup\"");
    }
    if (const auto* n = t.get("variant"))
        if (const auto i = read_choice(s, *n, child(path, "variant"), {"NO", "SE", "DK", "CH"})) {
            who.variant = static_cast<sim::han_variant>(*i);
            if (!han::has_lists(who.make, who.variant))
                s.error(*n, child(path, "variant"),
                        fmt::format("{} {} lists are not simulated: the simulated ones are {}",
                                    sim::name_of(who.make), sim::name_of(who.variant),
                                    han::supported_lists()));
        }
    if (const auto* n = t.get("phases")) {
        const auto p = read_integer(s, *n, child(path, "phases"), 1, 3);
        if (p && *p == 2) s.error(*n, child(path, "phases"), "must be 1 or 3");
        if (p) who.phases = static_cast<unsigned>(*p);
    }
    // Identifiers shaped as each make's meters send them (corpus: Kaifa MA304H3E/MA105H2E, Aidon 6525/6515,
    // Kamstrup 6841131BN243101040/6861111BN242101040).
    const bool one = who.phases == 1;
    switch (who.make) {
    case sim::han_make::aidon:
        who.id = "7359992890000000";
        who.type = one ? "6515" : "6525";
        break;
    case sim::han_make::kaifa:
        who.id = "6970631400000000";
        who.type = one ? "MA105H2E" : "MA304H3E";
        break;
    case sim::han_make::kamstrup:
        who.id = "5706567000000000";
        who.type = one ? "6861111BN242101040" : "6841131BN243101040";
        break;
    }
    // Kamstrup's Danish/Swiss push list sends the meter id as a 32-bit number (amsreader issue #350:
    // 34374909, the serial in its system title).
    const bool numbered = who.make == sim::han_make::kamstrup &&
                          (who.variant == sim::han_variant::dk || who.variant == sim::han_variant::ch);
    if (numbered) who.id = "57065670";
    who.list_version = han::default_list_version(who.make);
    if (const auto* n = t.get("id")) {
        who.id = read_string(s, *n, child(path, "id")).value_or(who.id);
        if (numbered &&
            (who.id.empty() || who.id.size() > 10 ||
             who.id.find_first_not_of("0123456789") != std::string::npos || std::stod(who.id) > 4294967295.0))
            s.error(*n, child(path, "id"),
                    fmt::format("\"{}\": a Kamstrup {} meter sends its id as a number from 0 to 4294967295",
                                who.id, sim::name_of(who.variant)));
    }
    if (const auto* n = t.get("type")) who.type = read_string(s, *n, child(path, "type")).value_or(who.type);
    if (const auto* n = t.get("list_version"))
        who.list_version = read_string(s, *n, child(path, "list_version")).value_or(who.list_version);

    const std::uint64_t seed = 0x4841'4E00 + index; // "HAN", then the table's index
    if (const auto* n = t.get("power")) {
        if (auto v = read_source(s, *n, child(path, "power"), seed)) c.power = *v;
    } else {
        s.error(t, path, "a HAN meter needs a power (W): a number or a generator, e.g. power = 1500");
    }
    if (const auto* n = t.get("voltage"))
        if (auto v = read_source(s, *n, child(path, "voltage"), seed + 1000)) c.voltage = *v;
    if (const auto* n = t.get("power_factor"))
        if (const auto v = read_number(s, *n, child(path, "power_factor"))) {
            if (*v <= 0 || *v > 1)
                s.error(*n, child(path, "power_factor"), fmt::format("{} is not a cos phi in (0, 1]", *v));
            else
                c.power_factor = *v;
        }
    if (const auto* n = t.get("import_kwh"))
        c.import_wh = 1000 * read_number(s, *n, child(path, "import_kwh")).value_or(0);
    if (const auto* n = t.get("export_kwh"))
        c.export_wh = 1000 * read_number(s, *n, child(path, "export_kwh")).value_or(0);

    const auto key = read_key(s, t, path, "key", 16);
    const auto auth = read_key(s, t, path, "auth_key", 16);
    const auto title = read_key(s, t, path, "system_title", 8);
    if (key) {
        // A system title starts with the maker's three-letter code (Kaifa "KFM", Kamstrup "KAM",
        // Aidon "AID"); the serial fills the rest.
        const bytes maker = who.make == sim::han_make::kaifa      ? bytes{0x4B, 0x46, 0x4D}
                            : who.make == sim::han_make::kamstrup ? bytes{0x4B, 0x41, 0x4D}
                                                                  : bytes{0x41, 0x49, 0x44};
        bytes fallback = maker;
        fallback.insert(fallback.end(), {0x10, 0x00, 0x00, 0x00, 0x01});
        c.cipher = sim::han_cipher{*key, auth.value_or(bytes{}), title.value_or(fallback)};
    } else if (t.get("auth_key") != nullptr || t.get("system_title") != nullptr) {
        s.error(t, path, "auth_key and system_title cipher the pushes only with a key (16 bytes, hex)");
    }
    if (const auto* n = t.get("frame_counter"))
        c.frame_counter = static_cast<std::uint32_t>(
            read_integer(s, *n, child(path, "frame_counter"), 0, 0xFFFFFFFF).value_or(1));
    if (s.size() != errors) return std::nullopt;
    return c;
}

} // namespace mbus::scenario::detail
