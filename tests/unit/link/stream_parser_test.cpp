#include <doctest/doctest.h>

#include <mbus/link/errc.hpp>
#include <mbus/link/stream_parser.hpp>

#include <chrono>

using namespace mbus;
using namespace mbus::link;
using namespace std::chrono_literals;

namespace {

constexpr auto gap = 10ms;
const time_point t0 = time_point{} + 1s;

using events = std::vector<stream_event>;

void append(events& to, events more) {
    for (auto& e : more)
        to.push_back(std::move(e));
}

bytes cat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

stream_event frame_event(const frame& f, const bytes& raw, time_point first, time_point last) {
    return {stream_event::kind::frame, f, raw, {}, first, last};
}
stream_event junk_event(const bytes& raw, errc why, time_point first, time_point last) {
    return {stream_event::kind::junk, {}, raw, why, first, last};
}

// Feeds `wire` cut at the given offsets, every chunk at t0, then finishes the stream. `kept`: every
// chunk's events into one vector kept from chunk to chunk (feed's overload for readers), which must
// hold that chunk's events only.
events feed_split(const bytes& wire, const std::vector<std::size_t>& cuts, bool kept = false) {
    stream_parser p(gap);
    events out;
    events chunk_events{junk_event({0x01}, errc::bad_start, t0, t0)}; // cleared by the first feed
    const auto feed = [&](bytes_view chunk) {
        if (!kept) return append(out, p.feed(chunk, t0));
        p.feed(chunk, t0, chunk_events);
        append(out, chunk_events);
    };
    std::size_t from = 0;
    for (const std::size_t to : cuts) {
        feed(bytes_view(wire).subspan(from, to - from));
        from = to;
    }
    feed(bytes_view(wire).subspan(from));
    append(out, p.finish());
    return out;
}

const bytes req_ud2{0x10, 0x7B, 0x05, 0x80, 0x16}; // start, C=REQ_UD2 FCB=1, A=5, CS, stop
const bytes ack{0xE5};
// RSP_UD from address 5 with CI 70 (application error) and status byte 00; the data holds no E5.
const bytes rsp_error{0x68, 0x04, 0x04, 0x68, // start, L=4, L=4, start
                      0x08, 0x05, 0x70, 0x00, // C=RSP_UD, A=5, CI=70, status
                      0x7D, 0x16};            // CS, stop
// RSP_UD from address 1, CI 72, with E5 and 68 bytes inside its data.
const bytes rsp_tricky{0x68, 0x09, 0x09, 0x68,             // start, L=9, L=9, start
                       0x08, 0x01, 0x72,                   // C=RSP_UD, A=1, CI=72
                       0xE5, 0x68, 0x10, 0xE5, 0x16, 0x16, // data: look like frame bytes
                       0xE9, 0x16};                        // CS, stop

} // namespace

TEST_CASE("stream parser reports a whole frame with its byte times") {
    stream_parser p(gap);
    const auto ev = p.feed(req_ud2, t0);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0] == frame_event(frame::short_frame(0x7B, 5), req_ud2, t0, t0));
    CHECK_FALSE(p.has_partial());
}

TEST_CASE("stream parser stamps frames with the first and last byte times") {
    stream_parser p(gap);
    CHECK(p.feed(bytes_view(rsp_error).first(3), t0).empty());
    CHECK(p.has_partial());
    CHECK(p.feed(bytes_view(rsp_error).subspan(3, 4), t0 + 2ms).empty());
    const auto ev = p.feed(bytes_view(rsp_error).subspan(7), t0 + 4ms);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0] == frame_event(frame::long_frame(0x08, 5, 0x70, {0x00}), rsp_error, t0, t0 + 4ms));
    CHECK_FALSE(p.has_partial());
}

TEST_CASE("stream parser gives the same events for every split of the stream") {
    const bytes wire = cat({{0x00, 0xFF},                         // line noise
                            req_ud2,                              // a request echoed back
                            ack,                                  // a slave's ACK
                            {0x68, 0x04, 0x05},                   // a long start with mismatched L
                            rsp_error,                            // a reply
                            {0x10, 0x5B, 0x05, 0x61, 0x16},       // short frame with a bad checksum
                            rsp_tricky,                           // frame bytes inside data
                            {0x68, 0x09, 0x09, 0x68, 0x08, 0x01}, // a partial frame at the end
                            {0x72, 0xE5}});
    const events whole = feed_split(wire, {});

    // Written out once, so that a bug common to all splits cannot hide.
    const events expected{
        junk_event({0x00, 0xFF}, errc::bad_start, t0, t0),
        frame_event(frame::short_frame(0x7B, 5), req_ud2, t0, t0),
        frame_event(frame::ack(), ack, t0, t0),
        junk_event({0x68, 0x04, 0x05}, errc::length_mismatch, t0, t0),
        frame_event(frame::long_frame(0x08, 5, 0x70, {0x00}), rsp_error, t0, t0),
        junk_event({0x10, 0x5B, 0x05, 0x61, 0x16}, errc::bad_checksum, t0, t0),
        frame_event(frame::long_frame(0x08, 1, 0x72, {0xE5, 0x68, 0x10, 0xE5, 0x16, 0x16}), rsp_tricky, t0,
                    t0),
        junk_event({0x68, 0x09, 0x09, 0x68, 0x08, 0x01, 0x72, 0xE5}, errc::need_more, t0, t0),
    };
    CHECK(whole == expected);

    for (std::size_t i = 0; i <= wire.size(); ++i) {
        CAPTURE(i);
        CHECK(feed_split(wire, {i}) == expected);
        CHECK(feed_split(wire, {i}, true) == expected);
        for (std::size_t j = i; j <= wire.size(); ++j) {
            CAPTURE(j);
            REQUIRE(feed_split(wire, {i, j}) == expected);
        }
    }
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < wire.size(); ++i)
        every.push_back(i);
    CHECK(feed_split(wire, every) == expected);
    CHECK(feed_split(wire, every, true) == expected);
}

