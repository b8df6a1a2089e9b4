#pragma once
// A link-layer frame read in place: the fields of link::frame with the user data as a view into the
// bytes it came from, for readers that look at a frame once (a summary line for the log or a stream
// subscriber) and need no copy of its data. link::decode is this plus the copy.

#include <string>

#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/link/frame.hpp>

namespace mbus::link {

struct frame_view {
    frame_kind kind{frame_kind::ack};
    byte c{0};
    byte a{0};
    byte ci{0};
    bytes_view data; // user data after CI (long frames only); lives as long as the bytes read

    frame to_frame() const;
};

// A frame value seen as a view (lives as long as `f`).
frame_view view_of(const frame& f);

struct decoded_view {
    frame_view value;
    std::size_t size{0}; // bytes consumed from the input
};

// link::decode without the copy: the same rules and the same errors (frame.hpp).
result<decoded_view> decode_view(bytes_view wire);

// describe()'s line ("REQ_UD2 a=5 fcb=1 fcv=1", "RSP_UD a=5 ci=72 len=60") appended to `out`.
void append_description(std::string& out, const frame_view& f);
// The most that line takes ("C=XX a=255 acd=1 dfc=1 ci=XX len=" and twenty digits, at most).
inline constexpr std::size_t description_bound = 64;
// The same line written at `p`, which has room for description_bound; returns its end. For writers
// that make room for a whole line at once (a stream subscriber's summaries).
char* put_description(char* p, const frame_view& f);

} // namespace mbus::link
