// Transcript records as JSON lines: the fields each kind carries, and reading them back.

#include <doctest/doctest.h>

#include <mbus/harness/jsonl.hpp>
#include <mbus/harness/record.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

using namespace mbus;
using namespace mbus::harness;
using nlohmann::json;

namespace {

// 2026-11-21T12:00:00.123Z
const wall_time noon = std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) + std::chrono::hours(12) +
                       std::chrono::milliseconds(123);

record request_record() {
    record r;
    r.kind = record_kind::request;
    r.t = 1.234;
    r.wall = noon;
    r.session = 1;
    r.raw = {0x10, 0x7B, 0x05, 0x80, 0x16}; // REQ_UD2 FCB=1 to 5: start, C, A, CS, stop
    r.frame = link::frame::short_frame(0x7B, 0x05);
    r.request = link::request_kind::req_ud2;
    r.summary = "REQ_UD2 a=5 fcb=1 fcv=1";
    r.line_baud = 2400;
    return r;
}

record reply_record() {
    record r;
    r.kind = record_kind::reply;
    r.t = 1.25;
    r.wall = noon + std::chrono::milliseconds(16);
    r.session = 1;
    r.raw = {0xE5, 0xE5}; // an ACK twice: a duplicated answer
    r.request = link::request_kind::snd_nke;
    r.summary = "ACK + ACK";
    r.meters = {"a", "b"};
    r.answered_by = {"a"};
    r.collision = false;
    r.repeated = true;
    r.injected = {"meter a: duplicated answer (fault 'dup')"};
    return r;
}

} // namespace

TEST_CASE("record kinds have their transcript names") {
    CHECK(name(record_kind::request) == "request");
    CHECK(name(record_kind::reply) == "reply");
    CHECK(name(record_kind::silence) == "silence");
    CHECK(name(record_kind::junk) == "junk");
    CHECK(name(record_kind::event) == "event");
}

TEST_CASE("wall times are written as UTC with milliseconds and read back") {
    CHECK(format_wall(noon) == "2026-11-21T12:00:00.123Z");
    CHECK(format_wall(noon + std::chrono::microseconds(999)) ==
          "2026-11-21T12:00:00.123Z"); // cut, not rounded
    CHECK(parse_wall("2026-11-21T12:00:00.123Z") == noon);
    CHECK_FALSE(parse_wall("2026-11-21 12:00:00.123Z"));
    CHECK_FALSE(parse_wall("2026-02-30T12:00:00.123Z"));
    CHECK_FALSE(parse_wall("2026-11-21T12:00:00Z"));
}

TEST_CASE("a request record carries its bytes kind summary and line rate") {
    const auto j = to_json(request_record());
    CHECK(j == json::parse(R"j({"t":1.234,"wall":"2026-11-21T12:00:00.123Z","session":1,"kind":"request",
        "request":"REQ_UD2","hex":"107B058016","summary":"REQ_UD2 a=5 fcb=1 fcv=1","line_baud":2400})j"));
}

TEST_CASE("a reply record carries meters answers collision repetition and injected faults") {
    const auto j = to_json(reply_record());
    CHECK(j == json::parse(R"j({"t":1.25,"wall":"2026-11-21T12:00:00.139Z","session":1,"kind":"reply",
        "request":"SND_NKE","hex":"E5E5","summary":"ACK + ACK","meters":["a","b"],"answered_by":["a"],
        "collision":false,"repeated":true,"more_follows":false,"injected":["meter a: duplicated answer (fault 'dup')"]})j"));
}