TEST_CASE("stream parser merges consecutive skipped bytes into one junk event") {
    stream_parser p(gap);
    CHECK(p.feed(bytes{0x01, 0x02}, t0).empty()); // junk is held until its end is known
    CHECK_FALSE(p.has_partial());
    CHECK(p.feed(bytes{0x03, 0x04}, t0 + 1ms).empty());
    const auto ev = p.feed(ack, t0 + 2ms);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0] == junk_event({0x01, 0x02, 0x03, 0x04}, errc::bad_start, t0, t0 + 1ms));
    CHECK(ev[1] == frame_event(frame::ack(), ack, t0 + 2ms, t0 + 2ms));
}

TEST_CASE("stream parser finds frames after junk between and before trailing junk") {
    stream_parser p(gap);
    const auto ev = p.feed(cat({{0xAA, 0xBB}, req_ud2, {0xCC}, ack, {0xDD, 0xDD}}), t0);
    REQUIRE(ev.size() == 4);
    CHECK(ev[0] == junk_event({0xAA, 0xBB}, errc::bad_start, t0, t0));
    CHECK(ev[1] == frame_event(frame::short_frame(0x7B, 5), req_ud2, t0, t0));
    CHECK(ev[2] == junk_event({0xCC}, errc::bad_start, t0, t0));
    CHECK(ev[3] == frame_event(frame::ack(), ack, t0, t0));
    // Trailing junk comes out once the line has been idle for the gap timeout.
    CHECK(p.expire(t0 + gap).empty());
    const auto late = p.expire(t0 + gap + 1us);
    REQUIRE(late.size() == 1);
    CHECK(late[0] == junk_event({0xDD, 0xDD}, errc::bad_start, t0, t0));
    CHECK(p.expire(t0 + 1s).empty());
}

TEST_CASE("stream parser sees the echo of a request then the reply") {
    // On a two-wire adapter the master reads back what it sent before the slave answers.
    stream_parser p(gap);
    events ev = p.feed(req_ud2, t0);
    append(ev, p.feed(rsp_tricky, t0 + 5ms));
    REQUIRE(ev.size() == 2);
    CHECK(describe(ev[0].f) == "REQ_UD2 a=5 fcb=1 fcv=1");
    CHECK(ev[0].raw == req_ud2);
    CHECK(describe(ev[1].f) == "RSP_UD a=1 ci=72 len=6");
    CHECK(ev[1].raw == rsp_tricky);
    CHECK(ev[1].first == t0 + 5ms);
}

