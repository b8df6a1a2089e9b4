// control/feed.hpp: sequence numbers, what GET transcript?since=N keeps, the words filled in for
// records the runtime gave with facts only, and a subscriber's bounded queue that drops, says how
// many, and hands out what waits as one message of JSON lines.

#include <mbus/control/feed.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/runtime/in_process_bus.hpp>
#include <mbus/scenario/demo.hpp>
#include <mbus/scenario/load.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

using namespace mbus;

namespace {

harness::record event(std::string summary) {
    harness::record r;
    r.kind = harness::record_kind::event;
    r.summary = std::move(summary);
    return r;
}

nlohmann::json parse(const control::feed_record* r) { return nlohmann::json::parse(r->line()); }

std::vector<nlohmann::json> lines_of(const std::string& message) {
    std::vector<nlohmann::json> out;
    std::size_t from = 0;
    while (from <= message.size()) {
        auto end = message.find('\n', from);
        if (end == std::string::npos) end = message.size();
        out.push_back(nlohmann::json::parse(message.substr(from, end - from)));
        from = end + 1;
    }
    return out;
}

} // namespace

TEST_CASE("feed numbers records and keeps the last ones") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r, 3);
    for (int i = 0; i < 5; ++i)
        f.add(event("e" + std::to_string(i)));
    CHECK(f.next_seq() == 5);
    const auto kept = f.since(0);
    REQUIRE(kept.size() == 3); // 2, 3, 4
    CHECK(kept[0]->seq() == 2);
    CHECK(parse(kept[0])["seq"] == 2);
    CHECK(parse(kept[0])["summary"] == "e2");
    CHECK(f.since(4).size() == 1);
    CHECK(f.since(5).empty());
    // The runner's own notices reach it too.
    r.announce("hello");
    CHECK(parse(f.since(5).at(0))["summary"] == "hello");
}

TEST_CASE("feed line: the transcript line with seq, made once") {
    harness::record rec = event("power cycle");
    rec.t = 1.5;
    rec.session = 2;
    const control::feed_record fr(7, rec);
    const auto& line = fr.line();
    CHECK(line == R"({"t":1.5,"wall":"1970-01-01T00:00:00.000Z","session":2,"kind":"event",)"
                  R"("summary":"power cycle","seq":7})");
    CHECK(&fr.line() == &line); // kept, not made again
}

TEST_CASE("feed fills in the words the runtime leaves out with facts only") {
    // A REQ_UD2 to 5 with FCB set (C 7B, checksum 7B + 05 = 80), and an ACK.
    harness::record req;
    req.kind = harness::record_kind::request;
    req.raw = {0x10, 0x7B, 0x05, 0x80, 0x16};
    req.frame = link::decode(req.raw)->value;
    req.request = link::request_kind::req_ud2;
    harness::record filled = req;
    control::fill_words(filled);
    CHECK(filled.summary == "REQ_UD2 a=5 fcb=1 fcv=1");

    harness::record ack;
    ack.kind = harness::record_kind::reply;
    ack.raw = {0xE5};
    control::fill_words(ack);
    CHECK(ack.summary == "ACK");
    CHECK_FALSE(ack.frame.has_value()); // words only: the line does not write the frame
    CHECK_FALSE(ack.more_follows);

    // An RSP_UD in words read in place, with DIF 1F last: more follows.
    harness::record rsp;
    rsp.kind = harness::record_kind::reply;
    rsp.raw = {
        0x68, 0x10, 0x10, 0x68, // start, L = 16 twice, start
        0x08, 0x05, 0x72,       // RSP_UD from 5, CI 72
        0x78, 0x56, 0x34, 0x12, // ID 12345678
        0x2D, 0x2C, 0x01, 0x07, // KAM, version 1, water
        0x00, 0x00, 0x00, 0x00, // access number, status, signature
        0x1F,                   // more records follow
        0x13, 0x16,             // checksum, stop
    };
    control::fill_words(rsp);
    CHECK(rsp.summary == "RSP_UD a=5 ci=72 len=13 [id=12345678 man=KAM ver=1 medium=water records=1]");
    CHECK(rsp.more_follows);

    // Words already there (a log or transcript asked the runtime for them) are kept.
    harness::record said = req;
    said.summary = "as the runtime said";
    control::fill_words(said);
    CHECK(said.summary == "as the runtime said");
}

