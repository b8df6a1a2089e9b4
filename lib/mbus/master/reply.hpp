#pragma once
// What came back after one request, classified the way masters act on it: nothing, one clean E5,
// one frame, or a collision (garbled bytes, or extra bytes after a good E5 or frame; libmbus reads
// any byte after an E5 as a second slave answering).

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string_view>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/stream_parser.hpp>

namespace mbus::master {

enum class reply_kind : std::uint8_t {
    none,              // silence until the response deadline
    ack,               // exactly one E5
    frame,             // exactly one short, control or long frame
    garbled,           // bytes that do not start with a whole frame (junk, broken checksum, cut short)
    extra_after_ack,   // a clean E5 followed by more bytes
    extra_after_frame, // a whole frame followed by more bytes (another frame, junk)
};
std::string_view name(reply_kind k); // "none", "ack", "frame", "garbled", "extra_after_ack", ...

// Garbled, or a good answer with more behind it: more than one slave answered.
constexpr bool is_collision(reply_kind k) {
    return k == reply_kind::garbled || k == reply_kind::extra_after_ack || k == reply_kind::extra_after_frame;
}

struct reply {
    reply_kind kind{reply_kind::none};
    // The whole answer for ack and frame; the leading good one for extra_after_ack/_frame.
    std::optional<link::frame> frame;
    bytes raw;                              // every byte received, in order
    std::vector<link::stream_event> events; // how the stream parser split `raw`
    friend bool operator==(const reply&, const reply&) = default;
};
std::ostream& operator<<(std::ostream& os, const reply& r); // "ack E5", "garbled FD E5 ..."

// Classifies what a stream parser made of the bytes received after a request.
reply classify(std::vector<link::stream_event> events);

// The three answers a scan acts on: no slave, exactly one (a clean E5), more than one. A frame where
// an E5 was due counts as a collision: it is not the clean E5 that proves a single slave.
enum class presence : std::uint8_t { none, one, collision };
std::string_view name(presence p);
presence presence_of(const reply& r);
std::ostream& operator<<(std::ostream& os, presence p);

} // namespace mbus::master
