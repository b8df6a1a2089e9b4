// libFuzzer: arbitrary bytes through link decode, app decode and libmbus XML never crash; what
// app::decode accepts encodes back to the same bytes; libmbus XML is either XML or an error line.

#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/libmbus_xml.hpp>
#include <mbus/link/frame.hpp>

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

void check_user_data(byte ci, bytes_view data) {
    const auto ud = app::decode(ci, data);
    if (!ud) {
        require(ud.error().category() == app::app_category(), "app errors are app errors");
        return;
    }
    const auto e = app::encode(*ud);
    require(e.ci == ci && std::equal(e.data.begin(), e.data.end(), data.begin(), data.end()),
            "decode then encode gives the same bytes");
    const auto again = app::decode(e.ci, e.data);
    require(again && *again == *ud, "encode then decode gives the same value");
    for (const bool normalized : {false, true}) {
        const auto xml = app::to_libmbus_xml(*ud, normalized);
        require(!xml || xml->starts_with("<?xml"), "libmbus XML starts with its declaration");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in(data, size);

    // As a frame on the wire, the way the simulator and mbus-sim decode see it.
    if (const auto f = link::decode(in)) {
        const auto& frame = f->value;
        if (frame.kind == link::frame_kind::control || frame.kind == link::frame_kind::long_frame)
            check_user_data(frame.ci, frame.data);
        for (const bool normalized : {false, true}) {
            const auto out = app::to_libmbus_xml(frame, normalized);
            require(out.ok() != out.xml.empty(), "either XML or an error");
        }
    }
    for (const bool normalized : {false, true}) {
        const auto out = app::libmbus_parse_hex(in, normalized);
        require(out.ok() != out.xml.empty(), "mbus_parse_hex gives XML or an error");
    }

    // As user data with the first byte for CI, to reach the record parser without a valid frame.
    if (size >= 1) check_user_data(data[0], in.subspan(1));
    return 0;
}
