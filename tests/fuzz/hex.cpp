// libFuzzer: from_hex on arbitrary text and to_hex on arbitrary bytes. What from_hex reads, to_hex
// writes back in a form from_hex reads as the same bytes (with any separator to_hex offers), and
// any bytes survive to_hex then from_hex.

#include <mbus/core/bytes.hpp>
#include <mbus/core/errc.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace mbus;

namespace {
void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

void round_trip(const bytes& b) {
    if (b.empty()) return; // "" is no hex (empty_input)
    for (const std::string_view sep : {" ", "", ":", ", "}) {
        const auto text = to_hex(b, sep);
        const auto pair = 2 * b.size() + sep.size() * (b.size() - 1);
        require(text.size() == pair, "two digits a byte and a separator between");
        const auto back = from_hex(text);
        require(back && *back == b, "to_hex then from_hex gives the bytes");
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto r = from_hex(text);
    if (r) {
        require(r->size() <= (size + 1) / 2, "at most a byte per two characters");
        round_trip(*r);
    } else {
        require(r.error().category() == core_category(), "hex errors are core errors");
    }
    round_trip(bytes(data, data + size));
    return 0;
}
