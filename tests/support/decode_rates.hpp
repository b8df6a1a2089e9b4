#pragma once
// Decoding rates over corpus frames held in memory, for the benchmarks (bench_decode,
// bench_perf_table): each function decodes one frame and returns a size that keeps the optimiser
// from dropping the work; rate() runs one over every frame until the time is spent.

#include <mbus/app/codec.hpp>
#include <mbus/app/decoded_record.hpp>
#include <mbus/app/describe_in_place.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/libmbus_xml.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/app/record_view.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/frame_view.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

namespace mbus::test {

// Link + app decode to records a user can read (app::decode_records into app::decoded_record:
// function, storage, tariff, subunit, quantity and unit from the static tables, exponent, the value
// decoded (integer, BCD, real, date) and scaled), into one vector reused from frame to frame, so no
// heap allocation per record. The same work as libmbus's mbus_frame_data_parse and more: libmbus
// copies each record's DIF/DIFE/VIF/VIFE/data bytes into a struct it mallocs and decodes no value
// and no unit (mbus-protocol.c, mbus_data_variable_parse: mbus_data_record_new per record, then
// byte copies; values and units come later, in its XML writer). The frame is read in place
// (link::decode_view), as libmbus's mbus_parse fills a struct without allocating.
inline std::size_t decode_records(const bytes& wire) {
    thread_local std::vector<app::decoded_record> records;
    const auto f = link::decode_view(wire);
    if (!f) return 0;
    const auto v = app::decode_variable_view(f->value.ci, f->value.data);
    if (!v) {
        const auto ud = app::decode(f->value.ci, f->value.data);
        return ud ? 2 : 1;
    }
    std::size_t sum = static_cast<std::size_t>(static_cast<bool>(app::decode_records(*v, records)));
    for (const auto& r : records)
        sum += r.storage + (r.has_scaled ? static_cast<std::size_t>(r.scaled != 0) : 2) +
               r.unit_symbol.size() + static_cast<std::size_t>(r.vib.q);
    return sum;
}

// The same, described as app::describe_fields does (record_meaning: owning value and unit text, the
// VIFEs in words), without the one-line text.
inline std::size_t decode_described(const bytes& wire) {
    const auto f = link::decode_view(wire);
    if (!f) return 0;
    const auto v = app::decode_variable_view(f->value.ci, f->value.data);
    if (!v) {
        const auto ud = app::decode(f->value.ci, f->value.data);
        return ud ? 2 : 1;
    }
    std::size_t sum = 0;
    auto c = v->cursor();
    while (const auto r = c.next()) {
        const auto m = app::describe_fields(*r);
        if (!m) {
            ++sum;
            continue;
        }
        sum += m->dib.storage + (m->scaled ? static_cast<std::size_t>(*m->scaled != 0) : 2) +
               (m->vib ? m->vib->unit_text.size() + static_cast<std::size_t>(m->vib->q) : 3);
    }
    return sum;
}

// Link + app decode to records as views into the frame, their fields at hand (DIF, DIFE, VIF,
// VIFE, data) but not their meaning: the cursor alone (the frame read in place too).
inline std::size_t decode_record_views(const bytes& wire) {
    const auto f = link::decode_view(wire);
    if (!f) return 0;
    const auto v = app::decode_variable_view(f->value.ci, f->value.data);
    if (!v) {
        const auto ud = app::decode(f->value.ci, f->value.data);
        return ud ? 2 : 1;
    }
    std::size_t sum = 0;
    auto c = v->cursor();
    while (const auto r = c.next())
        sum += r->data.size() + r->dife.size() + r->vife.size() + r->vif;
    return sum;
}

// The same into the value types (app::decode: app::record with vectors of its own).
inline std::size_t decode_record_values(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    const auto ud = app::decode(f->value.ci, f->value.data);
    if (!ud) return 1;
    const auto* v = std::get_if<app::variable_data>(&*ud);
    return v != nullptr ? v->records.size() : 2;
}

// The same plus libmbus's plain XML (as `mbus_parse_hex FILE`).
inline std::size_t decode_plain_xml(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    return app::to_libmbus_xml(f->value, false).xml.size();
}

// Plain and normalized XML of each frame.
inline std::size_t decode_both_xml(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    return app::to_libmbus_xml(f->value, false).xml.size() + app::to_libmbus_xml(f->value, true).xml.size();
}

// The same plus JSON text (app::write_json from the frame's bytes: the text of
// app::to_json(...).dump(), its records written from app::decoded_record into one buffer, without
// the DOM or record values).
inline std::size_t decode_json(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    std::string out;
    if (!app::write_json(out, f->value.ci, f->value.data)) return 1;
    return out.size();
}

// The same through the DOM (app::to_json, dumped), as before the writer.
inline std::size_t decode_json_dom(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    const auto ud = app::decode(f->value.ci, f->value.data);
    if (!ud) return 1;
    return app::to_json(*ud).dump().size();
}

// Frames per second of `work` over `frames` for about `seconds`.
template <class F>
double rate(const std::vector<bytes>& frames, double seconds, F&& work) {
    using bench_clock = std::chrono::steady_clock;
    std::size_t sink = 0;
    std::size_t done = 0;
    const auto start = bench_clock::now();
    const auto budget = std::chrono::duration<double>(seconds);
    do {
        for (const auto& f : frames)
            sink += work(f);
        done += frames.size();
    } while (bench_clock::now() - start < budget);
    const std::chrono::duration<double> took = bench_clock::now() - start;
    if (sink == 42) std::fputs("", stdout);
    return static_cast<double>(done) / took.count();
}

} // namespace mbus::test
