// Decoding speed over the libmbus corpus (../shared/corpus/libmbus, every .hex that is a long
// frame), read once into memory and decoded over and over. Prints frames per second for
//   - link + app decode to records,
//   - the same plus libmbus XML (plain and normalized),
//   - the same plus JSON (app::to_json, dumped to text),
// and the machine's core count. Nothing is asserted: figures depend on the machine.
//
// Run (Release for meaningful figures):
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench --target bench_decode
//   build-bench/tests/bench_decode [seconds per measurement, default 1]
// MBUS_CORPUS=path overrides where the corpus is looked for.

#include <mbus/app/codec.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/libmbus_xml.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>

#include "support/corpus.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

using namespace mbus;

namespace {

using bench_clock = std::chrono::steady_clock;

// Runs `pass` (one decode of every frame) until `seconds` have gone by; frames per second.
double measure(const std::vector<bytes>& frames, double seconds,
               const std::function<std::size_t(const bytes&)>& work) {
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
    // The sink keeps the optimiser from dropping the work.
    if (sink == 42) std::fputs("", stdout);
    return static_cast<double>(done) / took.count();
}

std::size_t decode_records(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    const auto ud = app::decode(f->value.ci, f->value.data);
    if (!ud) return 1;
    const auto* v = std::get_if<app::variable_data>(&*ud);
    return v != nullptr ? v->records.size() : 2;
}

std::size_t decode_xml(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    return app::to_libmbus_xml(f->value, false).xml.size() + app::to_libmbus_xml(f->value, true).xml.size();
}

std::size_t decode_json(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return 0;
    const auto ud = app::decode(f->value.ci, f->value.data);
    if (!ud) return 1;
    return app::to_json(*ud).dump().size();
}

} // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::strtod(argv[1], nullptr) : 1.0;
    const auto dir = test::corpus_dir();
    if (!dir) return 1;
    std::vector<bytes> frames;
    for (const char* folder : {"test-frames", "error-frames", "unsupported-frames"}) {
        for (const auto& p : test::files_with_suffix(*dir / "libmbus" / folder, ".hex")) {
            auto wire = from_hex(test::read_file(p));
            if (!wire) continue;
            const auto f = link::decode(*wire);
            if (f && f->value.kind == link::frame_kind::long_frame) frames.push_back(std::move(*wire));
        }
    }
    std::size_t total_bytes = 0;
    for (const auto& f : frames)
        total_bytes += f.size();
    fmt::print("bench decode: {} libmbus corpus frames ({} bytes), {} s per figure, {} cores\n",
               frames.size(), total_bytes, seconds, std::thread::hardware_concurrency());
    fmt::print("  decode to records:            {:>12.0f} frames/s\n",
               measure(frames, seconds, decode_records));
    fmt::print("  decode to libmbus XML (x2):   {:>12.0f} frames/s (plain and normalized each frame)\n",
               measure(frames, seconds, decode_xml));
    fmt::print("  decode to JSON:               {:>12.0f} frames/s\n", measure(frames, seconds, decode_json));
    return 0;
}
