#include <mbus/sim/han_fault.hpp>

#include <mbus/han/hdlc.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

namespace mbus::sim {

namespace {

std::size_t frame_length(bytes_view wire, std::size_t at) { // flags included; 0: no frame here
    if (at + 3 > wire.size() || wire[at] != han::hdlc_flag || (wire[at + 1] & 0xF0) != 0xA0) return 0;
    const std::size_t inner = (static_cast<std::size_t>(wire[at + 1] & 0x07) << 8) | wire[at + 2];
    return inner + 2;
}

// A 16-bit check sequence made wrong whatever it was: its low byte inverted.
void spoil(bytes& wire, std::size_t at) { wire[at] = static_cast<byte>(wire[at] ^ 0xFF); }

std::string ms(duration d) {
    return fmt::format("{}",
                       static_cast<double>(std::chrono::duration_cast<microseconds>(d).count()) / 1000.0);
}

} // namespace

std::string_view name(const han_fault_action& a) { return alternative_name(a); }

std::optional<han_fault_action> parse_han_fault_kind(std::string_view text) {
    return parse_fault_kind<han_fault_action>(text);
}

std::vector<std::pair<std::size_t, std::size_t>> hdlc_frame_spans(bytes_view wire) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::size_t at = 0;
    while (at < wire.size()) {
        const auto n = frame_length(wire, at);
        if (n == 0 || at + n > wire.size()) break;
        out.emplace_back(at, at + n);
        at += n;
        // Some makes send a second flag between frames.
        if (at < wire.size() && wire[at] == han::hdlc_flag && frame_length(wire, at) == 0) ++at;
    }
    return out;
}

std::optional<std::size_t> hdlc_hcs_offset(bytes_view frame) {
    const auto n = frame_length(frame, 0);
    if (n == 0 || n > frame.size()) return std::nullopt;
    std::size_t at = 3; // after the flag and the format field
    for (int address = 0; address < 2; ++address) {
        std::size_t len = 0;
        while (at < n && len < 4) {
            ++len;
            if ((frame[at++] & 0x01) != 0) break;
        }
    }
    ++at; // control
    // HCS (2), then at least one information byte before FCS (2) and the flag.
    if (at + 2 + 1 + 2 + 1 > n) return std::nullopt;
    return at;
}

std::optional<bytes> with_bad_hcs(bytes wire) {
    const auto spans = hdlc_frame_spans(wire);
    if (spans.empty()) return std::nullopt;
    const auto [from, to] = spans.front();
    const auto hcs = hdlc_hcs_offset(bytes_view(wire).subspan(from, to - from));
    if (!hcs) return std::nullopt;
    spoil(wire, from + *hcs);
    return wire;
}

std::optional<bytes> with_bad_fcs(bytes wire) {
    const auto spans = hdlc_frame_spans(wire);
    if (spans.empty()) return std::nullopt;
    spoil(wire, spans.back().second - 3); // FCS low byte, high byte, closing flag
    return wire;
}

han_meter rebooted(const han_meter& m, sim_now restart) {
    auto c = m.config();
    const auto& r = m.registers();
    c.import_wh = r.import_wh;
    c.export_wh = r.export_wh;
    c.import_varh = r.import_varh;
    c.export_varh = r.export_varh;
    return han_meter(std::move(c), restart);
}

han::object_list with_unknown_object(han::object_list list, const han_faults::unknown_obis& u) {
    han::cosem_object o;
    o.code = u.code;
    o.source =
        list.layout == han::body_layout::positional ? han::code_source::position : han::code_source::on_wire;
    o.value = han::data::unsigned_integer(han::data_type::uint32, u.value);
    const auto at = std::min(u.position.value_or(list.objects.size()), list.objects.size());
    list.objects.insert(list.objects.begin() + static_cast<std::ptrdiff_t>(at), std::move(o));
    return list;
}

