// libFuzzer: scenario::load_string on arbitrary text. Loading never throws; it gives a scenario
// exactly when it found nothing wrong, else at least one diagnostic, each with a place
// (file:line:col) in the text. A scenario it gives keeps the promises of scenario.hpp and
// meter_config.hpp, and its meters answer a REQ_UD2 on a bus without crashing.
//
// The input is taken to come from scenarios/ so that the shipped scenarios (the seeds) find their
// models.

#include <mbus/link/frame.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/han_meter.hpp>
#include <mbus/sim/wmbus_meter.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

using namespace mbus;

namespace {

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

const std::string source_name = std::string(MBUS_FUZZ_SCENARIO_DIR) + "/fuzz-input.toml";

bool valid_baud(unsigned b) {
    for (const unsigned r : {300u, 600u, 1200u, 2400u, 4800u, 9600u, 19200u, 38400u})
        if (b == r) return true;
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // A model path may name any file: device files would block or never end (/dev/zero). That is
    // the user's own doing, not something a fuzzer should wait on.
    for (const auto* dev : {"/dev", "/proc", "/sys"})
        if (text.find(dev) != std::string_view::npos) return 0;

    const auto r = scenario::load_string(text, source_name);
    require(r.value.has_value() == r.errors.empty(), "a scenario exactly when there are no diagnostics");
    for (const auto& d : r.errors) {
        require(!d.file.empty(), "a diagnostic names a file");
        require(d.line >= 1 && d.column >= 1, "a diagnostic names a line and a column");
        require(!d.message.empty(), "a diagnostic says what is wrong");
        const auto shown = scenario::to_string(d);
        require(
            shown.starts_with(d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + ": "),
            "a diagnostic prints as file:line:col");
    }
    if (!r) return 0;

    const auto& sc = *r.value;
    require((sc.meters.empty() ? 0 : 1) + (sc.han_meters.empty() ? 0 : 1) +
                    (sc.wmbus_meters.empty() ? 0 : 1) + (sc.replays.empty() ? 0 : 1) ==
                1,
            "a scenario has wired M-Bus meters, HAN meters, wireless meters or a replay: one kind");
    require(sc.replays.size() <= 1, "one replay per scenario");
    // Wireless meters transmit: the first few transmissions are made (records, mode 5) without a
    // crash; one the encoder refuses is an error value, as for HAN.
    for (const auto& w : sc.wmbus_meters) {
        require(!w.name.empty(), "a wireless meter has a name");
        require(w.interval_min_s > 0 && w.interval_min_s <= w.interval_max_s,
                "intervals are ordered and positive");
        sim::sim_now now;
        sim::wmbus_meter meter(w, now);
        for (int i = 0; i < 3; ++i) {
            now.mono = meter.next_due();
            const auto t = meter.transmit(now);
            if (!t) break;
            require(!t->air.empty() && !t->plain.empty(), "a transmission has bytes");
            require(t->plain[0] + 1u == t->plain.size(), "L counts the bytes after it");
        }
    }
    // HAN meters push: the first minute's pushes are made (encoded, ciphered) without a crash. A
    // push the encoder refuses is an error value (the runtime logs it), not asserted away here.
    for (const auto& h : sc.han_meters) {
        require(!h.name.empty(), "a HAN meter has a name");
        sim::sim_now start;
        sim::han_meter meter(h, start);
        start.mono += std::chrono::seconds(60);
        start.wall += std::chrono::seconds(60);
        const auto pushes = meter.poll(start);
        require(!pushes.has_value() || !pushes->empty(), "a HAN meter pushes every few seconds");
    }
    require(sc.present.size() == sc.meters.size(), "one presence flag per meter");
    require(valid_baud(sc.bus.baud), "the bus runs at an M-Bus rate");
    std::set<std::string> names;
    for (const auto& m : sc.meters) {
        require(m.primary_address <= link::address::max_primary, "primary addresses are 0..250");
        require(valid_baud(m.baud), "a meter runs at an M-Bus rate");
        require(!m.name.empty() && names.insert(m.name).second, "meter names are set and unique");
        require(m.records.empty() != m.recorded.empty(), "records or recorded telegrams, not both");
        require(m.identity.id <= 0x99999999u, "the id is 8 digits");
    }

    // The meters run: each answers (or not) a REQ_UD2 to its address. Bounded: `repeat` may make
    // thousands.
    sim::bus bus(sc.bus.config);
    const std::size_t n = std::min<std::size_t>(sc.meters.size(), 8);
    for (std::size_t i = 0; i < n; ++i)
        bus.add(sc.meters[i]);
    sim::sim_now now;
    for (std::size_t i = 0; i < n; ++i) {
        const auto reply = bus.on_frame(
            link::frame::short_frame(link::c_field::req_ud2, sc.meters[i].primary_address), sc.bus.baud, now);
        require(reply.received.size() == reply.wire.size(), "every received byte is reported");
        now.mono += std::chrono::seconds(1);
    }
    return 0;
}
