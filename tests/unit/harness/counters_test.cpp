// Counters per request kind, built from transcript records.

#include <doctest/doctest.h>

#include <mbus/harness/counters.hpp>
#include <mbus/harness/jsonl.hpp>

#include <nlohmann/json.hpp>

#include <sstream>

using namespace mbus;
using namespace mbus::harness;
using link::request_kind;

namespace {

record of(record_kind kind, request_kind asked = request_kind::other) {
    record r;
    r.kind = kind;
    r.request = asked;
    return r;
}

// Two SND_NKE answered; three REQ_UD2: one answered by a repetition, one collision, one ignored
// because of an injected fault; one junk run of 3 bytes; an event.
counters sample() {
    counters c;
    for (int i = 0; i < 2; ++i) {
        c.add(of(record_kind::request, request_kind::snd_nke));
        c.add(of(record_kind::reply, request_kind::snd_nke));
    }
    c.add(of(record_kind::request, request_kind::req_ud2));
    auto repeated = of(record_kind::reply, request_kind::req_ud2);
    repeated.repeated = true;
    c.add(repeated);
    c.add(of(record_kind::request, request_kind::req_ud2));
    auto collided = of(record_kind::reply, request_kind::req_ud2);
    collided.collision = true;
    c.add(collided);
    c.add(of(record_kind::request, request_kind::req_ud2));
    auto dropped = of(record_kind::silence, request_kind::req_ud2);
    dropped.injected = {"meter a: no answer (fault 'drop')"};
    c.add(dropped);
    auto junk = of(record_kind::junk);
    junk.raw = {0xFF, 0x00, 0x12};
    c.add(junk);
    c.add(of(record_kind::event));
    return c;
}

} // namespace

TEST_CASE("counters count each record by the kind of request it belongs to") {
    const auto c = sample();
    CHECK(c[request_kind::snd_nke] == kind_counters{2, 2, 0, 0, 0});
    CHECK(c[request_kind::req_ud2] == kind_counters{3, 2, 1, 1, 1});
    CHECK(c[request_kind::select] == kind_counters{});
    CHECK(c[request_kind::other] == kind_counters{}); // junk and events are no requests
    CHECK(c.total() == kind_counters{5, 4, 1, 1, 1});
    CHECK(c.malformed == 1);
    CHECK(c.malformed_bytes == 3);
    CHECK(c.injected == 1);
}

TEST_CASE("counters as JSON hold every kind the total and the malformed and injected counts") {
    const auto j = to_json(sample());
    CHECK(j["by_kind"].size() == link::request_kind_count);
    CHECK(j["by_kind"]["SND_NKE"] ==
          nlohmann::json::parse(R"({"received":2,"answered":2,"repeated":0,"collided":0,"ignored":0})"));
    CHECK(j["by_kind"]["REQ_UD2"] ==
          nlohmann::json::parse(R"({"received":3,"answered":2,"repeated":1,"collided":1,"ignored":1})"));
    CHECK(j["by_kind"]["SELECT"]["received"] == 0);
    CHECK(j["total"]["received"] == 5);
    CHECK(j["total"]["answered"] == 4);
    CHECK(j["malformed"] == 1);
    CHECK(j["malformed_bytes"] == 3);
    CHECK(j["injected"] == 1);
    nlohmann::json adl = sample(); // the ADL form gives the same
    CHECK(adl == j);
}

TEST_CASE("counters print as a table for people") {
    std::ostringstream os;
    os << sample();
    const auto text = os.str();
    CHECK(text.find("kind      received  answered  repeated  collided   ignored\n") == 0);
    CHECK(text.find("REQ_UD2          3         2         1         1         1\n") != std::string::npos);
    CHECK(text.find("total            5         4         1         1         1\n") != std::string::npos);
    CHECK(text.find("malformed 1 (3 bytes), injected 1\n") != std::string::npos);
}