result<han_push_outcome> apply_han_faults(han_fault_engine& engine, const std::vector<std::size_t>& fired,
                                          const han_push& push, const han_push_source& source) {
    han_push_outcome out;
    out.wire = push.wire;
    const auto line = [&](std::size_t i, std::string what) {
        out.injected.push_back(fmt::format("{} (fault '{}')", what, engine.faults()[i].name));
    };
    // The order of the kinds, not of the scenario's faults: content, checks, cut, noise, time.
    const auto each = [&]<class T>(auto&& fn) {
        for (const auto i : fired)
            if (const auto* a = std::get_if<T>(&engine.faults()[i].action)) fn(i, *a);
    };
    std::optional<std::error_code> failed;

    each.template operator()<han_faults::unknown_obis>([&](std::size_t i, const han_faults::unknown_obis& u) {
        if (failed) return;
        const auto list = with_unknown_object(push.objects, u);
        const auto n = han_notification(source.identity, push.list, list,
                                        han_clock(push.clock, source.identity.make, source.identity.variant));
        auto wire = han_frames(source.identity, n, source.cipher, source.frame_counter);
        if (!wire) {
            failed = wire.error();
            return;
        }
        out.wire = std::move(*wire);
        line(i, fmt::format(
                    "list {} with unknown object {} = {} at position {}", push.list, u.code.str(), u.value,
                    std::min(u.position.value_or(push.objects.objects.size()), push.objects.objects.size())));
    });
    if (failed) return unexpected(*failed);
    each.template operator()<han_faults::bad_hcs>([&](std::size_t i, const han_faults::bad_hcs&) {
        if (auto b = with_bad_hcs(out.wire)) {
            out.wire = std::move(*b);
            line(i, "bad HCS");
        }
    });
    each.template operator()<han_faults::bad_fcs>([&](std::size_t i, const han_faults::bad_fcs&) {
        if (auto b = with_bad_fcs(out.wire)) {
            out.wire = std::move(*b);
            line(i, "bad FCS");
        }
    });
    each.template operator()<han_faults::truncate>([&](std::size_t i, const han_faults::truncate& t) {
        const auto size = out.wire.size();
        const auto keep = t.keep != 0
                              ? t.keep
                              : static_cast<std::size_t>(std::floor(static_cast<double>(size) * t.fraction));
        if (keep == 0 || keep >= size) return;
        out.wire.resize(keep);
        line(i, fmt::format("cut to {} of {} bytes", keep, size));
    });
    each.template operator()<han_faults::junk>([&](std::size_t i, const han_faults::junk& j) {
        bytes noise = j.data;
        if (noise.empty()) {
            auto& rng = engine.rng(i);
            noise.resize(j.random);
            for (auto& b : noise)
                b = static_cast<byte>(rng() & 0xFF);
        }
        out.wire.insert(out.wire.begin(), noise.begin(), noise.end());
        line(i, fmt::format("junk [{}] before the push", to_hex(noise)));
    });
    each.template operator()<han_faults::late>([&](std::size_t i, const han_faults::late& l) {
        const auto span = static_cast<std::uint64_t>((l.delay.max - l.delay.min).count());
        auto& rng = engine.rng(i);
        const auto d =
            l.delay.min + microseconds(static_cast<microseconds::rep>(span == 0 ? 0 : rng() % (span + 1)));
        out.delay += std::chrono::duration_cast<duration>(d);
        line(i, fmt::format("late by {} ms", ms(std::chrono::duration_cast<duration>(d))));
    });
    each.template operator()<han_faults::missing>([&](std::size_t i, const han_faults::missing&) {
        out.sent = false;
        line(i, fmt::format("list {} not sent", push.list));
    });
    each.template operator()<han_faults::clock_jump>([&](std::size_t i, const han_faults::clock_jump& c) {
        out.clock_jump = out.clock_jump.value_or(std::chrono::seconds{0}) + c.by;
        line(i, fmt::format("meter clock jumps {:+} s after this push", c.by.count()));
    });
    each.template operator()<han_faults::reboot>([&](std::size_t i, const han_faults::reboot& r) {
        out.reboot = r.clock;
        const auto c = han_clock(r.clock, source.identity.make, source.identity.variant);
        line(i, fmt::format("meter reboots after this push: frame counter restarts, clock at "
                            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                            c.year, c.month, c.day, c.hour, c.minute, c.second));
    });
    return out;
}

} // namespace mbus::sim
