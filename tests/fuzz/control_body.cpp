// libFuzzer: the control API's request bodies (scenario/change.hpp) on arbitrary bytes. Reading
// never throws; a body is accepted or refused with a reason, and what is accepted keeps the promises
// of the values it fills (a fault has a name and a kind, a meter patch changes something, a record
// change is a "value" event for the record asked for).

#include <mbus/scenario/change.hpp>
#include <mbus/scenario/load.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

using namespace mbus;

namespace {

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

const scenario::scenario& bus() {
    static const auto sc = [] {
        auto r = scenario::load_string(R"(
[[meter]]
name = "heat-1"
address = 5
id = "12345678"
manufacturer = "KAM"
medium = "heat"
[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = 100
)",
                                       std::string(MBUS_FUZZ_SCENARIO_DIR) + "/fuzz-input.toml");
        require(r.value.has_value(), "the fuzzer's own scenario loads");
        return *r.value;
    }();
    return sc;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // A model path may name any file: device files would block (see scenario_load.cpp).
    for (const auto* dev : {"/dev", "/proc", "/sys"})
        if (text.find(dev) != std::string_view::npos) return 0;
    const auto body = scenario::parse_body(text);
    require(body.value.has_value() != !body.error.reason.empty(), "a body or a reason");
    if (!body) return 0;
    const auto& j = *body.value;
    const auto& sc = bus();
    const std::string names[] = {"heat-1"};

    if (const auto p = scenario::read_meter_patch(j); p)
        require(*p.value != scenario::meter_patch{}, "an accepted patch changes something");
    else
        require(!p.error.reason.empty(), "a refused patch says why");

    if (const auto c = scenario::read_record_change(j, sc.meters.front(), 0); c) {
        const auto* v = std::get_if<sim::events::value>(&c.value->what);
        require(v != nullptr && v->record == 0 && c.value->meter == "heat-1", "a value event for the record");
    } else {
        require(!c.error.reason.empty(), "a refused record change says why");
    }

    if (const auto f = scenario::read_fault(j, names, "fault1"); f)
        require(!f.value->name.empty() && (f.value->meter.empty() || f.value->meter == "heat-1"),
                "a fault with a name on a meter of the bus");
    else
        require(!f.error.reason.empty(), "a refused fault says why");

    if (const auto m =
            scenario::read_meter(j, sc.bus, std::string(MBUS_FUZZ_SCENARIO_DIR) + "/x.toml", 1, "meter2");
        m)
        require(!m.value->config.name.empty() && m.value->config.primary_address <= 250,
                "a meter with a name");
    else
        require(!m.error.reason.empty(), "a refused meter says why");
    return 0;
}
