// Classifying what came back after a request, without I/O.

#include <mbus/master/reply.hpp>

#include <doctest/doctest.h>

#include <sstream>

using namespace mbus;
using master::reply_kind;

namespace {

master::reply classify_bytes(const bytes& b) {
    link::stream_parser p(std::chrono::microseconds(100'000));
    auto events = p.feed(b, time_point{});
    for (auto& e : p.finish())
        events.push_back(std::move(e));
    return master::classify(std::move(events));
}

} // namespace

TEST_CASE("classify tells none ack frame garbled and extra bytes apart") {
    CHECK(classify_bytes({}).kind == reply_kind::none);
    CHECK(classify_bytes({0xE5}).kind == reply_kind::ack);
    CHECK(classify_bytes({0xE5, 0xE5}).kind == reply_kind::extra_after_ack);
    CHECK(classify_bytes({0xE5, 0x00}).kind == reply_kind::extra_after_ack);
    CHECK(classify_bytes({0xE5, 0x10}).kind == reply_kind::extra_after_ack); // a cut frame start after E5
    CHECK(classify_bytes({0xFD}).kind == reply_kind::garbled);
    CHECK(classify_bytes({0xFD, 0xE5}).kind == reply_kind::garbled); // junk first: no clean answer
    CHECK(classify_bytes({0x10, 0x40}).kind == reply_kind::garbled); // cut short

    const bytes ctrl{0x68, 0x03, 0x03, 0x68, 0x08, 0x05, 0x72, 0x7F, 0x16}; // RSP_UD control frame
    auto f = classify_bytes(ctrl);
    CHECK(f.kind == reply_kind::frame);
    CHECK(f.frame == link::frame::long_frame(0x08, 0x05, 0x72));
    CHECK(f.raw == ctrl);

    bytes bad_cs = ctrl;
    bad_cs[7] = 0x80; // checksum off by one
    CHECK(classify_bytes(bad_cs).kind == reply_kind::garbled);

    bytes two = ctrl;
    two.insert(two.end(), ctrl.begin(), ctrl.end());
    auto t = classify_bytes(two);
    CHECK(t.kind == reply_kind::extra_after_frame);
    CHECK(t.raw == two);
    CHECK(t.events.size() == 2);
}

TEST_CASE("presence reads a scan answer") {
    CHECK(master::presence_of(classify_bytes({})) == master::presence::none);
    CHECK(master::presence_of(classify_bytes({0xE5})) == master::presence::one);
    CHECK(master::presence_of(classify_bytes({0xE5, 0xFE})) == master::presence::collision);
    CHECK(master::presence_of(classify_bytes({0xA5})) == master::presence::collision);
    // A frame where E5 was due is no proof of one slave.
    CHECK(master::presence_of(classify_bytes({0x10, 0x40, 0x05, 0x45, 0x16})) == master::presence::collision);
}

TEST_CASE("reply prints its kind and bytes") {
    std::ostringstream os;
    os << classify_bytes({0xE5, 0xFD});
    CHECK(os.str() == "extra_after_ack E5 FD");
}
