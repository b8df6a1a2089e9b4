// harness/jsonl: transcript records as JSON lines, the fields each kind carries, reading them back,
// wall times, and the writer.

#include <doctest/doctest.h>

#include <mbus/harness/jsonl.hpp>
#include <mbus/harness/record.hpp>

#include "records.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <cmath>
#include <random>
#include <sstream>

using namespace mbus;
using namespace mbus::harness;
using namespace mbus::harness::test;
using nlohmann::json;

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

// Found by fuzz_transcript_record: a request or junk record without bytes wrote "hex":"" and that
// line did not read back.
TEST_CASE("a record without bytes reads back from its line") {
    auto r = request_record();
    r.raw.clear();
    r.frame.reset();
    const auto line = to_json_line(r);
    const auto back = record_from_json(json::parse(line));
    REQUIRE(back);
    CHECK(*back == r);
    CHECK(to_json_line(*back) == line);
}

// Found by fuzz_transcript_record: a request line that also held a reply's "injected" kept it in
// the record, and the record's own line (which has no such field) read back as another record.
TEST_CASE("fields a record's kind does not carry are ignored") {
    auto j = to_json(request_record());
    j["injected"] = json::array({"drop"});
    j["meters"] = json::array({"a"});
    j["collision"] = true;
    const auto back = record_from_json(j);
    REQUIRE(back);
    CHECK(*back == request_record());
    record quiet;
    quiet.kind = record_kind::silence;
    quiet.wall = noon;
    quiet.request = link::request_kind::req_ud2;
    quiet.summary = "silence";
    auto s = to_json(quiet);
    s["hex"] = "E5";
    s["line_baud"] = 2400;
    const auto silence = record_from_json(s);
    REQUIRE(silence);
    CHECK(silence->raw.empty());
    CHECK(silence->line_baud == 0);
    CHECK(*silence == *record_from_json(json::parse(to_json_line(*silence))));
}

