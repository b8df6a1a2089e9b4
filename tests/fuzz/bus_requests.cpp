// libFuzzer: a sim::bus of five meters fed requests decoded from the input, at increasing times
// and line rates from the input: SND_NKE, REQ_UD1/2 with FCB and FCV, SND_UD set address, set
// identification, record writes, baud switch and application reset, selection (CI 52/56, with
// wildcards and the fabrication number), broadcasts, and any other frame. Checks that the bus does
// not crash, that a reply without a collision is one whole frame the master can decode, that every
// slave's own answer is an E5 or an RSP_UD from its address, and that addresses stay 0..250.
//
// Input, repeated: an op byte, then its operands. Op bits 0-3: the request (see `next`); bits 4-6:
// the time step before it; bit 7: the FCB (REQ_UD) or a flag of the request.

#include <mbus/link/frame.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/bus.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace mbus;
using namespace std::chrono_literals;

namespace {

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

// Meters that reach most of the slave: a multi-telegram readout with a writable record and an
// alarm, a second meter at another rate with the other wildcard style and quirks, a meter that
// replays recorded telegrams, write rules, and two meters that share an address and collide.
constexpr std::string_view meters_toml = R"(
[bus]
seed = 3
strict_baud = true

[[meter]]
name = "multi"
address = 1
id = "12345678"
fabrication_number = "00112233"
manufacturer = "TST"
medium = "heat"
alarm = { pending = true }
access_number = { start = 250 }
[[meter.record]]
telegram = 1
quantity = "energy"
unit = "kWh"
type = "bcd8"
value = { counter = { start = 8000, rate = 2, per = "h" } }
writable = true
[[meter.record]]
quantity = "date_time"
value = "now"
[[meter.record]]
telegram = 2
quantity = "volume"
unit = "m3"
resolution = 0.01
type = "int32"
value = { sine = { offset = 20, amplitude = 5, period = "1h" } }
[[meter.write_rule]]
data = "08 06"
prefix = true
reply = { telegram = 2 }

[[meter]]
name = "fast"
address = 2
id = "12345679"
manufacturer = "ABC"
medium = "water"
baud = 9600
quirks = { wildcards = "nibbles_everywhere", fcb = "ignore", refuse = "ack_then_app_error", skew_bits = 1.5 }
[[meter.record]]
quantity = "volume"
unit = "l"
type = "int24"
value = { random_walk = { start = 50, step = 0.5, min = 0, max = 1000, interval = "10s" } }
writable = true

[[meter]]
name = "replay"
address = 3
id = "22345678"
manufacturer = "XYZ"
medium = "gas"
quirks = { refuse = "silent" }
alarm = { user_data = "11223344 5A1B0007 01 00 0000 0406 01000000" }
[[meter.recorded]]
user_data = "11223344 5A1B0007 01 00 0000 0406 01000000 1F"
[[meter.recorded]]
hex = "68 03 03 68 08 03 72 7D 16"

[[meter]]
name = "twin-a"
address = 4
id = "33345678"
manufacturer = "TST"
medium = "water"
[[meter.record]]
quantity = "volume"
unit = "m3"
type = "bcd8"
value = 12

[[meter]]
name = "twin-b"
address = 4
id = "33345679"
manufacturer = "TST"
medium = "water"
quirks = { skew_bits = 3 }
[[meter.record]]
quantity = "volume"
unit = "m3"
type = "bcd8"
value = 13
)";

const sim::bus& prototype() {
    static const sim::bus b = [] {
        const auto r = scenario::load_string(meters_toml, "fuzz_bus_requests.toml");
        if (!r) {
            for (const auto& d : r.errors)
                std::fprintf(stderr, "%s\n", scenario::to_string(d).c_str());
            std::abort();
        }
        sim::bus out(r.value->bus.config);
        for (const auto& m : r.value->meters)
            out.add(m);
        return out;
    }();
    return b;
}

constexpr std::array<unsigned, 11> line_bauds{0, 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, 2400, 1234};
constexpr std::array<std::chrono::milliseconds, 8> steps{0ms, 1ms, 50ms, 500ms, 10s, 1h, 24h, 1ms};

struct input {
    const std::uint8_t* p;
    const std::uint8_t* end;
    bool empty() const { return p == end; }
    byte take() { return p == end ? 0 : *p++; }
    bytes take(std::size_t n) {
        n = std::min<std::size_t>(n, static_cast<std::size_t>(end - p));
        bytes out(p, p + n);
        p += n;
        return out;
    }
};

// The meters' addresses and the selection, broadcast and out-of-range ones.
byte address(input& in) {
    static constexpr std::array<byte, 8> known{0, 1, 2, 3, 4, 253, 254, 255};
    const byte b = in.take();
    return b < 0xF0 ? known[b % known.size()] : b;
}

