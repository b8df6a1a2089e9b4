// libFuzzer: link::decode on arbitrary bytes never crashes, never reads past the frame it reports,
// and what it decodes encodes back to the same bytes.

#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace mbus;
using namespace mbus::link;

namespace {
void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in(data, size);
    const auto r = decode(in);
    const auto n = frame_size(in);
    if (r) {
        require(r->size >= 1 && r->size <= size, "size within input");
        require(n && *n == r->size, "frame_size agrees with decode");
        const auto frame_bytes = in.first(r->size);
        const auto wire = encode(r->value);
        require(wire && bytes_view(*wire).size() == r->size &&
                    std::equal(wire->begin(), wire->end(), frame_bytes.begin()),
                "decode then encode gives the same bytes");
        const auto again = decode(frame_bytes);
        require(again && *again == *r, "bytes after the frame do not matter");
        for (std::size_t k = 0; k < r->size; ++k)
            require(decode(in.first(k)).error() == errc::need_more, "every prefix of a frame needs more");
        require(!describe(r->value).empty(), "describe says something");
    } else {
        require(r.error().category() == link_category(), "errors are link errors");
        require(r.error() != errc::too_long && r.error() != errc::gap_timeout, "decode errors only");
        if (r.error() == errc::need_more) require(!n || *n > size, "need_more only for a short input");
    }

    // Any C, A, CI and up to 252 data bytes make a frame that survives the wire.
    if (size >= 3) {
        const auto data_len = std::min<std::size_t>(size - 3, 252);
        const auto f = frame::long_frame(data[0], data[1], data[2], bytes(data + 3, data + 3 + data_len));
        const auto wire = encode(f);
        require(wire.has_value(), "encode of at most 252 data bytes");
        const auto back = decode(*wire);
        require(back && back->value == f && back->size == wire->size(), "encode then decode");
        const auto s = frame::short_frame(data[0], data[1]);
        const auto sw = encode(s);
        require(sw && decode(*sw) && decode(*sw)->value == s, "short frame round trip");
    }
    return 0;
}