// Found by fuzz_transcript_record: year 1013 overflowed the nanoseconds of wall_time (UBSan).
TEST_CASE("wall times outside what wall_time holds are refused") {
    CHECK_FALSE(parse_wall("1013-11-21T12:00:00.123Z"));
    CHECK_FALSE(parse_wall("9999-12-31T23:59:59.999Z"));
    CHECK(parse_wall("1970-01-01T00:00:00.000Z") == wall_time{});
    CHECK(parse_wall("2200-01-01T00:00:00.000Z"));
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

namespace {

record silence_record() {
    record r;
    r.kind = record_kind::silence;
    r.t = 0.5;
    r.wall = noon;
    r.session = 2;
    r.request = link::request_kind::select;
    r.summary = "no answer";
    r.meters = {"a"};
    r.injected = {"meter a: no answer (fault 'drop')"};
    return r;
}

record junk_record() {
    record r;
    r.kind = record_kind::junk;
    r.t = 0.75;
    r.wall = noon;
    r.session = 1;
    r.raw = {0xFF, 0x12}; // noise
    r.summary = "not a frame start";
    return r;
}

record event_record(bytes raw) {
    record r;
    r.kind = record_kind::event;
    r.t = 2.0;
    r.wall = noon;
    r.raw = std::move(raw);
    r.summary = "meter b leaves the bus";
    return r;
}

// RSP_UD from address 5 whose only record is DIF 1F: another telegram follows.
const bytes rsp_ud_more{0x68, 0x10, 0x10, 0x68, // start, L = 16 twice, start
                        0x08, 0x05, 0x72,       // C = RSP_UD, A = 5, CI = 72 (long header)
                        0x78, 0x56, 0x34, 0x12, // ID 12345678 (BCD, LSB first)
                        0x2D, 0x2C,             // manufacturer KAM
                        0x01, 0x07,             // version 1, medium water
                        0x01, 0x00, 0x00, 0x00, // access number 1, status 0, signature 0
                        0x1F,                   // DIF 1F: more records follow in the next telegram
                        0x14, 0x16};            // CS, stop

record more_follows_record() {
    record r;
    r.kind = record_kind::reply;
    r.t = 3.0;
    r.wall = noon;
    r.session = 1;
    r.raw = rsp_ud_more;
    r.request = link::request_kind::req_ud2;
    r.summary = "RSP_UD a=5";
    r.meters = {"water"};
    r.answered_by = {"water"};
    r.more_follows = true;
    return r;
}

} // namespace

TEST_CASE("every record kind reads back from its transcript line") {
    auto with_frame = more_follows_record();
    const auto decoded = link::decode(rsp_ud_more);
    REQUIRE(decoded);
    with_frame.frame = decoded->value;
    for (const auto& r : {request_record(), reply_record(), silence_record(), junk_record(), event_record({}),
                          event_record({0x00, 0x00, 0x00}), with_frame}) {
        CAPTURE(to_json_line(r));
        const auto back = record_from_json(json::parse(to_json_line(r)));
        REQUIRE(back);
        CHECK(*back == r);
    }
}

TEST_CASE("a reply says whether more telegrams follow and the field reads back") {
    const auto r = more_follows_record();
    const auto j = json::parse(to_json_line(r));
    CHECK(j["more_follows"] == true);
    CHECK(j["hex"] == "6810106808057278563412"
                      "2D2C0107010000001F1416");
    const auto back = record_from_json(j);
    REQUIRE(back);
    CHECK(back->more_follows);
    REQUIRE(back->frame); // one intact frame: decoded again from "hex"
    CHECK(back->frame->c == 0x08);
    CHECK(back->frame->a == 0x05);
    CHECK(json::parse(to_json_line(reply_record()))["more_follows"] == false);
    // Only replies carry it.
    CHECK_FALSE(json::parse(to_json_line(request_record())).contains("more_follows"));
    CHECK_FALSE(json::parse(to_json_line(silence_record())).contains("more_follows"));
    auto wrong = j;
    wrong["more_follows"] = "yes";
    CHECK_FALSE(record_from_json(wrong));
}

TEST_CASE("malformed JSON lines are refused") {
    const auto line = to_json_line(request_record());
    for (const std::string& bad : {line.substr(0, line.size() - 1), std::string("{\"t\":1,"), std::string(""),
                                   std::string("not json"), std::string("\"a string\""), std::string("42")}) {
        CAPTURE(bad);
        const auto j = json::parse(bad, nullptr, false); // what a reader of a transcript does
        CHECK_FALSE(record_from_json(j));
    }
    auto j = json::parse(line);
    j.erase("t");
    CHECK_FALSE(record_from_json(j));
    j = json::parse(line);
    j["wall"] = "2026-11-21T12:00:00Z";
    CHECK_FALSE(record_from_json(j));
    j = json::parse(line);
    j["session"] = -1;
    CHECK_FALSE(record_from_json(j));
    j = json::parse(line);
    j["summary"] = 5;
    CHECK_FALSE(record_from_json(j));
    j = json::parse(line);
    j["hex"] = 16; // a number, not text
    CHECK_FALSE(record_from_json(j));
}

TEST_CASE("wall times round trip and only the written form is read") {
    using namespace std::chrono;
    const wall_time leap_day =
        sys_days(year(2028) / 2 / 29) + hours(23) + minutes(59) + seconds(59) + milliseconds(999);
    CHECK(format_wall(leap_day) == "2028-02-29T23:59:59.999Z");
    CHECK(parse_wall(format_wall(leap_day)) == leap_day);
    CHECK(format_wall(wall_time{}) == "1970-01-01T00:00:00.000Z");
    CHECK(parse_wall("1970-01-01T00:00:00.000Z") == wall_time{});
    CHECK_FALSE(parse_wall("2026-02-29T00:00:00.000Z")); // no leap year
    CHECK_FALSE(parse_wall("2026-13-01T00:00:00.000Z"));
    CHECK_FALSE(parse_wall("2026-00-01T00:00:00.000Z"));
    CHECK_FALSE(parse_wall("2026-11-21T24:00:00.000Z"));
    CHECK_FALSE(parse_wall("2026-11-21T12:60:00.000Z"));
    CHECK_FALSE(parse_wall("2026-11-21T12:00:00.123+"));
    CHECK_FALSE(parse_wall("2026-11-21T12:00:00.1a3Z"));
    CHECK_FALSE(parse_wall("2026-11-21T12:00:00.123Z "));
    CHECK_FALSE(parse_wall(""));
}

TEST_CASE("the JSON-lines writer writes an entry's records") {
    std::ostringstream os;
    jsonl_writer w(os);
    exchange x;
    x.request = request_record();
    x.outcome = reply_record();
    x.end = fate::answered;
    w.write(entry{x});
    x.end = fate::stopped; // its request only
    w.write(entry{x});
    w.write(entry{notice{junk_record(), "junk", false}});
    CHECK(w.lines() == 4);
    CHECK(os.str() == to_json_line(request_record()) + "\n" + to_json_line(reply_record()) + "\n" +
                          to_json_line(request_record()) + "\n" + to_json_line(junk_record()) + "\n");
}

TEST_CASE("the line is written directly with nlohmann's escapes and field values") {
    // Quotes, backslashes, every control character, DEL, and UTF-8 (through nlohmann itself).
    std::string tricky = "a \"quoted\" \\ path\x7f";
    for (char c = 1; c < 0x20; ++c)
        tricky += c;
    tricky += "caf\xc3\xa9 \xe2\x82\xac";
    for (auto r : {request_record(), reply_record(), silence_record()}) {
        r.summary = tricky;
        r.meters = {"heat \"1\"", "w\xc3\xa4rme"};
        r.answered_by = {"x\ny"};
        r.injected = {"no_answer", "tab\there"};
        const auto line = to_json_line(r);
        CAPTURE(line);
        CHECK(json::parse(line) == to_json(r));
        CHECK(line.find(json(tricky).dump()) != std::string::npos);
        CHECK(line.find(R"(\u0001)") != std::string::npos); // lower-case hex, as nlohmann writes it
    }
    // A string that is no UTF-8 is refused as nlohmann refuses it, not written broken.
    auto bad = request_record();
    bad.summary = "\xff\xfe";
    CHECK_THROWS(to_json_line(bad));
}

TEST_CASE("jsonl seconds: fmt's shortest form of every time rounded to microseconds") {
    // The line writes "t" from its microseconds; fmt's shortest double form is the reference.
    const auto same = [](double t) {
        t = std::round(t * 1e6) / 1e6; // as records hold it
        std::string ours;
        append_seconds(ours, t);
        CAPTURE(t);
        CHECK(ours == fmt::format("{}", t));
        return ours;
    };
    CHECK(same(1.5) == "1.5");
    CHECK(same(12.0) == "12");
    CHECK(same(0.000123) == "0.000123");
    CHECK(same(0.0001) == "0.0001");
    CHECK(same(0.00005) == "5e-05"); // below 1e-4 fmt writes an exponent
    CHECK(same(0) == "0");
    CHECK(same(1.678508) == "1.678508");
    CHECK(same(86400.000001) == "86400.000001");
    CHECK(same(999999999.999999) == "999999999.999999");
    CHECK(same(1e9) == "1000000000");
    CHECK(same(1e16) == "1e+16");
    std::mt19937_64 rng(10);
    for (int i = 0; i < 20000; ++i) {
        // Microseconds up to a day, a year and thirty years, and some small ones.
        const std::uint64_t spans[] = {86'400'000'000ULL, 31'536'000'000'000ULL, 946'080'000'000'000ULL,
                                       1'000ULL};
        const auto us = rng() % spans[i % 4];
        same(static_cast<double>(us) / 1e6);
    }
}

TEST_CASE("jsonl strings: a byte that needs an escape is found wherever it stands") {
    // The writer looks at eight bytes at a time: every escape at every place of strings around that
    // width, next to the bytes beside them in ASCII (which need none), as nlohmann writes them.
    for (const std::string special :
         {"\"", "\\", "\x01", "\x1f", "\n", "\xc3\xa9", " ", "!", "#", "[", "]", "\x7f"})
        for (std::size_t size = 0; size <= 20; ++size)
            for (std::size_t at = 0; at <= size; ++at) {
                auto r = request_record();
                r.summary = std::string(at, 'a') + special + std::string(size - at, 'b');
                const auto line = to_json_line(r);
                CAPTURE(line);
                CHECK(line.find(",\"summary\":" + json(r.summary).dump() + ",") != std::string::npos);
                CHECK(json::parse(line)["summary"] == r.summary);
            }
}

TEST_CASE("jsonl wall times: the date follows each record as days and years turn") {
    using namespace std::chrono;
    const auto eve =
        sys_days(year(2026) / December / 31) + hours(23) + minutes(59) + seconds(59) + milliseconds(999);
    auto r = request_record();
    for (const auto& [t, text] :
         std::vector<std::pair<wall_time, std::string>>{{noon, "2026-11-21T12:00:00.123Z"},
                                                        {noon + hours(24), "2026-11-22T12:00:00.123Z"},
                                                        {noon, "2026-11-21T12:00:00.123Z"},
                                                        {eve, "2026-12-31T23:59:59.999Z"},
                                                        {eve + milliseconds(1), "2027-01-01T00:00:00.000Z"},
                                                        {eve, "2026-12-31T23:59:59.999Z"}}) {
        r.wall = t;
        CHECK(json::parse(to_json_line(r))["wall"] == text);
        CHECK(format_wall(t) == text);
    }
}