// A request frame from the input; nullopt for a change of line rate.
std::optional<link::frame> next(input& in, byte op, unsigned& line_baud) {
    using link::frame;
    namespace c = link::c_field;
    const bool flag = (op & 0x80) != 0;
    switch (op & 0x0F) {
    case 0: return frame::short_frame(c::snd_nke, address(in));
    case 1: return frame::short_frame(flag ? c::req_ud2 | c::fcb : c::req_ud2, address(in));
    case 2: return frame::short_frame(0x4B, address(in)); // REQ_UD2 with FCV=0
    case 3: return frame::short_frame(flag ? c::req_ud1 | c::fcb : c::req_ud1, address(in));
    case 4: { // set primary address: 01 7A new address
        const byte a = address(in);
        return frame::long_frame(c::snd_ud, a, app::ci::data_send, {0x01, 0x7A, in.take()});
    }
    case 5: { // set identification: 0C 79 (BCD id) or 07 79 (the whole secondary address)
        const byte a = address(in);
        bytes d = flag ? bytes{0x07, 0x79} : bytes{0x0C, 0x79};
        const auto v = in.take(flag ? 8 : 4);
        d.insert(d.end(), v.begin(), v.end());
        return frame::long_frame(c::snd_ud, a, app::ci::data_send, d);
    }
    case 6: { // a record write (the writable energy and volume records, or anything)
        const byte a = address(in);
        static const std::array<bytes, 3> shapes{bytes{0x0C, 0x06}, bytes{0x0B, 0x13}, bytes{0x08, 0x06}};
        const byte k = in.take();
        bytes d = k < 0xC0 ? shapes[k % shapes.size()] : bytes{};
        const auto v = in.take(in.take() % 12);
        d.insert(d.end(), v.begin(), v.end());
        return frame::long_frame(flag ? c::snd_ud2 : c::snd_ud, a, app::ci::data_send, d);
    }
    case 7: { // baud switch B8..BF
        const byte a = address(in);
        return frame::long_frame(c::snd_ud, a, static_cast<byte>(app::ci::baud_300 + (in.take() & 7)));
    }
    case 8: { // application reset, with or without a subcode
        const byte a = address(in);
        return frame::long_frame(c::snd_ud, a, app::ci::app_reset, flag ? bytes{in.take()} : bytes{});
    }
    case 9: { // selection: 8 bytes of mask (wildcards F and FF as given), maybe a fabrication number
        const byte ci = flag ? app::ci::select_msb : app::ci::select;
        auto d = in.take(8);
        if (in.take() & 1) {
            d.push_back(0x0C);
            d.push_back(0x78);
            const auto fab = in.take(4);
            d.insert(d.end(), fab.begin(), fab.end());
        }
        return frame::long_frame(c::snd_ud, link::address::selected, ci, d);
    }
    case 10: line_baud = line_bauds[in.take() % line_bauds.size()]; return std::nullopt;
    default: { // any frame: C, A, CI and up to 31 data bytes
        const byte cf = in.take();
        const byte a = address(in);
        if (op & 0x01) return frame::short_frame(cf, a);
        const byte ci = in.take();
        return frame::long_frame(cf, a, ci, in.take(in.take() & 0x1F));
    }
    }
}

void check(const sim::bus& bus, const sim::bus_reply& r, const std::vector<byte>& addresses_before) {
    require(r.received.size() == r.wire.size(), "every received byte is reported");
    require(r.collision == (r.answers.size() > 1), "a collision is more than one answer");
    if (!r.collision && !r.wire.empty()) {
        const auto d = link::decode(r.wire);
        require(d && d->size == r.wire.size(), "a reply without a collision is one whole frame");
    }
    for (const auto& e : r.events) {
        require(e.slave < bus.size(), "events name slaves of the bus");
        if (e.reply.wire.empty()) continue;
        const auto d = link::decode(e.reply.wire);
        require(d && d->size == e.reply.wire.size(), "a slave answers one whole frame");
        const auto& f = d->value;
        if (f.kind == link::frame_kind::ack) continue;
        if (e.slave == 2) continue; // replays recorded bytes as they are
        require((f.c & ~(link::c_field::acd | link::c_field::dfc)) == link::c_field::rsp_ud,
                "a slave answers E5 or RSP_UD");
        require(f.a == addresses_before[e.slave], "an RSP_UD carries the slave's address");
    }
    for (std::size_t i = 0; i < bus.size(); ++i)
        require(bus.at(i).address() <= link::address::max_primary, "addresses stay 0..250");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sim::bus bus = prototype();
    input in{data, data + size};
    unsigned line_baud = 2400;
    sim::sim_now now{time_point{} + 1h, wall_time{} + std::chrono::hours(24 * 365 * 55)};
    std::vector<byte> before(bus.size());
    for (int requests = 0; !in.empty() && requests < 256; ++requests) {
        const byte op = in.take();
        now.mono += steps[(op >> 4) & 7];
        now.wall += steps[(op >> 4) & 7];
        const auto f = next(in, op, line_baud);
        if (!f) continue;
        require(link::encode(*f).has_value(), "requests can be sent");
        for (std::size_t i = 0; i < bus.size(); ++i)
            before[i] = bus.at(i).address();
        const auto r = bus.on_frame(*f, line_baud, now);
        check(bus, r, before);
    }
    return 0;
}
