// Transcript records: the names of their kinds and the stream operator (JSON itself: jsonl_test.cpp).

#include <doctest/doctest.h>

#include <mbus/harness/jsonl.hpp>
#include <mbus/harness/record.hpp>

#include "records.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace mbus;
using namespace mbus::harness;
using namespace mbus::harness::test;
using nlohmann::json;

TEST_CASE("record kinds have their transcript names") {
    CHECK(name(record_kind::request) == "request");
    CHECK(name(record_kind::reply) == "reply");
    CHECK(name(record_kind::silence) == "silence");
    CHECK(name(record_kind::junk) == "junk");
    CHECK(name(record_kind::event) == "event");
}

TEST_CASE("the stream operator writes the record as one JSON line") {
    std::ostringstream os;
    os << request_record();
    CHECK(os.str().find('\n') == std::string::npos);
    CHECK(json::parse(os.str()) == to_json(request_record()));
}

TEST_CASE("reset makes a record new and keeps its storage") {
    // Every field set away from its default (a reply's lists and flags on a request's bytes and frame).
    auto r = reply_record();
    r.raw = request_record().raw;
    r.frame = request_record().frame;
    r.collision = true;
    r.more_follows = true;
    r.line_baud = 2400;
    REQUIRE(r.raw.capacity() > 0);
    const auto* kept = r.raw.data();
    reset(r);
    CHECK(r == record{});
    CHECK(r.raw.capacity() > 0);
    r.raw.push_back(0xE5); // the same storage takes the next bytes
    CHECK(r.raw.data() == kept);
}
