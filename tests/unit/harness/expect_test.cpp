// Verdicts over synthetic transcripts: each expectation kind held and failed, with its reason and
// the records that show it.

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/harness/expect.hpp>
#include <mbus/link/frame.hpp>

#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::harness;

namespace {

// The bus's meter names, as evaluate() takes them.
std::vector<std::string> plant(std::vector<std::string> names) { return names; }

record from_wire(record_kind k, double t, const bytes& wire) {
    record r;
    r.kind = k;
    r.t = t;
    r.raw = wire;
    if (const auto f = link::decode(wire)) {
        r.frame = f->value;
        r.summary = link::describe(f->value);
    }
    return r;
}

record request(double t, const bytes& wire) {
    auto r = from_wire(record_kind::request, t, wire);
    REQUIRE(r.frame);
    r.request = link::kind_of(*r.frame);
    return r;
}

record reply(double t, const bytes& wire, link::request_kind asked, std::vector<std::string> by,
             bool collision = false) {
    auto r = from_wire(record_kind::reply, t, wire);
    r.request = asked;
    // What the runtime's one decode of the reply tells (runtime/summary.hpp): the last record is 1F.
    if (r.frame) {
        const auto ud = app::decode(r.frame->ci, r.frame->data);
        r.more_follows = ud && app::more_records_follow(*ud);
    }
    r.meters = by;
    r.answered_by = std::move(by);
    r.collision = collision;
    return r;
}

// 10 C A CS 16
bytes short_frame(byte c, byte a) { return {0x10, c, a, static_cast<byte>(c + a), 0x16}; }

// An RSP_UD (C 08, CI 72) from `a`: the 12-byte header and one volume record; with `more`, a
// closing DIF 1F says that another telegram follows.
bytes rsp_ud(byte a, bool more) {
    bytes data{0x78, 0x56, 0x34, 0x12,  // identification number 12345678
               0x2D, 0x2C,              // manufacturer KAM
               0x01,                    // version
               0x04,                    // medium heat
               0x01,                    // access number
               0x00,                    // status
               0x00, 0x00,              // signature
               0x0C, 0x13,              // DIF 8-digit BCD, VIF volume 1e-3 m3
               0x45, 0x23, 0x01, 0x00}; // 12345 l
    if (more) data.push_back(0x1F);     // DIF: more telegrams follow
    const auto w = link::encode(link::frame::long_frame(link::c_field::rsp_ud, a, 0x72, data));
    REQUIRE(w);
    return *w;
}

const bytes ack{0xE5};

// A select of `id` (CI 52, ID LSB first, manufacturer, version and medium wildcards).
bytes select(std::uint32_t id_bcd) {
    bytes data{static_cast<byte>(id_bcd),
               static_cast<byte>(id_bcd >> 8),
               static_cast<byte>(id_bcd >> 16),
               static_cast<byte>(id_bcd >> 24),
               0xFF,
               0xFF,  // manufacturer: any
               0xFF,  // version: any
               0xFF}; // medium: any
    const auto w = link::encode(link::frame::long_frame(link::c_field::snd_ud, 0xFD, 0x52, data));
    REQUIRE(w);
    return *w;
}

expectation expect(expect_that that) { return {std::move(that), {}, {}}; }

record silent(double t, link::request_kind asked) {
    auto r = from_wire(record_kind::silence, t, {});
    r.request = asked;
    return r;
}

record in_session(record r, unsigned session) {
    r.session = session;
    return r;
}

// A select with the given manufacturer, version and medium bytes (ID wildcards in every digit).
bytes select_fields(std::uint16_t manufacturer, byte version, byte medium) {
    const bytes data{0xFF,
                     0xFF,
                     0xFF,
                     0xFF,                                 // identification number: any
                     static_cast<byte>(manufacturer),      // manufacturer, low byte
                     static_cast<byte>(manufacturer >> 8), // manufacturer, high byte
                     version,
                     medium};
    const auto w = link::encode(link::frame::long_frame(link::c_field::snd_ud, 0xFD, 0x52, data));
    REQUIRE(w);
    return *w;
}

constexpr byte req_fcb0 = 0x5B;  // REQ_UD2 FCV=1 FCB=0
constexpr byte req_fcb1 = 0x7B;  // FCV=1 FCB=1
constexpr byte req_nofcv = 0x4B; // FCV=0

} // namespace

