#pragma once
// The one stream of facts a running bus produces, and that every observer reads: the human log,
// the JSON-lines transcript, the counters, the verdicts of `mbus-sim test`, live subscribers.
//
// An exchange is one request and what came of it, with both frames decoded once by the runtime:
// observers read the decoded fields and summaries and never decode bytes again. A notice is
// everything else (junk, sessions opening and closing, line changes, timeline events, a wake-up
// preamble). Each entry also carries its transcript records, so writing a transcript or judging
// expectations is a matter of reading them.

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include <mbus/core/time.hpp>
#include <mbus/harness/record.hpp>

namespace mbus::harness {

// How an exchange ended.
enum class fate : std::uint8_t {
    answered,     // something went on the wire to the master
    silent,       // nobody answered
    gone,         // the master's stream closed before its answer was due
    write_failed, // the answer could not be written (the master stopped reading, the stream broke)
    stopped,      // the bus stopped while the answer waited
};
std::string_view name(fate f); // "answered", "silent", "gone", "write failed", "stopped"

struct exchange {
    std::uint64_t number{0}; // 1 for the bus's first request
    std::string bus;         // the bus's name
    record request;          // kind request: the frame as it came, decoded
    // reply or silence; for gone and write_failed an event saying so; for stopped nothing (kind event,
    // empty summary). A reply's frame, summary and more_follows come from one decode of the wire; they,
    // the request's summary and the notes are empty when no subscriber of the runtime reads more than
    // facts (runtime::sink_reads::facts), as a quiet log without a transcript.
    record outcome;
    fate end{fate::silent};
    // What each meter that took the request did ("heat-1: selected"), for --verbose logs.
    std::vector<std::string> notes;
    std::string intact_from; // with a collision: the meter whose answer came through unharmed, if any
    std::chrono::microseconds chosen_delay{0}; // the delay the bus chose (from the end of the request)
    duration since_request{};                  // measured: end of the request to the first byte written
    duration on_wire{};                        // measured: first byte written to the last
    bool paced{false};                         // written one character at a time at `baud`
    unsigned baud{0};                          // the rate the reply travelled at
    std::string error;                         // write_failed: why
    friend bool operator==(const exchange&, const exchange&) = default;
};
// Makes `x` equal to exchange{} but keeps the storage of its records, strings and vectors (reset of a
// record). A field added to exchange is cleared here too.
void reset(exchange& x);

// Everything the bus says that is not an exchange.
struct notice {
    record line; // kind junk or event, as the transcript writes it
    // The log's words ("#1 line 2400 baud raw (strict baud: no meter listens at this rate)",
    // "event: meter b leaves the bus"); the transcript's are line.summary.
    std::string text;
    bool error{false}; // shown even by a quiet log
    friend bool operator==(const notice&, const notice&) = default;
};

using entry = std::variant<exchange, notice>;

// Calls fn with each transcript record of an entry, in order: request then reply or silence (or the
// event); a stopped exchange has its request only.
template <class F>
void for_each_record(const entry& e, F&& fn) {
    if (const auto* n = std::get_if<notice>(&e)) {
        fn(n->line);
        return;
    }
    const auto& x = std::get<exchange>(e);
    fn(x.request);
    if (x.end != fate::stopped) fn(x.outcome);
}

} // namespace mbus::harness
