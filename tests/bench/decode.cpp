// Decoding speed over the libmbus corpus (../shared/corpus/libmbus, every .hex that is a long
// frame), read once into memory and decoded over and over. Prints frames per second for
//   - link + app decode to lean records (app::decode_records), to described records (in place), to
//     bare views, and to record values (app::decode),
//   - the same plus libmbus XML (plain and normalized; plain alone),
//   - the same plus JSON (app::write_json, with its ratio to plain XML, and app::to_json dumped to
//     text),
// and the machine's core count. Nothing is asserted: figures depend on the machine.
//
// Run (Release for meaningful figures):
//   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build build-bench --target bench_decode
//   build-bench/tests/bench_decode [seconds per measurement, default 1]
// MBUS_CORPUS=path overrides where the corpus is looked for.

#include "support/corpus.hpp"
#include "support/decode_rates.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <thread>
#include <vector>

using namespace mbus;

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
    fmt::print("  decode to records:            {:>12.0f} frames/s (app::decode_records, a reused vector)\n",
               test::rate(frames, seconds, test::decode_records));
    fmt::print("  decode to described records:  {:>12.0f} frames/s (app::describe_fields, words and all)\n",
               test::rate(frames, seconds, test::decode_described));
    fmt::print("  decode to record views:       {:>12.0f} frames/s (views into the frame, no meaning)\n",
               test::rate(frames, seconds, test::decode_record_views));
    fmt::print("  decode to record values:      {:>12.0f} frames/s (app::decode)\n",
               test::rate(frames, seconds, test::decode_record_values));
    fmt::print("  decode to libmbus XML (x2):   {:>12.0f} frames/s (plain and normalized each frame)\n",
               test::rate(frames, seconds, test::decode_both_xml));
    const double xml = test::rate(frames, seconds, test::decode_plain_xml);
    fmt::print("  decode to plain libmbus XML:  {:>12.0f} frames/s (as mbus_parse_hex prints it)\n", xml);
    const double json = test::rate(frames, seconds, test::decode_json);
    fmt::print("  decode to JSON:               {:>12.0f} frames/s (app::write_json), {:.2f}x plain XML\n",
               json, xml > 0 ? json / xml : 0.0);
    fmt::print("  decode to JSON through a DOM: {:>12.0f} frames/s (app::to_json(...).dump())\n",
               test::rate(frames, seconds, test::decode_json_dom));
    return 0;
}
