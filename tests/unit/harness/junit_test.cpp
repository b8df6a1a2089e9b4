// harness/junit: verdicts as a JUnit XML report, escaped so that any reason or frame summary leaves
// the document well formed.

#include <doctest/doctest.h>

#include "support/printed.hpp"

#include <mbus/harness/junit.hpp>

#include "records.hpp"

using namespace mbus;
using namespace mbus::harness;
using namespace mbus::harness::test;

using mbus::test::count;

namespace {

verdict make(bool held, std::string reason, std::string label = "") {
    verdict v;
    v.what.that = expects::no_malformed{};
    v.what.label = std::move(label);
    v.what.where = "plant.toml:12:1";
    v.held = held;
    v.reason = std::move(reason);
    v.evidence = {request_record()};
    return v;
}

} // namespace

TEST_CASE("XML text is escaped and forbidden control characters replaced") {
    CHECK(xml_escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
    CHECK(xml_escape(std::string("x\0y\x1b\tz\n", 7)) == "x?y?\tz\n");
}

TEST_CASE("a JUnit report has a test case per expectation and one for the master") {
    junit_report r;
    r.suite = "plant";
    r.verdicts = {make(true, "no malformed frame"), make(false, "2 malformed <frames>", "clean")};
    r.master = "master --port 5";
    r.master_output = "exit code 0 after 1.500 s";
    r.seconds = 1.75;
    const auto xml = to_junit(r);
    CHECK(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0) == 0);
    CHECK(xml.find("<testsuite name=\"plant\" tests=\"3\" failures=\"1\" errors=\"0\" time=\"1.750\">") !=
          std::string::npos);
    CHECK(count(xml, "<testcase ") == 3);
    CHECK(count(xml, "</testcase>") == 3);
    CHECK(xml.find("name=\"master: master --port 5\"") != std::string::npos);
    CHECK(xml.find("name=\"clean: no request arrived malformed\" file=\"plant.toml:12:1\"") !=
          std::string::npos);
    CHECK(xml.find("<failure message=\"2 malformed &lt;frames&gt;\">") != std::string::npos);
    // The evidence (the frame as the report prints it) is inside the failure.
    CHECK(xml.find(xml_escape(evidence_line(request_record()))) != std::string::npos);
    CHECK(count(xml, "<failure") == 1);

    r.master_failure = "killed after the timeout of 60 s";
    CHECK(count(to_junit(r), "<failure") == 2);
    CHECK(to_junit(r).find("failures=\"2\"") != std::string::npos);
}
