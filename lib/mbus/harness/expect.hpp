#pragma once
// Expectations a scenario holds about the master under test ([[expect]] tables), and their
// evaluation over a transcript: pure functions of the records and the scenario, so that `mbus-sim
// test` and unit tests judge the same way. Each expectation gets a verdict: held or failed, why,
// and the records that show it.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/harness/record.hpp>
#include <mbus/link/request_kind.hpp>

namespace mbus::scenario {
struct scenario;
}

namespace mbus::harness {

enum class expect_kind : std::uint8_t {
    // Every meter (or those listed) was read: a REQ_UD2 got a clean reply from it alone (no
    // collision) that was its last telegram (no DIF 1F "more follows"), so a multi-telegram meter
    // counts only when the master went on to the end.
    read,
    // Whenever a REQ_UD2 got a clean telegram that announced more (DIF 1F), the master's next
    // REQ_UD2 to that address had FCV set and the FCB flipped. Fails when no such step happened.
    fcb_toggled,
    // No request went to these addresses (e.g. FF), of any kind or of `request` only.
    nothing_sent_to,
    // A secondary scan found every meter (or those listed): each was selected alone, by a select
    // that only it matched and that got its E5 clean (no collision).
    found_by_scan,
    // No bytes from the master were junk (malformed frames, cut short, noise).
    no_malformed,
    // The session ended within `seconds` of the run's start: the master's exit when known, else its
    // last request.
    within,
    // At least and/or at most N requests (of `request`, to `addresses`).
    request_count,
};
inline constexpr std::size_t expect_kind_count = 7;
// "read", "fcb_toggled", "nothing_sent_to", "found_by_scan", "no_malformed", "within", "requests"
std::string_view name(expect_kind k);
std::optional<expect_kind> parse_expect_kind(std::string_view text); // exact names

struct expectation {
    expect_kind kind{expect_kind::read};
    std::vector<std::string> meters;           // read, found_by_scan: empty means every meter
    std::vector<byte> addresses;               // nothing_sent_to; request_count: empty means any
    std::optional<link::request_kind> request; // nothing_sent_to, request_count: only this kind
    std::optional<std::uint64_t> at_least;     // request_count
    std::optional<std::uint64_t> at_most;      // request_count
    double seconds{0};                         // within
    std::string label;                         // the scenario's `name` for it (may be empty)
    std::string where;                         // "plant.toml:12:1", for the report
    friend bool operator==(const expectation&, const expectation&) = default;
};
// One line for people: "read heat-1, heat-2", "at most 40 REQ_UD2 requests", "within 30 s".
std::string describe(const expectation& e);
std::ostream& operator<<(std::ostream& os, const expectation& e);

// What a verdict knows beyond the records.
struct evaluation_context {
    std::optional<double> session_end; // when the master exited, seconds since the run started
    std::size_t max_evidence{8};       // records kept per verdict; the rest are only counted
};

struct verdict {
    expectation what;
    bool held{false};
    std::string reason;               // why it held or failed, in one or two sentences
    std::vector<record> evidence;     // the records that show it, in transcript order
    std::size_t evidence_left_out{0}; // further records that showed it too
    friend bool operator==(const verdict&, const verdict&) = default;
};
std::ostream& operator<<(std::ostream& os, const verdict& v); // as in the report

verdict evaluate(const expectation& e, const std::vector<record>& records, const scenario::scenario& sc,
                 const evaluation_context& ctx = {});
std::vector<verdict> evaluate_all(const std::vector<record>& records, const scenario::scenario& sc,
                                  const evaluation_context& ctx = {});

// Whether the master sent anything at all (a request or junk).
bool master_sent_anything(const std::vector<record>& records);

// The report for people: a line per expectation (PASS/FAIL, what, where), the reason, and the
// evidence as "  12.345 s  request  10 5B 05 60 16  REQ_UD2 a=5 fcb=0".
void print_report(std::ostream& os, const std::vector<verdict>& verdicts);
// One evidence line without indentation (time, kind, hex, summary).
std::string evidence_line(const record& r);
// The verdicts as a JSON array: [{"expect":"read","label":"","where":"...","description":"...",
// "held":true,"reason":"...","evidence":[records as the transcript writes them (jsonl.hpp)],
// "evidence_left_out":0}].
std::string to_json(const std::vector<verdict>& verdicts);

} // namespace mbus::harness
