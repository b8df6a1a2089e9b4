// libFuzzer: the han layer on arbitrary bytes never crashes: an HDLC frame, an LLC PDU, an APDU and
// its objects decode or give a han error, and what decodes encodes back to the same bytes. The
// splitter sees the same bytes as a stream.

#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>

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

void apdu_and_objects(bytes_view in) {
    const auto a = han::decode_apdu(in);
    if (!a) return;
    // Lengths may come in a long form and booleans as any byte: the encoding is canonical, so the
    // invariant is that it is stable, not that it gives back the input.
    const auto wire = han::encode_notification(a->notification);
    require(wire.has_value(), "a decoded notification encodes");
    const auto again = han::decode_notification(*wire);
    require(again && han::encode_notification(*again).value() == *wire, "notification encoding is stable");
    const auto l = han::objects_of(a->notification.body);
    if (!l) return;
    for (const auto& o : l->objects)
        (void)o.text();
    require(han::body_of(*l) == a->notification.body, "objects give back the body");
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in(data, size);
    if (const auto f = han::decode_hdlc(in)) {
        const auto wire = han::encode_hdlc(*f);
        // A header check sequence before an empty information field is dropped on encoding.
        require(wire && (f->information.empty() || *wire == bytes(in.begin(), in.end())), "hdlc round trip");
        if (const auto apdu = han::strip_llc(f->information)) apdu_and_objects(*apdu);
    } else {
        require(f.error().category() == han::han_category(), "errors are han errors");
    }
    apdu_and_objects(in);

    han::hdlc_splitter s;
    std::size_t seen = 0;
    for (const auto& e : s.feed(in))
        std::visit([&](const auto& ev) { seen += ev.data.size(); }, e);
    require(s.pending() <= size, "pending within input");
    return 0;
}
