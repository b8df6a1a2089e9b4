#pragma once
// Transcript records and counters as JSON, and the JSON-lines writer behind `mbus-sim run
// --transcript FILE`.
//
// One record is one JSON object on one line. Every line carries
//   "t"       seconds since the run started (microsecond resolution)
//   "wall"    the wall clock then, UTC, "2026-11-21T12:00:00.123Z"
//   "session" the stream (0: the whole bus)
//   "kind"    "request", "reply", "silence", "junk" or "event"
// and then, by kind:
//   request  "request" (SND_NKE, REQ_UD2, REQ_UD1, SELECT, SND_UD, OTHER), "hex", "summary", "line_baud"
//   reply    "request", "hex", "summary", "meters", "answered_by", "collision", "repeated",
//            "more_follows", "injected"
//   silence  "request", "summary", "meters", "injected"
//   junk     "hex", "summary" (why the bytes were no frame)
//   event    "summary", and "hex" when the event covers bytes (a wake-up preamble)
// "hex" is upper case without separators. "meters" names every meter that took the request,
// "answered_by" those whose answers went on the wire, "more_follows" whether the telegram announced
// another (DIF 1F), "injected" one line per fault injected into
// the exchange. The decoded frame is not written: it follows from "hex".

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include <mbus/harness/counters.hpp>
#include <mbus/harness/exchange.hpp>
#include <mbus/harness/record.hpp>

namespace mbus::harness {

nlohmann::json to_json(const record& r);
// The transcript line (no newline): the same object with its fields in the order listed above.
std::string to_json_line(const record& r);
// The same line appended to `out` (a stream message holds many).
void append_json_line(std::string& out, const record& r);
// The same with "seq":N as its last field (the control API's records, control/feed.hpp).
void append_json_line(std::string& out, const record& r, std::uint64_t seq);
// A record's "t" as the line writes it: fmt's shortest form of the double ("1.5", "0.000123").
void append_seconds(std::string& out, double t);
// The inverse of to_json (frame decoded again from "hex"); nullopt when `j` is no record.
std::optional<record> record_from_json(const nlohmann::json& j);

// {"by_kind":{"SND_NKE":{"received":..,"answered":..,"repeated":..,"collided":..,"ignored":..},...},
//  "total":{...}, "malformed":N, "malformed_bytes":N, "injected":N}; every kind is present.
nlohmann::json to_json(const counters& c);

// For nlohmann's ADL conversions (`nlohmann::json j = r;`).
void to_json(nlohmann::json& j, const record& r);
void to_json(nlohmann::json& j, const counters& c);

// "2026-11-21T12:00:00.123Z"
std::string format_wall(wall_time t);
std::optional<wall_time> parse_wall(std::string_view text);

// Writes one record per line and flushes each, so that `tail -f` or a test sees it at once.
class jsonl_writer {
  public:
    explicit jsonl_writer(std::ostream& out) : out_(&out) {}
    void write(const record& r);
    void write(const entry& e); // its records (for_each_record)
    std::uint64_t lines() const { return lines_; }
    bool good() const;

  private:
    std::ostream* out_;
    std::uint64_t lines_{0};
};

} // namespace mbus::harness
