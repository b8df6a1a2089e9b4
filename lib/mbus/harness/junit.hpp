#pragma once
// `mbus-sim test --junit FILE`: the verdicts as a JUnit XML report, the format every CI system shows
// (GitHub Actions through a reporter action, GitLab's `artifacts:reports:junit`, Jenkins). One
// <testcase> per expectation, named by its description and located by its scenario position; a
// failed one carries the reason and the evidence lines (the frames) in its <failure>. The master's
// own run (exit status, timeout) is one more test case, so that a master that crashed fails the
// report even when every expectation held.

#include <optional>
#include <string>
#include <vector>

#include <mbus/harness/expect.hpp>

namespace mbus::harness {

struct junit_report {
    std::string suite;                         // the bus or scenario name
    std::vector<verdict> verdicts;             // in scenario order
    std::string master;                        // the master's command, for the master's test case
    std::optional<std::string> master_failure; // why the master's run failed; nullopt: it passed
    std::string master_output;                 // what the master's run says (exit code, time)
    double seconds{0};                         // the whole run
};

// The report as an XML document (UTF-8, characters XML cannot hold replaced by '?').
std::string to_junit(const junit_report& r);

// `text` with &, <, >, " and ' escaped and the control characters XML 1.0 forbids replaced.
std::string xml_escape(std::string_view text);

} // namespace mbus::harness