TEST_CASE("feed subscriber drops beyond its limit and says how many before the next record") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r);
    int wakes = 0;
    auto s = f.subscribe(2, [&] { ++wakes; });
    CHECK_FALSE(s->urgent());
    for (int i = 0; i < 5; ++i)
        f.add(event("e" + std::to_string(i)));
    CHECK(wakes == 1); // only when it stopped being empty (which is also half its limit)
    CHECK(s->urgent());
    auto got = lines_of(s->take());
    REQUIRE(got.size() == 3);
    CHECK(got[0] == nlohmann::json{{"kind", "dropped"}, {"count", 3}});
    CHECK(got[1]["summary"] == "e0");
    CHECK(got[2]["summary"] == "e1");
    CHECK(s->empty());
    CHECK(s->dropped_total() == 3);
    f.add(event("e5"));
    got = lines_of(s->take());
    REQUIRE(got.size() == 1); // no dropped notice without a loss
    CHECK(got[0]["seq"] == 5);
    CHECK(s->take().empty());
    f.unsubscribe(s);
    CHECK(f.subscribers() == 0);
}

TEST_CASE("feed subscriber wakes its writer when empty no more and again at half its limit") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r);
    int wakes = 0;
    auto s = f.subscribe(8, [&] { ++wakes; });
    f.add(event("a"));
    CHECK(wakes == 1);
    CHECK_FALSE(s->urgent());
    for (int i = 0; i < 3; ++i)
        f.add(event("b"));
    CHECK(wakes == 2); // 4 of 8 wait
    CHECK(s->urgent());
    const auto message = s->take();
    CHECK(std::count(message.begin(), message.end(), '\n') == 3); // 4 lines, none after the last
    CHECK(message.back() == '}');
}

TEST_CASE("feed subscriber: while its writer waits out the interval only urgency wakes it") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r);
    int wakes = 0;
    auto s = f.subscribe(8, [&] { ++wakes; });
    s->wake_when_urgent_only(true);
    for (int i = 0; i < 3; ++i)
        f.add(event("a"));
    CHECK(wakes == 0); // the first record did not wake it
    CHECK_FALSE(s->empty());
    f.add(event("b"));
    CHECK(wakes == 1); // 4 of 8: urgent
    CHECK(lines_of(s->take()).size() == 4);
    s->wake_when_urgent_only(false);
    f.add(event("c"));
    CHECK(wakes == 2); // parked again: the first record wakes it
}

TEST_CASE("feed ring: slots are reused as it wraps, and a line is made again for the new record") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r, 2);
    f.add(event("first"));
    const auto* slot = f.at(0);
    REQUIRE(slot != nullptr);
    CHECK(parse(slot)["summary"] == "first");
    f.add(event("second"));
    f.add(event("third")); // takes the first one's slot
    CHECK(f.at(0) == nullptr);
    REQUIRE(f.at(2) == slot);
    CHECK(parse(f.at(2))["summary"] == "third");
    CHECK(parse(f.at(2))["seq"] == 2);
    CHECK(f.at(3) == nullptr); // yet to come
    const auto kept = f.since(0);
    REQUIRE(kept.size() == 2);
    CHECK(parse(kept[0])["summary"] == "second");
    CHECK(parse(kept[1])["summary"] == "third");
}

TEST_CASE("feed subscriber: records the feed no longer keeps are lost and counted") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r, 4);
    auto s = f.subscribe(100, {}); // at most 4 can wait: the ring holds no more
    for (int i = 0; i < 4; ++i)
        f.add(event("e" + std::to_string(i)));
    auto got = lines_of(s->take());
    REQUIRE(got.size() == 4); // all four, nothing lost
    CHECK(got[0]["summary"] == "e0");
    CHECK(got[3]["summary"] == "e3");
    // e4 .. e7 wait, e8 and e9 are refused, and the ring moves past e4 and e5 before they are taken.
    for (int i = 4; i < 10; ++i)
        f.add(event("e" + std::to_string(i)));
    got = lines_of(s->take());
    REQUIRE(got.size() == 3);
    CHECK(got[0] == nlohmann::json{{"kind", "dropped"}, {"count", 4}});
    CHECK(got[1]["summary"] == "e6");
    CHECK(got[2]["summary"] == "e7");
    CHECK(s->dropped_total() == 4);
}