TEST_CASE("stream parser drops a partial frame after a gap") {
    SUBCASE("the next byte after the gap starts afresh") {
        stream_parser p(gap);
        CHECK(p.feed(bytes_view(rsp_error).first(6), t0).empty());
        CHECK(p.has_partial());
        const auto ev = p.feed(ack, t0 + gap + 1us);
        REQUIRE(ev.size() == 2);
        CHECK(ev[0] ==
              junk_event(bytes(rsp_error.begin(), rsp_error.begin() + 6), errc::gap_timeout, t0, t0));
        CHECK(ev[1] == frame_event(frame::ack(), ack, t0 + gap + 1us, t0 + gap + 1us));
        CHECK_FALSE(p.has_partial());
    }
    SUBCASE("a gap of exactly the timeout keeps the frame") {
        stream_parser p(gap);
        CHECK(p.feed(bytes_view(rsp_error).first(6), t0).empty());
        const auto ev = p.feed(bytes_view(rsp_error).subspan(6), t0 + gap);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0].is_frame());
    }
    SUBCASE("the rest of a broken frame after the gap is junk") {
        stream_parser p(gap);
        CHECK(p.feed(bytes_view(rsp_error).first(5), t0).empty());
        const auto ev = p.feed(bytes_view(rsp_error).subspan(5), t0 + 20ms);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0] ==
              junk_event(bytes(rsp_error.begin(), rsp_error.begin() + 5), errc::gap_timeout, t0, t0));
        // 05 70 00 7D: no start byte; 16 neither. They wait as one run.
        const auto rest = p.finish();
        REQUIRE(rest.size() == 1);
        CHECK(rest[0] == junk_event({0x05, 0x70, 0x00, 0x7D, 0x16}, errc::bad_start, t0 + 20ms, t0 + 20ms));
    }
    SUBCASE("expire drops an idle partial frame") {
        stream_parser p(gap);
        CHECK(p.feed(bytes_view(req_ud2).first(3), t0).empty());
        CHECK(p.expire(t0 + gap).empty());
        CHECK(p.has_partial());
        const auto ev = p.expire(t0 + gap + 1us);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0] == junk_event({0x10, 0x7B, 0x05}, errc::gap_timeout, t0, t0));
        CHECK_FALSE(p.has_partial());
    }
    SUBCASE("a gap also ends a junk run") {
        stream_parser p(gap);
        CHECK(p.feed(bytes{0xAA}, t0).empty());
        const auto ev = p.feed(bytes{0xBB}, t0 + 1s);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0] == junk_event({0xAA}, errc::bad_start, t0, t0));
        const auto rest = p.finish();
        REQUIRE(rest.size() == 1);
        CHECK(rest[0] == junk_event({0xBB}, errc::bad_start, t0 + 1s, t0 + 1s));
    }
}

TEST_CASE("stream parser does not take an E5 inside a bad long frame for an ACK") {
    SUBCASE("bad checksum") {
        bytes broken = rsp_tricky;
        broken[13] = 0x80; // CS
        stream_parser p(gap);
        const auto ev = p.feed(cat({broken, ack}), t0);
        REQUIRE(ev.size() == 2);
        CHECK(ev[0] == junk_event(broken, errc::bad_checksum, t0, t0));
        CHECK(ev[1] == frame_event(frame::ack(), ack, t0, t0));
    }
    SUBCASE("bad stop") {
        bytes broken = rsp_tricky;
        broken[14] = 0xE5;
        stream_parser p(gap);
        const auto ev = p.feed(broken, t0);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0] == junk_event(broken, errc::bad_stop, t0, t0));
    }
    SUBCASE("a bad candidate waits for all its bytes") {
        bytes broken = rsp_tricky;
        broken[13] = 0x80;
        stream_parser p(gap);
        CHECK(p.feed(bytes_view(broken).first(13), t0).empty());
        CHECK(p.has_partial());
        const auto ev = p.feed(bytes_view(broken).subspan(13), t0);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0].error == errc::bad_checksum);
    }
}

TEST_CASE("stream parser skips one byte when length bytes are impossible") {
    stream_parser p(gap);
    // 68 00: L below 3, so the 68 is junk; the frame that follows is found.
    const auto ev = p.feed(cat({{0x68, 0x00}, rsp_error}), t0);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0] == junk_event({0x68, 0x00}, errc::length_mismatch, t0, t0));
    CHECK(ev[1].raw == rsp_error);
}

TEST_CASE("stream parser reset forgets held bytes") {
    stream_parser p(gap);
    CHECK(p.feed(bytes{0xAA, 0x68, 0x04}, t0).empty());
    CHECK(p.has_partial());
    p.reset();
    CHECK_FALSE(p.has_partial());
    CHECK(p.finish().empty());
    const auto ev = p.feed(ack, t0);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].is_frame());
}

TEST_CASE("stream parser cuts endless noise into bounded junk events") {
    stream_parser p(gap);
    const bytes noise(stream_parser::max_junk_run * 2 + 3, 0x00);
    auto ev = p.feed(noise, t0);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0] == junk_event(bytes(stream_parser::max_junk_run, 0x00), errc::bad_start, t0, t0));
    CHECK(ev[1] == ev[0]);
    ev = p.finish();
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].raw.size() == 3);
}

TEST_CASE("a recycled vector takes the next frame's bytes") {
    stream_parser p(10ms);
    const bytes req{0x10, 0x5B, 0x05, 0x60, 0x16}; // REQ_UD2 to 5: start, C, A, CS, stop
    auto first = p.feed(req, t0);
    REQUIRE(first.size() == 1);
    auto storage = std::move(first[0].raw);
    storage.assign({0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}); // what it holds is dropped
    const auto* kept = storage.data();
    p.recycle(std::move(storage));
    const auto second = p.feed(req, t0 + 1ms);
    REQUIRE(second.size() == 1);
    CHECK(second[0].is_frame());
    CHECK(second[0].raw == req);
    CHECK(second[0].raw.data() == kept);
    // Used once: the frame after it has bytes of its own.
    const auto third = p.feed(req, t0 + 2ms);
    REQUIRE(third.size() == 1);
    CHECK(third[0].raw == req);
}