TEST_CASE("read holds for a meter whose telegram came back clean") {
    const auto sc = plant({"heat-1"});
    const std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)),
                                reply(0.15, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"})};
    const auto v = evaluate(expect(expects::read{}), t, sc);
    CHECK(v.held);
    CHECK(v.reason == "read 1 meter: heat-1 (1 telegram)");
    REQUIRE(v.evidence.size() == 2);
    CHECK(v.evidence[0].raw == short_frame(req_fcb1, 1));
}

TEST_CASE("read fails naming the meter that never answered") {
    const auto sc = plant({"heat-1", "heat-2"});
    const std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)),
                                reply(0.15, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"}),
                                request(0.2, short_frame(req_fcb1, 2)),
                                from_wire(record_kind::silence, 0.8, {})};
    const auto v = evaluate(expect(expects::read{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "1 of 2 meters not read: heat-2 never answered a REQ_UD2");
}

TEST_CASE("read of a listed meter ignores the others") {
    const auto sc = plant({"heat-1", "heat-2"});
    auto e = expect(expects::read{});
    std::get<expects::read>(e.that).meters = {"heat-1"};
    const std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)),
                                reply(0.15, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"})};
    CHECK(evaluate(e, t, sc).held);
}

TEST_CASE("read of a multi-telegram meter needs the last telegram") {
    const auto sc = plant({"heat-1"});
    std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)),
                          reply(0.15, rsp_ud(1, true), link::request_kind::req_ud2, {"heat-1"})};
    auto v = evaluate(expect(expects::read{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "1 of 1 meter not read: heat-1 sent 1 telegram announcing more (DIF 1F) and the "
                      "master never got the next");
    CHECK(v.evidence.size() == 2); // the request and the telegram that announced more

    t.push_back(request(0.3, short_frame(req_fcb0, 1)));
    t.push_back(reply(0.35, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"}));
    v = evaluate(expect(expects::read{}), t, sc);
    CHECK(v.held);
    CHECK(v.reason == "read 1 meter: heat-1 (2 telegrams)");
}

TEST_CASE("read does not count a collided answer") {
    const auto sc = plant({"heat-1", "heat-2"});
    const std::vector<record> t{
        request(0.1, short_frame(req_fcb1, 1)),
        reply(0.15, {0x68, 0x00, 0x12}, link::request_kind::req_ud2, {"heat-1", "heat-2"}, true)};
    const auto v = evaluate(expect(expects::read{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason.find("heat-1 answered a REQ_UD2 only together with other meters (1 collision)") !=
          std::string::npos);
    CHECK(v.evidence.size() == 2);
}

TEST_CASE("fcb_toggled holds when each next REQ_UD2 flips the FCB") {
    const auto sc = plant({"heat-1"});
    const std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)),
                                reply(0.15, rsp_ud(1, true), link::request_kind::req_ud2, {"heat-1"}),
                                request(0.2, short_frame(req_fcb0, 1)),
                                reply(0.25, rsp_ud(1, true), link::request_kind::req_ud2, {"heat-1"}),
                                request(0.3, short_frame(req_fcb1, 1)),
                                reply(0.35, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"})};
    const auto v = evaluate(expect(expects::fcb_toggled{}), t, sc);
    CHECK(v.held);
    CHECK(v.reason == "the FCB toggled in all 2 steps of multi-telegram readouts");
    CHECK(v.evidence.size() == 3); // the three requests
}

TEST_CASE("fcb_toggled fails on a repeated FCB with the frames that show it") {
    const auto sc = plant({"heat-1"});
    const std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)),
                                reply(0.15, rsp_ud(1, true), link::request_kind::req_ud2, {"heat-1"}),
                                request(0.2, short_frame(req_fcb1, 1)),
                                reply(0.25, rsp_ud(1, true), link::request_kind::req_ud2, {"heat-1"})};
    const auto v = evaluate(expect(expects::fcb_toggled{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "1 of 1 multi-telegram steps did not toggle the FCB: at 0.200 s the REQ_UD2 to 1 "
                      "repeated FCB=1 after a telegram that announced more; the meter repeated its telegram "
                      "instead of sending the next; toggle the FCB (with FCV=1) on each REQ_UD2 after a "
                      "telegram that announces more");
    REQUIRE(v.evidence.size() == 3);
    CHECK(v.evidence[2].raw == bytes{0x10, 0x7B, 0x01, 0x7C, 0x16}); // start, C FCB=1, A, CS, stop
}

TEST_CASE("fcb_toggled fails when FCV is off") {
    const auto sc = plant({"heat-1"});
    const std::vector<record> t{request(0.1, short_frame(req_nofcv, 1)),
                                reply(0.15, rsp_ud(1, true), link::request_kind::req_ud2, {"heat-1"}),
                                request(0.2, short_frame(req_nofcv, 1))};
    const auto v = evaluate(expect(expects::fcb_toggled{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason.find("had FCV=0") != std::string::npos);
}

TEST_CASE("fcb_toggled forgives a repeat after SND_NKE and fails with no readout at all") {
    const auto sc = plant({"heat-1"});
    std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)),
                          reply(0.15, rsp_ud(1, true), link::request_kind::req_ud2, {"heat-1"}),
                          request(0.2, short_frame(link::c_field::snd_nke, 1)),
                          reply(0.22, ack, link::request_kind::snd_nke, {"heat-1"}),
                          request(0.3, short_frame(req_fcb1, 1)),
                          reply(0.35, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"})};
    const auto v = evaluate(expect(expects::fcb_toggled{}), t, sc);
    CHECK_FALSE(v.held); // no step was checked: the reset started the readout over
    CHECK(v.reason.find("no REQ_UD2 followed a telegram that announced more") == 0);
}

TEST_CASE("nothing_sent_to FF fails with the request that went there") {
    const auto sc = plant({"heat-1"});
    auto e = expect(expects::nothing_sent_to{});
    std::get<expects::nothing_sent_to>(e.that).addresses = {0xFF};
    std::vector<record> t{request(0.1, short_frame(req_fcb1, 1))};
    CHECK(evaluate(e, t, sc).held);
    t.push_back(request(0.2, short_frame(link::c_field::snd_nke, 0xFF)));
    const auto v = evaluate(e, t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "1 of 2 requests went there");
    REQUIRE(v.evidence.size() == 1);
    CHECK(evidence_line(v.evidence[0]).find("10 40 FF 3F 16") != std::string::npos);
    CHECK(describe(e) == "no request was sent to 255 (FF)");

    std::get<expects::nothing_sent_to>(e.that).request =
        link::request_kind::req_ud2; // only REQ_UD2 is forbidden there: the SND_NKE is fine
    CHECK(evaluate(e, t, sc).held);
}

TEST_CASE("found_by_scan needs each meter selected alone") {
    const auto sc = plant({"heat-1", "heat-2"});
    std::vector<record> t{
        request(0.1, select(0xFFFFFFFF)),
        reply(0.15, {0xE5, 0xE5}, link::request_kind::select, {"heat-1", "heat-2"}, true),
        request(0.2, select(0x1234567F)),
        reply(0.25, ack, link::request_kind::select, {"heat-1"}),
    };
    auto v = evaluate(expect(expects::found_by_scan{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "1 of 2 meters never selected alone (2 selects in all): heat-2 (only in collisions)");
    CHECK(v.evidence.size() == 2); // the wildcard select and its collision

    t.push_back(request(0.3, select(0x1234568F)));
    t.push_back(reply(0.35, ack, link::request_kind::select, {"heat-2"}));
    v = evaluate(expect(expects::found_by_scan{}), t, sc);
    CHECK(v.held);
    CHECK(v.evidence.size() == 4);
}

TEST_CASE("found_by_scan does not take an E5 followed by other bytes") {
    const auto sc = plant({"heat-1"});
    const std::vector<record> t{request(0.1, select(0x1234567F)),
                                reply(0.15, {0xE5, 0x10}, link::request_kind::select, {"heat-1"})};
    CHECK_FALSE(evaluate(expect(expects::found_by_scan{}), t, sc).held);
}

TEST_CASE("no_malformed fails on junk") {
    const auto sc = plant({"heat-1"});
    std::vector<record> t{request(0.1, short_frame(req_fcb1, 1))};
    CHECK(evaluate(expect(expects::no_malformed{}), t, sc).held);
    t.push_back(from_wire(record_kind::junk, 0.2, {0x10, 0x5B, 0x01, 0x00, 0x16})); // bad checksum
    const auto v = evaluate(expect(expects::no_malformed{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "1 stretch of junk (5 bytes) beside 1 request");
    CHECK(v.evidence.size() == 1);
}

TEST_CASE("within takes the master's exit when known") {
    const auto sc = plant({"heat-1"});
    auto e = expect(expects::within{});
    std::get<expects::within>(e.that).seconds = 2;
    const std::vector<record> t{request(1.5, short_frame(req_fcb1, 1))};
    CHECK(evaluate(e, t, sc).held);
    const auto v = evaluate(e, t, sc, {.session_end = 3.25, .max_evidence = 8});
    CHECK_FALSE(v.held);
    CHECK(v.reason == "the master exited after 3.250 s (beyond the limit of 2 s)");
    std::get<expects::within>(e.that).seconds = 1;
    CHECK_FALSE(evaluate(e, t, sc).held);
}

TEST_CASE("requests counts requests of a kind to an address") {
    const auto sc = plant({"heat-1"});
    auto e = expect(expects::request_count{});
    std::get<expects::request_count>(e.that).request = link::request_kind::req_ud2;
    std::get<expects::request_count>(e.that).at_most = 2;
    std::vector<record> t{request(0.1, short_frame(req_fcb1, 1)), request(0.2, short_frame(req_fcb0, 1)),
                          request(0.3, short_frame(link::c_field::snd_nke, 1))};
    CHECK(evaluate(e, t, sc).held);
    t.push_back(request(0.4, short_frame(req_fcb1, 1)));
    auto v = evaluate(e, t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "3 requests matched (too many)");
    REQUIRE(v.evidence.size() == 1); // the one past the limit
    CHECK(v.evidence[0].t == 0.4);

    std::get<expects::request_count>(e.that).at_most.reset();
    std::get<expects::request_count>(e.that).at_least = 1;
    std::get<expects::request_count>(e.that).addresses = {2};
    v = evaluate(e, t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "0 requests matched (too few)");
    CHECK(describe(e) == "at least 1 REQ_UD2 requests to 2");
}

TEST_CASE("evidence is capped and the rest counted") {
    const auto sc = plant({"heat-1"});
    auto e = expect(expects::nothing_sent_to{});
    std::get<expects::nothing_sent_to>(e.that).addresses = {1};
    std::vector<record> t;
    for (int i = 0; i < 12; ++i)
        t.push_back(request(0.1 * i, short_frame(req_fcb1, 1)));
    const auto v = evaluate(e, t, sc, {.session_end = {}, .max_evidence = 5});
    CHECK(v.evidence.size() == 5);
    CHECK(v.evidence_left_out == 7);
}

TEST_CASE("the report names each expectation and the JSON carries the same") {
    auto sc = plant({"heat-1"});
    auto read = expect(expects::read{});
    read.where = "ci.toml:3:1";
    auto ff = expect(expects::nothing_sent_to{});
    std::get<expects::nothing_sent_to>(ff.that).addresses = {0xFF};
    ff.label = "no broadcast";
    const std::vector<record> t{request(0.1, short_frame(link::c_field::snd_nke, 0xFF))};
    CHECK(master_sent_anything(t));
    CHECK_FALSE(master_sent_anything({}));
    const auto verdicts = evaluate_all(t, {read, ff}, sc);
    REQUIRE(verdicts.size() == 2);
    std::ostringstream os;
    print_report(os, verdicts);
    const auto text = os.str();
    CHECK(text.find("FAIL  every meter was read (ci.toml:3:1)\n      1 of 1 meter not read: heat-1 never "
                    "answered a REQ_UD2\n") == 0);
    CHECK(text.find("FAIL  no broadcast: no request was sent to 255 (FF)\n") != std::string::npos);
    CHECK(text.find("      0.100 s  request  10 40 FF 3F 16  ") != std::string::npos);
    CHECK(text.find("0 of 2 expectations held, 2 failed\n") != std::string::npos);

    const auto j = nlohmann::json::parse(to_json(verdicts));
    REQUIRE(j.size() == 2);
    CHECK(j[0]["expect"] == "read");
    CHECK(j[0]["held"] == false);
    CHECK(j[1]["label"] == "no broadcast");
    CHECK(j[1]["evidence"][0]["hex"] == "1040FF3F16");
    CHECK(j[1]["evidence"][0]["kind"] == "request");
}

TEST_CASE("expect kinds round-trip through their names") {
    for (const auto& k : every_alternative<expect_that>())
        CHECK(parse_expect_kind(name(k)) == k);
    CHECK(expect_kind_names.size() == 10);
    CHECK(expect_kind_names[6] == "requests");
    CHECK(expect_kind_names[7] == "fresh_fcb");
    CHECK(expect_kind_names[8] == "whole_field_wildcards");
    CHECK(expect_kind_names[9] == "select_without_fd_answer");
    CHECK_FALSE(parse_expect_kind("READ"));
}

TEST_CASE("fresh_fcb fails when a session's first REQ_UD2 got the meter's last telegram again") {
    const auto sc = plant({"heat-1"});
    auto repeated = reply(1.15, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"});
    repeated.repeated = true;
    // Session 1 reads with FCB=1; session 2 starts with FCB=1 again and no SND_NKE.
    const std::vector<record> t{
        in_session(request(0.1, short_frame(req_fcb1, 1)), 1),
        in_session(reply(0.15, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"}), 1),
        in_session(request(1.1, short_frame(req_fcb1, 1)), 2), in_session(repeated, 2)};
    const auto v = evaluate(expect(expects::fresh_fcb{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "at 1.100 s the REQ_UD2 to 1 had FCB=1: the master's first REQ_UD2 had the FCB of "
                      "the previous session's last request; the meter repeated its last telegram; send "
                      "SND_NKE first or toggle");
    REQUIRE(v.evidence.size() == 4); // the read that got the telegram, and the one that got it again
    CHECK(v.evidence[2].raw == short_frame(req_fcb1, 1));
    CHECK(v.evidence[3].repeated);
}

TEST_CASE("fresh_fcb holds for a master that sends SND_NKE first or repeats after a lost answer") {
    const auto sc = plant({"heat-1"});
    auto repeated = reply(1.55, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"});
    repeated.repeated = true;
    const std::vector<record> t{
        in_session(request(0.1, short_frame(req_fcb1, 1)), 1),
        in_session(reply(0.15, rsp_ud(1, false), link::request_kind::req_ud2, {"heat-1"}), 1),
        in_session(request(1.0, short_frame(0x40, 1)), 2),
        in_session(reply(1.05, ack, link::request_kind::snd_nke, {"heat-1"}), 2),
        in_session(request(1.1, short_frame(req_fcb1, 1)), 2),
        in_session(silent(1.4, link::request_kind::req_ud2), 2),
        // The same FCB again after no answer: the retry the standard asks for.
        in_session(request(1.5, short_frame(req_fcb1, 1)), 2), in_session(repeated, 2)};
    const auto v = evaluate(expect(expects::fresh_fcb{}), t, sc);
    CHECK(v.held);
    CHECK(v.reason == "no meter repeated a telegram the master had already received (3 REQ_UD2s)");
}

TEST_CASE("whole_field_wildcards names the nibble fields and the meters left together") {
    const auto sc = plant({"kam-1", "kam-2"});
    const std::vector<record> t{
        request(0.1, select(0x12345678)),
        reply(0.15, bytes{0x00}, link::request_kind::select, {"kam-1", "kam-2"}, true),
        // The master tries digits in the version: 0F, 1F, ... matches nothing at a standard meter.
        request(0.2, select_fields(0xFFFF, 0x0F, 0xFF)), silent(0.5, link::request_kind::select),
        request(0.6, select_fields(0x2CFF, 0xFF, 0xFF)), silent(0.9, link::request_kind::select)};
    const auto v = evaluate(expect(expects::whole_field_wildcards{}), t, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason == "2 of 3 selects had F nibbles in manufacturer and version that are not whole-field "
                      "wildcards (FFFF, FF, FF); the meters accept whole-field wildcards only there (EN "
                      "13757-3), so those selects matched no meter, and the master could not separate kam-1, "
                      "kam-2: they answered only together; use whole-field wildcards there, or set the meter "
                      "quirk wildcards = \"nibbles_everywhere\" if your meters take nibbles");
    REQUIRE(v.evidence.size() == 2);
    CHECK(v.evidence[0].raw == select_fields(0xFFFF, 0x0F, 0xFF));
    CHECK(v.evidence[1].kind == record_kind::silence);

    const std::vector<record> whole{request(0.1, select(0x12345678)),
                                    reply(0.15, ack, link::request_kind::select, {"kam-1"})};
    const auto ok = evaluate(expect(expects::whole_field_wildcards{}), whole, sc);
    CHECK(ok.held);
    CHECK(ok.reason == "none of 1 select left manufacturer, version or medium open by single F nibbles");
}

TEST_CASE("select_without_fd_answer fails a session that gave up after SND_NKE to FD") {
    const auto sc = plant({"heat-1"});
    const std::vector<record> gave_up{in_session(request(0.1, short_frame(0x40, 0xFD)), 3),
                                      in_session(silent(0.4, link::request_kind::snd_nke), 3)};
    const auto v = evaluate(expect(expects::select_without_fd_answer{}), gave_up, sc);
    CHECK_FALSE(v.held);
    CHECK(v.reason ==
          "session 3 at 0.400 s: the master sent SND_NKE to FD and waited for an answer before "
          "selecting (as pyMeterBus's read by secondary address does); no meter is selected then, "
          "so none answers (EN 13757-3), and the master never selected; select without waiting for "
          "that answer, or set the meter quirk fd_unselected = \"ack\" if your meters answer there");
    REQUIRE(v.evidence.size() == 2);
    CHECK(v.evidence[0].raw == short_frame(0x40, 0xFD));

    const std::vector<record> went_on{
        request(0.1, short_frame(0x40, 0xFD)), silent(0.4, link::request_kind::snd_nke),
        request(0.5, select(0x12345678)), reply(0.55, ack, link::request_kind::select, {"heat-1"})};
    const auto ok = evaluate(expect(expects::select_without_fd_answer{}), went_on, sc);
    CHECK(ok.held);
    CHECK(ok.reason == "1 unanswered SND_NKE to FD, and every session went on to select");
}
