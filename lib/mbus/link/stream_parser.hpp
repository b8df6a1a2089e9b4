#pragma once
// Finds link-layer frames in a byte stream from either side of the bus (master requests, slave
// replies, echoes) that may also hold garbage, partial and broken frames. No clock inside: every
// byte carries the time it arrived, and the caller asks for idle partial frames to be dropped.

#include <chrono>
#include <iosfwd>
#include <system_error>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/time.hpp>
#include <mbus/link/frame.hpp>

namespace mbus::link {

struct stream_event {
    enum class kind { frame, junk };
    kind k{kind::junk};
    link::frame f;         // the decoded frame when k == frame
    bytes raw;             // the bytes this event covers, in stream order
    std::error_code error; // for junk: why the bytes were skipped
    time_point first{};    // arrival of the first byte of `raw`
    time_point last{};     // arrival of the last byte of `raw`

    bool is_frame() const { return k == kind::frame; }
    friend bool operator==(const stream_event&, const stream_event&) = default;
};
std::ostream& operator<<(std::ostream& os, const stream_event& e);

// Rules, so that the events do not depend on how the stream is cut into chunks:
// - Each input byte is covered by exactly one event, in order.
// - A byte that cannot start a frame (or a 68 followed by impossible length bytes) is skipped;
//   consecutive skipped bytes form one junk event, whose error is the reason for its first byte.
// - A candidate whose start and length bytes are good but whose checksum or stop byte is bad is
//   dropped whole as one junk event, once all its bytes are there: an E5 or 68 inside its data must
//   not be taken for a frame.
// - A partial frame, or a junk run, ends when the next byte comes more than `gap_timeout` after the
//   previous one; a dropped partial frame is junk with errc::gap_timeout, and parsing restarts at
//   the new byte.
// - A junk run stops at max_junk_run bytes, so endless noise does not grow memory.
// Junk is reported when what follows it is known (a frame, a dropped candidate, a gap, expire or
// finish), never merely because a chunk ended.
class stream_parser {
  public:
    static constexpr std::size_t max_junk_run = 4096;

    explicit stream_parser(std::chrono::microseconds gap_timeout);

    // Every byte of `chunk` arrived at `at`.
    std::vector<stream_event> feed(bytes_view chunk, time_point at);
    // The same into `out` (cleared first): a reader that keeps one vector allocates none per read.
    void feed(bytes_view chunk, time_point at, std::vector<stream_event>& out);
    // Drops a partial frame (and reports a junk run) whose last byte came more than the gap timeout
    // before `now`.
    std::vector<stream_event> expire(time_point now);
    // End of stream: reports everything held; a partial frame comes out as junk with errc::need_more.
    std::vector<stream_event> finish();

    // Storage for a later frame's bytes (what it holds is dropped): a reader that hands back the
    // bytes it took from an event, once done with them, allocates nothing per frame.
    void recycle(bytes storage) { spare_ = std::move(storage); }

    bool has_partial() const { return !pending_.empty(); }
    // Whether bytes are held back: a partial frame, or junk not yet reported. When nothing is held,
    // the events so far cover every byte fed.
    bool holds_bytes() const { return !pending_.empty() || !junk_.raw.empty(); }
    // Holds nothing after this, not even unreported junk.
    void reset();

    std::chrono::microseconds gap_timeout() const { return gap_; }

  private:
    template <class At>
    std::size_t parse(bytes_view data, At at_of, std::vector<stream_event>& out);
    void skip(std::vector<stream_event>& out, byte b, time_point at, std::error_code why);
    void emit_junk_run(std::vector<stream_event>& out);
    void drop_pending(std::vector<stream_event>& out, std::error_code why);

    std::chrono::microseconds gap_;
    // Bytes of a frame candidate not yet complete, with their arrival times.
    bytes pending_;
    std::vector<time_point> pending_at_;
    // Skipped bytes not yet reported.
    stream_event junk_;
    bytes spare_; // recycle()
    bool have_last_{false};
    time_point last_at_{};
};

} // namespace mbus::link
