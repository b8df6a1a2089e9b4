// libFuzzer: arbitrary bytes as a wireless M-Bus frame (every layout) and as the telegram after the
// link fields, with and without a key, never crash; a frame that decodes encodes back to the same
// bytes, and its JSON builds.

#include <mbus/wmbus/frame.hpp>
#include <mbus/wmbus/telegram.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace mbus;

namespace {

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

const bytes key(16, 0x5A);

void check_telegram(const wmbus::frame& f) {
    for (const bool with_key : {false, true}) {
        const auto t = with_key ? wmbus::decode(f, bytes_view(key)) : wmbus::decode(f);
        if (t) require(!wmbus::to_json(*t).is_null(), "a decoded telegram has JSON");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in(data, size);
    for (const auto l : {wmbus::layout::a, wmbus::layout::b, wmbus::layout::no_crc}) {
        const auto f = wmbus::decode(in, l);
        if (!f) {
            require(!wmbus::describe(in, l, f.error()).empty(), "every error has words");
            continue;
        }
        const auto back =
            l == wmbus::layout::no_crc
                ? wmbus::encode_plain(*f)
                : wmbus::encode(*f, l == wmbus::layout::a ? wmbus::frame_format::a : wmbus::frame_format::b);
        require(back && std::equal(back->begin(), back->end(), in.begin(), in.end()),
                "decode then encode gives the same bytes");
        check_telegram(*f);
    }
    // As the bytes after the link fields, to reach ELL, AFL and the security layers directly.
    wmbus::frame f;
    f.data.assign(in.begin(), in.end());
    check_telegram(f);
    return 0;
}
