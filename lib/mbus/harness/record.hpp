#pragma once
// One line of the simulator's transcript: what a master sent, what it got back, junk, and what the
// simulator did on its own (a timeline event, a line change). The runner fills them as it goes;
// the JSON-lines writer, the counters and the expectations of `mbus-sim test` all read them.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/time.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/request_kind.hpp>

namespace mbus::harness {

enum class record_kind : std::uint8_t {
    request, // a whole frame from a master
    reply,   // what the master received for the request before it (one or more meters answered)
    silence, // nobody answered the request before it
    junk,    // bytes from a master that were no frame (malformed, cut short, noise)
    event,   // the simulator did something on its own: a timeline event, a meter left, a line change
};
std::string_view name(record_kind k); // "request", "reply", "silence", "junk", "event"

struct record {
    record_kind kind{record_kind::request};
    double t{0};         // seconds since the run started
    wall_time wall{};    // the wall clock then
    unsigned session{0}; // the stream it came from or went to (0 for events of the whole bus)
    bytes raw;           // request, reply, junk: the bytes
    // request: the frame; reply: the frame the master received, when it is one intact frame
    std::optional<link::frame> frame;
    link::request_kind request{link::request_kind::other}; // request, reply, silence: what was asked
    std::string summary;                                   // one line for people ("REQ_UD2 a=5 fcb=1")
    std::vector<std::string> meters;      // reply, silence: the meters that took the request (names)
    std::vector<std::string> answered_by; // reply: the meters whose answers went on the wire
    bool collision{false};                // reply: more than one answer reached the wire
    bool repeated{false};                 // reply: a meter repeated its previous reply (same FCB)
    bool more_follows{false};             // reply: an intact RSP_UD whose last record is DIF 1F
    std::vector<std::string> injected;    // reply, silence: faults injected into this exchange
    unsigned line_baud{0};                // request: the line rate the master set (0: unknown)
    friend bool operator==(const record&, const record&) = default;
};
std::ostream& operator<<(std::ostream& os, const record& r); // the JSON line

// Makes `r` equal to record{} but keeps the storage of its bytes, strings and vectors: a runner that
// fills one record per request allocates nothing for them once they have grown, and assigning a whole
// new record cost more than the rest of the record's work. A field added to record is cleared here too.
void reset(record& r);

} // namespace mbus::harness