TEST_CASE("silence junk and event records carry only their own fields") {
    record silence;
    silence.kind = record_kind::silence;
    silence.t = 0.5;
    silence.wall = noon;
    silence.session = 2;
    silence.request = link::request_kind::select;
    silence.summary = "no answer (fault injected)";
    silence.meters = {"a"};
    silence.injected = {"meter a: no answer (fault 'drop')"};
    CHECK(to_json(silence) == json::parse(R"j({"t":0.5,"wall":"2026-11-21T12:00:00.123Z","session":2,
        "kind":"silence","request":"SELECT","summary":"no answer (fault injected)","meters":["a"],
        "injected":["meter a: no answer (fault 'drop')"]})j"));

    record junk;
    junk.kind = record_kind::junk;
    junk.wall = noon;
    junk.session = 1;
    junk.raw = {0xFF, 0x12}; // noise
    junk.summary = "not a frame start";
    CHECK(to_json(junk) == json::parse(R"j({"t":0,"wall":"2026-11-21T12:00:00.123Z","session":1,"kind":"junk",
        "hex":"FF12","summary":"not a frame start"})j"));

    record event;
    event.kind = record_kind::event;
    event.t = 2.0;
    event.wall = noon;
    event.summary = "meter b leaves the bus";
    CHECK(to_json(event) == json::parse(R"j({"t":2.0,"wall":"2026-11-21T12:00:00.123Z","session":0,
        "kind":"event","summary":"meter b leaves the bus"})j"));
    event.raw = {0x00, 0x00, 0x00}; // a wake-up preamble
    CHECK(to_json(event)["hex"] == "000000");
}

TEST_CASE("the stream operator writes the record as one JSON line") {
    std::ostringstream os;
    os << request_record();
    CHECK(os.str().find('\n') == std::string::npos);
    CHECK(json::parse(os.str()) == to_json(request_record()));
}

TEST_CASE("the transcript line puts time wall session and kind first") {
    CHECK(to_json_line(request_record()) ==
          R"({"t":1.234,"wall":"2026-11-21T12:00:00.123Z","session":1,"kind":"request","request":"REQ_UD2",)"
          R"("hex":"107B058016","summary":"REQ_UD2 a=5 fcb=1 fcv=1","line_baud":2400})");
    auto r = request_record();
    r.t = 1.678508; // a number nlohmann's own dump writes as 1.6785079999999999
    CHECK(to_json_line(r).starts_with(R"({"t":1.678508,"wall")"));
    CHECK(json::parse(to_json_line(r)) == to_json(r));
}

TEST_CASE("times are written to the microsecond") {
    auto r = request_record();
    r.t = 1.0 / 3.0;
    CHECK(to_json(r)["t"].get<double>() == doctest::Approx(0.333333).epsilon(1e-12));
}

TEST_CASE("records read back equal the records written with the frame decoded again") {
    for (const auto& r : {request_record(), reply_record()}) {
        const auto back = record_from_json(json::parse(to_json(r).dump()));
        REQUIRE(back);
        CHECK(*back == r);
    }
    // A reply of two ACKs is no single frame: none is decoded.
    CHECK_FALSE(record_from_json(to_json(reply_record()))->frame);
}

TEST_CASE("a line that is no record is refused") {
    CHECK_FALSE(record_from_json(json::parse("[]")));
    CHECK_FALSE(record_from_json(json::parse(R"({"kind":"request"})")));
    auto j = to_json(request_record());
    j["kind"] = "answer";
    CHECK_FALSE(record_from_json(j));
    j = to_json(request_record());
    j["hex"] = "10 7Z";
    CHECK_FALSE(record_from_json(j));
    j = to_json(request_record());
    j["request"] = "REQ_UD9";
    CHECK_FALSE(record_from_json(j));
    j = to_json(request_record());
    j["line_baud"] = "2400";
    CHECK_FALSE(record_from_json(j));
    j = to_json(reply_record());
    j["meters"] = json::array({1, 2});
    CHECK_FALSE(record_from_json(j));
}

TEST_CASE("the JSON-lines writer writes one line per record") {
    std::ostringstream os;
    jsonl_writer w(os);
    w.write(request_record());
    w.write(reply_record());
    CHECK(w.lines() == 2);
    CHECK(w.good());
    std::istringstream in(os.str());
    std::string line;
    std::vector<record> back;
    while (std::getline(in, line)) {
        auto r = record_from_json(json::parse(line));
        REQUIRE(r);
        back.push_back(*r);
    }
    CHECK(back == std::vector<record>{request_record(), reply_record()});
}
