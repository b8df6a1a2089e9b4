// `mbus-sim decode` as users call it: hex on the command line (also after --), several files, XML as
// libmbus's mbus_parse_hex prints it (checked against libmbus's own output in ../shared/corpus), and
// the input mistakes it names: a single hex digit, an empty file, an E5 where XML is asked for.

#include "support/corpus.hpp"
#include "support/temp_dir.hpp"

#include "child.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace mbus;
using namespace mbus::runtime_test;
using namespace std::chrono_literals;

namespace {} // namespace

TEST_CASE("mbus-sim decode reads hex words, and hex after --") {
    const auto ack = run_decode({"--", "E5"});
    CHECK_MESSAGE(ack.code == 0, ack.err);
    CHECK(nlohmann::json::parse(ack.out)["link"]["kind"] == "ack");
    const auto words = run_decode({"--json", "10", "5B", "03", "5E", "16"});
    CHECK_MESSAGE(words.code == 0, words.err);
    CHECK(nlohmann::json::parse(words.out)["link"]["description"] == "REQ_UD2 a=3 fcb=0 fcv=1");
}

TEST_CASE("mbus-sim decode names a single hex digit and an empty file instead of guessing") {
    const auto digit = run_decode({"10 5B 3 5E 16"});
    CHECK(digit.code == 1);
    CHECK(digit.err.find("'3' is one hex digit: write each byte as two (03)") != std::string::npos);
    test::temp_dir dir;
    const auto empty = dir.write("empty.hex", "").string();
    const auto e = run_decode({empty});
    CHECK(e.code == 1);
    CHECK(e.err.find(empty + ": no bytes in input") != std::string::npos);
}

TEST_CASE("mbus-sim decode --format xml prints libmbus's XML, and libmbus's error for an E5") {
    const auto ack = run_decode({"--format", "xml", "E5"});
    CHECK(ack.code == 1);
    CHECK(ack.out.empty());
    CHECK(ack.err.find("mbus_frame_data_parse: Unknown control information 0x00") != std::string::npos);
    const auto request = run_decode({"--format", "xml", "10 5B 03 5E 16"});
    CHECK(request.code == 1);

    const auto corpus = test::corpus_dir();
    REQUIRE_MESSAGE(corpus, "../shared/corpus is missing: this test compares with libmbus's XML in it");
    const auto frames = *corpus / "libmbus" / "test-frames";
    const auto xml = run_decode({"--format", "xml", (frames / "abb_delta.hex").string()});
    CHECK_MESSAGE(xml.code == 0, xml.err);
    CHECK(xml.out == test::read_file(frames / "abb_delta.xml"));
}

TEST_CASE("mbus-sim decode decodes several files in turn") {
    const auto corpus = test::corpus_dir();
    REQUIRE_MESSAGE(corpus, "../shared/corpus is missing: this test decodes frames from it");
    const auto frames = *corpus / "libmbus" / "test-frames";
    const auto two =
        run_decode({(frames / "abb_delta.hex").string(), (frames / "ACW_Itron-BM-plus-m.hex").string()});
    CHECK_MESSAGE(two.code == 0, two.err);
    const auto j = nlohmann::json::parse(two.out);
    REQUIRE(j.is_array());
    CHECK(j.size() == 2);
    CHECK(j[0]["link"]["kind"] == "long");
    CHECK(j[1]["link"]["kind"] == "long");
}
