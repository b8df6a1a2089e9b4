// libFuzzer: the master's view of what came back. The input is the bytes received after requests,
// cut into replies; each goes through the stream parser and master::classify, and the RSP_UDs
// through master::make_telegram as a REQ_UD2 readout does (master/reply.cpp, readout.cpp and
// errc.cpp are compiled in: the master layer as a whole needs Asio). The readout loop itself,
// bus_master::read_all, is an Asio coroutine; `read_all` below follows it step for step.
//
// Input, repeated: a length byte (bits 0-6), then the reply's bytes.

#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/link/stream_parser.hpp>
#include <mbus/master/errc.hpp>
#include <mbus/master/readout.hpp>
#include <mbus/master/reply.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>

using namespace mbus;
using namespace std::chrono_literals;

namespace {

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

constexpr bool is_rsp_ud(const link::frame& f) {
    const bool long_kind = f.kind == link::frame_kind::long_frame || f.kind == link::frame_kind::control;
    return long_kind && (f.c & ~(link::c_field::acd | link::c_field::dfc)) == link::c_field::rsp_ud;
}

master::reply receive(bytes_view raw) {
    link::stream_parser p(10ms);
    auto events = p.feed(raw, time_point{});
    for (auto& e : p.finish())
        events.push_back(std::move(e));
    return master::classify(std::move(events));
}

void check_reply(const master::reply& r, bytes_view raw) {
    using master::reply_kind;
    require(std::equal(r.raw.begin(), r.raw.end(), raw.begin(), raw.end()), "raw is every byte, in order");
    require((r.kind == reply_kind::none) == raw.empty(), "none exactly when nothing came");
    require(r.frame.has_value() == (r.kind == reply_kind::ack || r.kind == reply_kind::frame ||
                                    r.kind == reply_kind::extra_after_ack ||
                                    r.kind == reply_kind::extra_after_frame),
            "a frame for a good answer, with or without more behind it");
    if (r.frame) {
        const auto wire = link::encode(*r.frame);
        require(wire.has_value(), "the frame encodes");
        require(wire->size() <= raw.size() && std::equal(wire->begin(), wire->end(), raw.begin()),
                "the frame is the first bytes received");
        require((r.kind == reply_kind::ack || r.kind == reply_kind::frame) == (wire->size() == raw.size()),
                "ack and frame are the whole answer; more behind it is a collision");
        require((r.frame->kind == link::frame_kind::ack) ==
                    (r.kind == reply_kind::ack || r.kind == reply_kind::extra_after_ack),
                "ack kinds are E5");
    }
    const auto p = master::presence_of(r);
    require((p == master::presence::none) == (r.kind == reply_kind::none), "no presence when nothing came");
    require((p == master::presence::one) == (r.kind == reply_kind::ack), "one slave is one clean E5");
    if (master::is_collision(r.kind)) require(p == master::presence::collision, "collisions are collisions");
    std::ostringstream os;
    os << r << p;
    require(!os.str().empty(), "replies print");
}

void check_telegram(const master::telegram& t) {
    const auto d = app::decode(t.frame.ci, t.frame.data);
    require(t.data.has_value() == d.has_value(), "decoded exactly when app::decode decodes");
    require(t.data.has_value() != static_cast<bool>(t.decode_error), "an error exactly when undecoded");
    if (t.data) require(*t.data == *d, "the same user data as app::decode");
    require(t.more_follows() == (t.data && app::more_records_follow(*t.data)), "more follows is DIF 1F");
    const auto* v = t.variable();
    require((v != nullptr) == (t.data && std::holds_alternative<app::variable_data>(*t.data)),
            "variable() is the variable data");
    if (t.more_follows()) require(v != nullptr, "only variable data says more follows");
    std::ostringstream os;
    os << t;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The replies to a REQ_UD2 readout, as bus_master::read_all takes them (max_telegrams 4 here).
    constexpr std::size_t max_telegrams = 4;
    master::readout out;
    bool reading = true;
    std::size_t replies = 0;
    for (std::size_t i = 0; i < size && replies < 64; ++replies) {
        const std::size_t len = std::min<std::size_t>(data[i++] & 0x7F, size - i);
        const bytes_view raw(data + i, len);
        i += len;
        const auto r = receive(raw);
        check_reply(r, raw);
        if (!reading) continue;
        if (r.kind != master::reply_kind::frame || !is_rsp_ud(*r.frame)) {
            out.error = master::errc::unexpected_reply;
            reading = false;
            continue;
        }
        auto t = master::make_telegram(*r.frame);
        require(t.frame == *r.frame, "the telegram keeps its frame");
        check_telegram(t);
        const bool more = t.more_follows();
        out.telegrams.push_back(std::move(t));
        if (!more) {
            reading = false;
        } else if (out.telegrams.size() >= max_telegrams) {
            out.error = master::errc::too_many_telegrams;
            reading = false;
        }
    }
    require(out.telegrams.size() <= max_telegrams, "a readout stops at its limit");
    for (std::size_t k = 0; k + 1 < out.telegrams.size(); ++k)
        require(out.telegrams[k].more_follows(), "the readout goes on only after DIF 1F");
    std::ostringstream os;
    os << out;

    // The whole input as one reply too: bytes from several slaves at once.
    const bytes_view all(data, size);
    check_reply(receive(all), all);
    return 0;
}