namespace {

// Two meters at one address (their answers collide), a multi-telegram meter (DIF 1F) and a meter
// that answers REQ_UD2 with fixed data.
const char* mixed_bus = R"(
[bus]
name = "mixed"

[[meter]]
name = "a"
address = 5
id = "11111111"
manufacturer = "KAM"
version = 1
medium = "water"

[[meter.record]]
quantity = "volume"
unit = "l"
type = "bcd8"
value = 1234

[[meter]]
name = "b"
address = 5
id = "22222222"
manufacturer = "ELS"
version = 2
medium = "heat"

[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = 42

[[meter]]
name = "lone"
address = 9
id = "99999999"
manufacturer = "TST"
version = 7
medium = "electricity"

[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = { counter = { start = 10, rate = 1, per = "s" } }
)";

// What the runtime gives a sink that reads facts only (runtime::sink_reads::facts): no words.
harness::record facts_of(harness::record r) {
    if (r.kind == harness::record_kind::request) r.summary.clear();
    if (r.kind == harness::record_kind::reply) {
        r.summary.clear();
        r.frame.reset();
        r.more_follows = false;
    }
    return r;
}

std::string with_seq(std::string line, std::uint64_t seq) {
    line.pop_back();
    return line + ",\"seq\":" + std::to_string(seq) + "}";
}

// The records of a bus that served `frames` (and `junk` between them), with the runtime's words.
std::vector<harness::record> records_of(const scenario::scenario& sc, const std::vector<link::frame>& frames,
                                        const bytes& junk) {
    runtime::in_process_bus bus(sc);
    for (std::size_t i = 0; i < frames.size(); ++i) {
        bus.send(frames[i]);
        if (i == 1) bus.send_bytes(junk);
    }
    std::vector<harness::record> out;
    for (const auto& e : bus.entries())
        harness::for_each_record(e, [&](const harness::record& r) { out.push_back(r); });
    return out;
}

} // namespace

TEST_CASE("feed lines: byte for byte the transcript's lines, words made from the facts as the runtime does") {
    const auto load = [](const std::string& text, const char* name) {
        auto r = scenario::load_string(text, name);
        REQUIRE(r.value);
        return *r.value;
    };
    std::ifstream multi_file(std::string(MBUS_SOURCE_DIR) + "/scenarios/multi-telegram.toml");
    REQUIRE(multi_file);
    const std::string multi((std::istreambuf_iterator<char>(multi_file)), std::istreambuf_iterator<char>());
    const std::vector<scenario::scenario> buses = {scenario::builtin_demo(), load(mixed_bus, "mixed.toml"),
                                                   load(multi, "multi-telegram.toml")};
    // SND_NKE, REQ_UD2 with the FCB toggled and repeated, REQ_UD1, an application reset (SND_UD),
    // addresses nobody has, a broadcast, a secondary selection.
    const std::vector<link::frame> frames = {
        link::frame::short_frame(0x40, 5),
        link::frame::short_frame(0x40, 7),
        link::frame::short_frame(0x7B, 5),
        link::frame::short_frame(0x5B, 5),
        link::frame::short_frame(0x7B, 7),
        link::frame::short_frame(0x5B, 7),
        link::frame::short_frame(0x7B, 7),
        link::frame::short_frame(0x7B, 7),
        link::frame::short_frame(0x5B, 9),
        link::frame::short_frame(0x7A, 9),
        link::frame::short_frame(0x5B, 3),
        link::frame::short_frame(0x40, 0xFE),
        link::frame::short_frame(0x5B, 200),
        link::frame::long_frame(0x53, 5, 0x50),
        link::frame::long_frame(0x53, 0xFD, 0x52, {0x78, 0x56, 0x34, 0x12, 0xFF, 0xFF, 0xFF, 0xFF}),
    };
    const bytes junk = {0x68, 0x03, 0x03, 0x68, 0x53, 0x05, 0x51, 0x00, 0x16, 0x10, 0x5B};
    std::size_t replies = 0;
    for (const auto& sc : buses) {
        const auto records = records_of(sc, frames, junk);
        REQUIRE(records.size() > frames.size());
        boost::asio::io_context io;
        runtime::runner r(io.get_executor(), scenario::builtin_demo());
        control::feed f(r, records.size());
        auto s = f.subscribe(records.size(), {});
        std::vector<std::string> lines;
        std::string expected;
        for (std::size_t i = 0; i < records.size(); ++i) {
            f.add(facts_of(records[i]));
            lines.push_back(with_seq(harness::to_json_line(records[i]), i));
            if (!expected.empty()) expected += '\n';
            expected += lines.back();
            if (records[i].kind == harness::record_kind::reply) ++replies;
        }
        // A subscriber's message is those lines, in order; and each record's line, asked after it.
        CHECK(s->take() == expected);
        for (std::size_t i = 0; i < records.size(); ++i)
            CHECK(f.at(i)->line() == lines[i]);
    }
    CHECK(replies >= 10); // the runs did answer (15 replies over the three buses)
}
