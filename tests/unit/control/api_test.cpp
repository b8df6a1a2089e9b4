// control/api.hpp: routes without sockets, for good and bad requests, on the built-in demo bus.

#include <mbus/control/api.hpp>
#include <mbus/scenario/demo.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mbus;
using nlohmann::json;

namespace {

struct fixture {
    boost::asio::io_context io;
    runtime::runner r{io.get_executor(), scenario::builtin_demo()};
    control::api a{{control::bus_info{&r, {"tcp:127.0.0.1:5000"}, "", nullptr, {}}}};
    json call(std::string_view method, std::string_view target, std::string_view body, unsigned status) {
        const auto reply = a.handle(method, target, body);
        CHECK_MESSAGE(reply.status == status, method, " ", target, ": ", reply.body);
        return reply.body.empty() ? json() : json::parse(reply.body);
    }
    ~fixture() { a.detach(); }
};

} // namespace

TEST_CASE("api: health, buses, a meter") {
    fixture f;
    CHECK(f.call("GET", "/api/v1/health", "", 200) == json{{"status", "ready"}, {"buses", 1}});
    const auto buses = f.call("GET", "/api/v1/buses", "", 200);
    REQUIRE(buses.size() == 1);
    CHECK(buses[0]["name"] == "demo");
    CHECK(buses[0]["lines"] == json{"tcp:127.0.0.1:5000"});
    CHECK(f.call("GET", "/api/v1/buses/demo/meters/demo", "", 200)["primary"] == 3);
    CHECK(f.a.handle("GET", "/", "").content_type == "text/html; charset=utf-8");
}

TEST_CASE("api: a value set is the meter's value") {
    fixture f;
    const auto m = f.call("PUT", "/api/v1/buses/demo/meters/demo/records/volume", R"({"value":99.5})", 200);
    CHECK(m["records"][0]["value"].get<double>() == doctest::Approx(99.5));
    CHECK(m["records"][0]["generator"].is_null()); // a constant now
}

TEST_CASE("api: errors name the field and say why") {
    fixture f;
    auto e = f.call("GET", "/api/v1/buses/demo/meters/dmeo", "", 404)["error"];
    CHECK(e["field"] == "meter");
    CHECK(e["reason"] == "no meter named 'dmeo' (did you mean 'demo'?)");
    e = f.call("GET", "/api/v1/buses/nope/meters", "", 404)["error"];
    CHECK(e["field"] == "bus");
    e = f.call("PUT", "/api/v1/buses/demo/meters/demo/records/volume", "{not json", 400)["error"];
    CHECK(e["status"] == 400);
    e = f.call("POST", "/api/v1/buses/demo/faults", R"({"kind":"no_anwser"})", 400)["error"];
    CHECK(e["field"] == "kind");
    CHECK(e["reason"].get<std::string>().find(
              "unknown fault kind \"no_anwser\"; did you mean \"no_answer\"?") != std::string::npos);
    f.call("DELETE", "/api/v1/health", "", 405);
    f.call("GET", "/api/v2/health", "", 404);
}

TEST_CASE("api: faults with their kind's keys as JSON, switched off and removed") {
    fixture f;
    const auto added = f.call("POST", "/api/v1/buses/demo/faults",
                              R"({"kind":"late","meter":"demo","delay_ms":[100,200],"name":"slow"})", 201);
    CHECK(added["name"] == "slow");
    CHECK(added["kind"] == "late");
    CHECK(added["active"] == true);
    f.call("POST", "/api/v1/buses/demo/faults", R"({"kind":"late","name":"slow","delay_ms":5})", 409);
    // A key of another kind, refused in the scenario checker's words.
    const auto e =
        f.call("POST", "/api/v1/buses/demo/faults", R"({"kind":"late","delay_ms":5,"keep":3})", 400);
    CHECK(e["error"]["reason"].get<std::string>().find("does not belong to kind \"late\"") !=
          std::string::npos);
    CHECK(f.call("PATCH", "/api/v1/buses/demo/faults/slow", R"({"active":false})", 200)["active"] == false);
    f.call("DELETE", "/api/v1/buses/demo/faults/slow", "", 204);
    CHECK(f.call("GET", "/api/v1/buses/demo/faults", "", 200) == json::array());
}

TEST_CASE("api: the transcript as JSON lines from seq") {
    fixture f;
    f.r.announce("one");
    f.r.announce("two");
    const auto reply = f.a.handle("GET", "/api/v1/buses/demo/transcript?since=1", "");
    CHECK(reply.status == 200);
    CHECK(reply.content_type == "application/x-ndjson");
    REQUIRE(reply.body.ends_with("\n"));
    const auto j = json::parse(reply.body.substr(0, reply.body.size() - 1));
    CHECK(j["seq"] == 1);
    CHECK(j["summary"] == "two");
    CHECK(f.call("GET", "/api/v1/buses/demo/transcript?since=x", "", 400)["error"]["field"] == "since");
}

TEST_CASE("api: the models a meter can be added from, next to the scenario") {
    boost::asio::io_context io;
    runtime::runner r{io.get_executor(), scenario::builtin_demo()};
    const std::string scenario_file = std::string(MBUS_SOURCE_DIR) + "/scenarios/heating-plant.toml";
    control::api a{{control::bus_info{&r, {}, scenario_file, nullptr, {}}}};
    const auto reply = a.handle("GET", "/api/v1/buses/demo/models", "");
    CHECK(reply.status == 200);
    CHECK(json::parse(reply.body) == json{{{"model", "models/kamstrup-multical-303.toml"}},
                                          {{"model", "models/sharky-775.toml"}},
                                          {{"model", "models/water-meter.toml"}}});
    // The page adds a meter from one of them: the path is what POST .../meters takes.
    const auto added =
        a.handle("POST", "/api/v1/buses/demo/meters",
                 R"({"name":"new-1","model":"models/sharky-775.toml","address":77,"id":"55555555"})");
    CHECK_MESSAGE(added.status == 201, added.body);
    CHECK(a.handle("POST", "/api/v1/buses/demo/models", "").status == 405);
    a.detach();
}
