// libFuzzer: capture files, hex dumps and raw logs (the capture layer) on arbitrary input. A capture's
// chunks written back by capture_writer read as the same chunks; the HDLC cut keeps every byte.

#include <mbus/capture/capture_file.hpp>
#include <mbus/capture/hex_dump.hpp>
#include <mbus/capture/raw_log.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string_view>

using namespace mbus;

namespace {
void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto c = capture::read_capture(text);
    capture::micros last{0};
    for (const auto& ch : c.chunks) {
        require(ch.at && *ch.at >= last, "chunk times never go back");
        require(!ch.data.empty(), "no empty chunk");
        last = *ch.at;
    }
    for (const auto& p : c.problems)
        require(p.line >= 0 && (p.line == 0 || p.column >= 1), "a problem has its place");
    std::ostringstream os;
    capture::capture_writer w(os, {});
    for (const auto& ch : c.chunks)
        w.write(*ch.at, ch.data);
    const auto back = capture::read_capture(os.str());
    require(back.problems.empty() && back.chunks == c.chunks, "written chunks read back the same");

    const auto d = capture::read_hex_dump(text);
    for (const auto& ch : d.chunks)
        require(!ch.data.empty() && !ch.at, "a dump line is bytes without a time");
    const bytes_view raw(data, size);
    const auto cut = capture::split_frames(raw, 16);
    const auto joined = capture::joined(cut);
    require(joined.size() == size && std::equal(joined.begin(), joined.end(), raw.begin()),
            "the cut keeps every byte");
    return 0;
}
