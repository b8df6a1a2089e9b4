// Another project's unit test, in its simplest form: a simulated meter in this process, read
// frame by frame, its values checked; then the same meter with a fault switched on. No pty, no
// socket, no sleep. Exit code 0 when every check held.

#include <mbus/app/codec.hpp>
#include <mbus/app/value.hpp>
#include <mbus/harness/exchange.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/runtime/in_process_bus.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/fault_spec.hpp>

#include <cstdio>
#include <variant>

namespace {

constexpr const char* scenario_text = R"(
[bus]
name = "example"

[[meter]]
name = "water"
address = 5
id = "12345678"
manufacturer = "KAM"
version = 1
medium = "water"

[[meter.record]]
quantity = "volume"
unit = "l"
type = "bcd8"
value = 1234
)";

int failures = 0;

void check(bool ok, const char* what) {
    std::printf("%s: %s\n", ok ? "ok" : "FAILED", what);
    if (!ok) ++failures;
}

} // namespace

int main() {
    auto loaded = mbus::scenario::load_string(scenario_text, "example.toml");
    if (!loaded) {
        for (const auto& d : loaded.errors)
            std::printf("%s\n", mbus::scenario::to_string(d).c_str());
        return 1;
    }
    mbus::runtime::in_process_bus bus(*loaded.value);

    // REQ_UD2 to address 5 (C = 5B: FCV set, FCB clear).
    const auto x = bus.send(mbus::link::frame::short_frame(0x5B, 5));
    check(x && x->end == mbus::harness::fate::answered, "the meter answers REQ_UD2");
    if (!x || !x->outcome.frame) return 1;
    const auto ud = mbus::app::decode(x->outcome.frame->ci, x->outcome.frame->data);
    const auto* data = ud ? std::get_if<mbus::app::variable_data>(&*ud) : nullptr;
    check(data != nullptr && data->header.address && data->header.address->id == 0x12345678,
          "its telegram carries ID 12345678");
    check(data != nullptr && data->records.size() == 1 &&
              data->records[0].data == mbus::bytes{0x34, 0x12, 0x00, 0x00},
          "its volume record reads 1234 l");

    // A fault added through the API: the meter stops answering.
    mbus::sim::fault_spec drop;
    drop.name = "drop";
    drop.meter = "water";
    drop.action = mbus::sim::faults::no_answer{};
    bus.add_fault(drop);
    const auto silent = bus.send(mbus::link::frame::short_frame(0x7B, 5));
    check(silent && silent->end == mbus::harness::fate::silent && !silent->outcome.injected.empty(),
          "with the fault on, the meter is silent and the exchange names the fault");

    std::printf("%d checks failed\n", failures);
    return failures == 0 ? 0 : 1;
}
