#pragma once
// Expectations a scenario holds about the master under test ([[expect]] tables), and their
// evaluation over a transcript: pure functions of the records, the expectations and the meters' names, so
// that `mbus-sim test` and unit tests judge the same way. Each expectation gets a verdict: held or failed,
// why, and the records that show it.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/variant.hpp>
#include <mbus/harness/record.hpp>
#include <mbus/link/request_kind.hpp>

namespace mbus::harness {

// One struct per kind of expectation, holding exactly its settings; `name` is the kind as a
// scenario's `that` spells it.
namespace expects {

// Every meter (or those listed) was read: a REQ_UD2 got a clean reply from it alone (no
// collision) that was its last telegram (no DIF 1F "more follows"), so a multi-telegram meter
// counts only when the master went on to the end.
struct read {
    static constexpr std::string_view name = "read";
    std::vector<std::string> meters; // empty: every meter
    friend bool operator==(const read&, const read&) = default;
};
// Whenever a REQ_UD2 got a clean telegram that announced more (DIF 1F), the master's next
// REQ_UD2 to that address had FCV set and the FCB flipped. Fails when no such step happened.
struct fcb_toggled {
    static constexpr std::string_view name = "fcb_toggled";
    friend bool operator==(const fcb_toggled&, const fcb_toggled&) = default;
};
// No request went to these addresses (e.g. FF), of any kind or of `request` only.
struct nothing_sent_to {
    static constexpr std::string_view name = "nothing_sent_to";
    std::vector<byte> addresses;
    std::optional<link::request_kind> request; // only this kind
    friend bool operator==(const nothing_sent_to&, const nothing_sent_to&) = default;
};
// A secondary scan found every meter (or those listed): each was selected alone, by a select
// that only it matched and that got its E5 clean (no collision).
struct found_by_scan {
    static constexpr std::string_view name = "found_by_scan";
    std::vector<std::string> meters; // empty: every meter
    friend bool operator==(const found_by_scan&, const found_by_scan&) = default;
};
// No bytes from the master were junk (malformed frames, cut short, noise).
struct no_malformed {
    static constexpr std::string_view name = "no_malformed";
    friend bool operator==(const no_malformed&, const no_malformed&) = default;
};
// The session ended within `seconds` of the run's start: the master's exit when known, else its
// last request.
struct within {
    static constexpr std::string_view name = "within";
    double seconds{0};
    friend bool operator==(const within&, const within&) = default;
};
// At least and/or at most N requests (of `request`, to `addresses`).
struct request_count {
    static constexpr std::string_view name = "requests";
    std::vector<byte> addresses;               // empty: any
    std::optional<link::request_kind> request; // only this kind
    std::optional<std::uint64_t> at_least;
    std::optional<std::uint64_t> at_most;
    friend bool operator==(const request_count&, const request_count&) = default;
};

// No REQ_UD2 that opened a session's talk with a meter carried the FCB over from an earlier
// session: a meter that repeated its last telegram to a session's first REQ_UD2 (sent without a
// SND_NKE to it first) shows a master that starts with the FCB it (or another master) used last.
struct fresh_fcb {
    static constexpr std::string_view name = "fresh_fcb";
    friend bool operator==(const fresh_fcb&, const fresh_fcb&) = default;
};
// No select left manufacturer, version or medium open by single F nibbles (only FFFF, FF, FF are
// wildcards there for a standard meter): such a select matches nothing, and meters sharing an id
// stay apart only in collisions.
struct whole_field_wildcards {
    static constexpr std::string_view name = "whole_field_wildcards";
    friend bool operator==(const whole_field_wildcards&, const whole_field_wildcards&) = default;
};
// No session gave up after a SND_NKE to FD that nobody answered: a master that waits for that
// answer before selecting (nothing is selected yet, so no meter answers) never reads a meter.
struct select_without_fd_answer {
    static constexpr std::string_view name = "select_without_fd_answer";
    friend bool operator==(const select_without_fd_answer&, const select_without_fd_answer&) = default;
};

} // namespace expects

using expect_that =
    std::variant<expects::read, expects::fcb_toggled, expects::nothing_sent_to, expects::found_by_scan,
                 expects::no_malformed, expects::within, expects::request_count, expects::fresh_fcb,
                 expects::whole_field_wildcards, expects::select_without_fd_answer>;

// Every kind's name in the variant's order: "read", "fcb_toggled", "nothing_sent_to",
// "found_by_scan", "no_malformed", "within", "requests", "fresh_fcb", "whole_field_wildcards",
// "select_without_fd_answer".
inline constexpr auto expect_kind_names = alternative_names<expect_that>();
std::string_view name(const expect_that& that);
// The kind with exactly that name, its settings at their defaults.
std::optional<expect_that> parse_expect_kind(std::string_view text);

struct expectation {
    expect_that that;
    std::string label; // the scenario's `name` for it (may be empty)
    std::string where; // "plant.toml:12:1", for the report
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

// `meters`: the names of the bus's meters, for the kinds that mean every meter when they list none.
verdict evaluate(const expectation& e, const std::vector<record>& records,
                 const std::vector<std::string>& meters, const evaluation_context& ctx = {});
std::vector<verdict> evaluate_all(const std::vector<record>& records,
                                  const std::vector<expectation>& expectations,
                                  const std::vector<std::string>& meters, const evaluation_context& ctx = {});

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
