// `mbus-sim run --http` and `mbus-sim ctl` end to end: the real simulator, HTTP and WebSocket over
// real sockets, the project's master reading over the real pty or TCP what the API changed.

#include "support.hpp"
#include "support/han_reader.hpp"

#include <mbus/master/readout.hpp>
#include <mbus/transport/deadline.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

using namespace mbus;
using namespace mbus::test;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;
using json = nlohmann::json;

namespace {

const std::string plant_toml = R"(
[bus]
name = "ctl"
timing = "immediate"

[[meter]]
name = "heat-1"
address = 5
id = "12345678"
manufacturer = "KAM"
medium = "heat"

[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = 100

[[meter]]
name = "heat-2"
address = 6
id = "12345679"
manufacturer = "KAM"
medium = "heat"

[[meter.record]]
quantity = "energy"
unit = "kWh"
type = "int32"
value = 200

[[event]]
after_requests = 1000000
meter = "heat-2"
action = "leave"
)";

struct reply {
    unsigned status{0};
    std::string body;
    std::string content_type;
    std::string csp;
    json j() const { return json::parse(body, nullptr, false); }
};

std::pair<std::string, std::string> split_host(const std::string& hp) {
    const auto c = hp.rfind(':');
    return {hp.substr(0, c), hp.substr(c + 1)};
}

reply call(const std::string& where, http::verb method, const std::string& target,
           const std::string& body = {}, const std::string& token = {}) {
    boost::asio::io_context io;
    beast::tcp_stream s(io);
    const auto [host, port] = split_host(where);
    s.expires_after(std::chrono::seconds(10));
    s.connect(tcp::resolver(io).resolve(host, port));
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, host);
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return {res.result_int(), res.body(), std::string(res[http::field::content_type]),
            std::string(res["Content-Security-Policy"])};
}

// Opens bus ctl's stream at `where`; with `receive_buffer` (bytes), the socket's receive buffer is set
// that small before it connects (a client that holds little).
void open_stream(websocket::stream<beast::tcp_stream>& ws, const std::string& where, int receive_buffer = 0) {
    const auto [host, port] = split_host(where);
    if (receive_buffer != 0) {
        ws.next_layer().socket().open(tcp::v4());
        ws.next_layer().socket().set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer));
    }
    ws.next_layer().connect(tcp::resolver(ws.get_executor()).resolve(host, port));
    ws.handshake(where, "/api/v1/buses/ctl/stream");
}

// A stream message: one record per line (docs/http-api.md); an unparsable line is a discarded value.
std::vector<json> json_lines(const std::string& message) {
    std::vector<json> out;
    std::size_t from = 0;
    while (from <= message.size()) {
        auto end = message.find('\n', from);
        if (end == std::string::npos) end = message.size();
        out.push_back(json::parse(message.substr(from, end - from), nullptr, false));
        from = end + 1;
    }
    return out;
}

// The value at a JSON pointer ("/records/0/value") of a reply: json's operator[] with a string literal
// cannot be used inside a coroutine with GCC 12 ("array used as initializer").
json field(const reply& r, const std::string& pointer) { return r.j().at(json::json_pointer(pointer)); }

// Raw bytes in, whatever comes back until the server closes (or 5 s pass).
std::string raw_exchange(const std::string& where, const std::string& bytes_out, bool close_after = false) {
    boost::asio::io_context io;
    tcp::socket s(io);
    const auto [host, port] = split_host(where);
    boost::asio::connect(s, tcp::resolver(io).resolve(host, port));
    boost::system::error_code wec; // the server may refuse before it has read everything
    boost::asio::write(s, boost::asio::buffer(bytes_out), wec);
    if (close_after) return {};
    s.shutdown(tcp::socket::shutdown_send, wec);
    std::string in;
    boost::system::error_code ec;
    char buf[4096];
    ::timeval tv{5, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    for (;;) {
        const auto n = s.read_some(boost::asio::buffer(buf), ec);
        if (ec || n == 0) break;
        in.append(buf, n);
    }
    return in;
}

std::string http_of(const running_sim& sim) {
    const auto h = sim.ready.get("http");
    REQUIRE_FALSE(h.empty());
    return h;
}

// The first record's data as the master read it, or empty.
bytes first_record_data(const result<master::telegram>& t) {
    if (!t || t->variable() == nullptr || t->variable()->records.empty()) return {};
    return t->variable()->records.front().data;
}

std::string run_ctl(const std::vector<std::string>& args, int& code) {
    std::vector<std::string> all{"ctl"};
    all.insert(all.end(), args.begin(), args.end());
    sim_process p(all);
    REQUIRE(p.started());
    const auto rc = p.wait_exit(std::chrono::seconds(20));
    REQUIRE(rc);
    p.finish_output();
    code = *rc;
    return p.out() + p.err();
}

} // namespace

TEST_CASE("control API answers every GET endpoint and serves the web files") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim({"run", sc.path().string(), "--http", "0"});
    const auto h = http_of(sim);
    const std::string b = "/api/v1/buses/ctl";

    auto r = call(h, http::verb::get, "/api/v1/health");
    CHECK(r.status == 200);
    CHECK(r.j() == json{{"status", "ready"}, {"buses", 1}});
    r = call(h, http::verb::get, "/api/v1/buses");
    REQUIRE(r.status == 200);
    CHECK(r.j()[0]["name"] == "ctl");
    CHECK(r.j()[0]["meters"] == 2);
    CHECK(r.j()[0]["lines"][0] == sim.ready.pty());
    r = call(h, http::verb::get, b + "/meters");
    REQUIRE(r.status == 200);
    REQUIRE(r.j().size() == 2);
    const auto m = r.j()[0];
    CHECK(m["name"] == "heat-1");
    CHECK(m["primary"] == 5);
    CHECK(m["id"] == "12345678");
    CHECK(m["manufacturer"] == "KAM");
    CHECK(m["secondary"] == "123456782D2C0004");
    CHECK(m["present"] == true);
    CHECK(m["records"][0]["name"] == "energy");
    CHECK(m["records"][0]["unit"] == "kWh");
    CHECK(m["records"][0]["value"] == 100.0);
    CHECK(call(h, http::verb::get, b + "/meters/heat-2").j()["records"][0]["value"] == 200.0);
    CHECK(call(h, http::verb::get, b + "/faults").j() == json::array());
    const auto kinds = call(h, http::verb::get, "/api/v1/fault-kinds").j();
    REQUIRE(kinds.is_array());
    CHECK(kinds.size() == 36); // 21 M-Bus kinds, 9 HAN ones, 6 wireless ones
    CHECK(kinds[1]["kind"] == "late");
    CHECK(kinds[1]["meters"] == "mbus");
    CHECK(kinds[21]["kind"] == "han_bad_hcs");
    CHECK(kinds[21]["meters"] == "han");
    CHECK(kinds[30]["kind"] == "wm_crc");
    CHECK(kinds[30]["meters"] == "wmbus");
    CHECK(kinds[1]["parameters"][0]["name"] == "delay_ms");
    const auto events = call(h, http::verb::get, b + "/events").j();
    REQUIRE(events.size() == 1);
    CHECK(events[0]["action"] == "leave");
    CHECK(call(h, http::verb::get, b + "/counters").j()["kinds"]["REQ_UD2"] == 0);
    r = call(h, http::verb::get, b + "/transcript?since=0");
    CHECK(r.status == 200);
    CHECK(r.content_type == "application/x-ndjson");

    // Every file of web/ as it is in the source tree, with its type and the page's policy.
    std::size_t files = 0;
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(std::filesystem::path(MBUS_SOURCE_DIR) / "web")) {
        if (!e.is_regular_file()) continue;
        ++files;
        std::ifstream in(e.path(), std::ios::binary);
        const std::string want{std::istreambuf_iterator<char>(in), {}};
        const auto rel = std::filesystem::relative(e.path(), std::filesystem::path(MBUS_SOURCE_DIR) / "web");
        r = call(h, http::verb::get, "/" + rel.generic_string());
        CHECK_MESSAGE(r.status == 200, rel);
        CHECK(r.body == want);
        CHECK(r.csp == "default-src 'self'");
        if (rel.extension() == ".txt") CHECK(r.content_type.starts_with("text/plain"));
        if (rel.extension() == ".html") CHECK(r.content_type.starts_with("text/html"));
        if (rel.extension() == ".js") CHECK(r.content_type.starts_with("text/javascript"));
    }
    CHECK(files > 0);
    stop_sim(sim);
}

TEST_CASE("control API errors name the field and the reason with their status") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim({"run", sc.path().string(), "--http", "127.0.0.1:0"});
    const auto h = http_of(sim);
    const std::string b = "/api/v1/buses/ctl";
    const auto error = [](const reply& r) { return r.j()["error"]; };

    auto r = call(h, http::verb::get, "/api/v1/buses/ctx/meters");
    CHECK(r.status == 404);
    CHECK(error(r)["field"] == "bus");
    CHECK(error(r)["reason"] == "no bus named 'ctx' (did you mean 'ctl'?)");
    r = call(h, http::verb::get, b + "/meters/heat-9");
    CHECK(r.status == 404);
    CHECK(error(r)["reason"] == "no meter named 'heat-9' (did you mean 'heat-1'?)");
    CHECK(call(h, http::verb::put, b + "/meters/heat-1/records/7", R"({"value":1})").status == 404);
    CHECK(call(h, http::verb::patch, b + "/faults/nope", R"({"active":true})").status == 404);
    CHECK(call(h, http::verb::post, b + "/events/3/fire").status == 404);
    CHECK(call(h, http::verb::get, "/api/v1/nothing").status == 404);
    CHECK(call(h, http::verb::get, "/nothing.js").status == 404);
    r = call(h, http::verb::delete_, b + "/meters");
    CHECK(r.status == 405);
    CHECK(error(r)["field"] == "method");
    r = call(h, http::verb::post, b + "/faults", "{bad");
    CHECK(r.status == 400);
    CHECK(error(r)["reason"] == "malformed JSON");
    r = call(h, http::verb::post, b + "/faults", R"({"kind":"no_answr"})");
    CHECK(r.status == 400);
    CHECK(error(r)["field"] == "kind");
    CHECK(error(r)["reason"] == "unknown fault kind \"no_answr\"; did you mean \"no_answer\"?");
    r = call(h, http::verb::put, b + "/meters/heat-1/records/energy", R"({"value":1e12})");
    CHECK(r.status == 400);
    CHECK(error(r)["field"] == "value");
    r = call(h, http::verb::patch, b + "/meters/heat-1", R"({"primary":251})");
    CHECK(r.status == 400);
    CHECK(error(r)["field"] == "primary");
    r = call(
        h, http::verb::post, b + "/meters",
        R"({"name":"x","address":9,"id":"12345690","manufacturer":"KAM","medium":"heat","record":[{"quantity":"enrgy","type":"int32","value":1}]})");
    CHECK(r.status == 400);
    CHECK(error(r)["field"].get<std::string>().starts_with("record[0]"));
    CHECK(call(h, http::verb::post, b + "/faults", R"({"name":"f","kind":"echo"})").status == 201);
    r = call(h, http::verb::post, b + "/faults", R"({"name":"f","kind":"echo"})");
    CHECK(r.status == 409);
    CHECK(error(r)["field"] == "name");
    CHECK(
        call(
            h, http::verb::post, b + "/meters",
            R"({"name":"heat-2","address":9,"id":"12345690","manufacturer":"KAM","medium":"heat","record":[{"quantity":"energy","unit":"kWh","type":"int32","value":1}]})")
            .status == 409);
    r = call(h, http::verb::post, b + "/faults", std::string(70 * 1024, ' '));
    CHECK(r.status == 413);
    // The bus still serves.
    CHECK(call(h, http::verb::get, "/api/v1/health").status == 200);
    stop_sim(sim);
}

TEST_CASE("control API changes are what the master reads over the pty") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim({"run", sc.path().string(), "--http", "0"});
    const auto h = http_of(sim);
    const std::string b = "/api/v1/buses/ctl";
    const std::string body1 = R"({"value":1500})";
    const std::string body2 = R"({"primary":42,"status":4})";
    const std::string body3 = R"({"present":false})";
    const std::string body4 = R"({"present":true})";
    const std::string body5 =
        R"({"name":"heat-3","address":7,"id":"12345680","manufacturer":"KAM","medium":"heat","record":[{"quantity":"energy","unit":"kWh","type":"int32","value":7}]})";
    const std::string lit1 = "/meters/heat-1/records/energy";
    const std::string lit2 = "/records/0/value";
    const std::string lit3 = "/meters/heat-1";
    const std::string lit4 = "/meters/heat-2/presence";
    const std::string lit5 = "/present";
    const std::string lit6 = "/meters/heat-2/presence";
    const std::string lit7 = "/meters";
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready, 2400);
        master::bus_master m(*io, sim_options());
        {
            const auto got = first_record_data(co_await m.request_ud2(5));
            CHECK(got == bytes{0x64, 0x00, 0x00, 0x00});
        } // 100 kWh

        auto r = call(h, http::verb::put, b + lit1, body1);
        CHECK(r.status == 200);
        CHECK(field(r, lit2) == 1500.0);
        {
            const auto got = first_record_data(co_await m.request_ud2(5));
            CHECK(got == bytes{0xDC, 0x05, 0x00, 0x00});
        } // 1500 kWh

        // A new primary address: the meter answers there and no longer at 5.
        CHECK(call(h, http::verb::patch, b + lit3, body2).status == 200);
        auto t = co_await m.request_ud2(42);
        REQUIRE(t);
        REQUIRE(t->variable() != nullptr);
        CHECK(t->variable()->header.status == 4);
        CHECK_FALSE(co_await m.request_ud2(5));

        // Off the bus and back.
        CHECK(field(call(h, http::verb::post, b + lit4, body3), lit5) == false);
        CHECK_FALSE(co_await m.request_ud2(6));
        CHECK(call(h, http::verb::post, b + lit6, body4).status == 200);
        CHECK(co_await m.request_ud2(6));

        // A meter added over HTTP answers.
        r = call(h, http::verb::post, b + lit7, body5);
        CHECK(r.status == 201);
        {
            const auto got = first_record_data(co_await m.request_ud2(7));
            CHECK(got == bytes{0x07, 0x00, 0x00, 0x00});
        }
    });
    // Each change is an event in the transcript.
    const auto lines = call(h, http::verb::get, b + "/transcript").body;
    CHECK(lines.find("now follows constant 1500") != std::string::npos);
    CHECK(lines.find("primary address 42") != std::string::npos);
    CHECK(lines.find("meter heat-3 added") != std::string::npos);
    stop_sim(sim);
}

TEST_CASE("a fault switched on and off over HTTP mid-run is what the master sees") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim({"run", sc.path().string(), "--http", "0"});
    const auto h = http_of(sim);
    const std::string b = "/api/v1/buses/ctl";
    const std::string body6 = R"({"name":"mute","meter":"heat-1","kind":"no_answer"})";
    const std::string body7 = R"({"active":false})";
    const std::string body8 = R"({"active":true})";
    const std::string lit8 = "/faults";
    const std::string lit9 = "/active";
    const std::string lit10 = "/faults/mute";
    const std::string lit11 = "/active";
    const std::string lit12 = "/faults/mute";
    const std::string lit13 = "/faults/mute";
    const std::string lit14 = "/faults";
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready, 2400);
        master::bus_master m(*io, sim_options());
        CHECK(co_await m.request_ud2(5));
        auto r = call(h, http::verb::post, b + lit8, body6);
        REQUIRE(r.status == 201);
        CHECK(field(r, lit9) == true);
        CHECK_FALSE(co_await m.request_ud2(5));
        CHECK(co_await m.request_ud2(6)); // only heat-1
        CHECK(field(call(h, http::verb::patch, b + lit10, body7), lit11) == false);
        CHECK(co_await m.request_ud2(5));
        CHECK(call(h, http::verb::patch, b + lit12, body8).status == 200);
        CHECK_FALSE(co_await m.request_ud2(5));
        CHECK(call(h, http::verb::delete_, b + lit13).status == 204);
        CHECK(co_await m.request_ud2(5));
        CHECK(call(h, http::verb::get, b + lit14).j() == json::array());
    });
    CHECK(call(h, http::verb::get, b + "/counters").j()["injected"].get<int>() >= 2);
    stop_sim(sim);
}

TEST_CASE("HAN faults start on the timeline and are added, switched and removed over HTTP mid-run") {
    // A Kaifa pushing every 2 s; its bad FCS fault starts at 3 s from the timeline.
    temp_scenario sc("han-ctl", R"(
[bus]
name = "ctl"

[[han_meter]]
name = "kaifa"
make = "Kaifa"
power = 1500

[[fault]]
name = "cut"
meter = "kaifa"
kind = "han_bad_fcs"
active = false

[[event]]
at = "3s"
action = "start_fault"
fault = "cut"
)");
    auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0", "--http", "0"});
    const auto h = http_of(sim);
    const std::string faults = "/api/v1/buses/ctl/faults";
    const std::string missing = R"({"name":"gone","meter":"kaifa","kind":"han_missing"})";
    const std::string wired = R"({"name":"mute","kind":"no_answer"})";
    const std::string off = R"({"active":false})";
    json listed;
    run_system_test([&]() -> asio::awaitable<void> {
        auto line = co_await open_tcp(sim.ready);
        // Before 3 s: the meter's lists, whole.
        const auto before = read_han(co_await listen(*line, 2500ms));
        CHECK(before.lists.size() >= 1);
        CHECK(before.bad.empty());
        co_await transport::sleep_for(700ms);
        // After it: every push with a bad FCS (but one, written before 3 s and read only now).
        const auto during = read_han(co_await listen(*line, 2500ms));
        CHECK(during.lists.size() <= 1);
        CHECK(during.bad.size() >= 1);
        for (const auto& e : during.bad)
            CHECK(e == han::errc::bad_fcs);
        // A missing-push fault added over HTTP: nothing more is pushed.
        auto r = call(h, http::verb::post, faults, missing);
        CHECK_MESSAGE(r.status == 201, r.body);
        const auto silent = co_await listen(*line, 3000ms);
        CHECK(silent.size() < 50); // at most the rest of a push under way when it came
        CHECK(read_han(silent).lists.empty());
        // An M-Bus kind is refused on a HAN port, with the kinds it takes.
        r = call(h, http::verb::post, faults, wired);
        CHECK(r.status == 400);
        CHECK_MESSAGE(r.body.find("han_") != std::string::npos, r.body);
        listed = call(h, http::verb::get, faults).j();
        // Both removed or switched off: whole lists again.
        CHECK(call(h, http::verb::delete_, faults + "/gone").status == 204);
        r = call(h, http::verb::patch, faults + "/cut", off);
        CHECK_MESSAGE(r.status == 200, r.body);
        CHECK(r.j().value("active", true) == false);
        const auto after = read_han(co_await listen(*line, 3000ms));
        CHECK(after.lists.size() >= 1);
        CHECK(after.bad.empty());
    });
    stop_sim(sim);
    sim.process->finish_output();
    REQUIRE(listed.is_array());
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].value("name", "") == "cut");
    CHECK(listed[0].value("kind", "") == "han_bad_fcs");
    CHECK(listed[0].value("active", false) == true);
    CHECK(listed[1].value("name", "") == "gone");
    CHECK(listed[1].value("kind", "") == "han_missing");
    const auto err = sim.process->err();
    CHECK_MESSAGE(err.find("fault 'cut' on") != std::string::npos, err);
    CHECK_MESSAGE(err.find("fault added: 'gone' (han_missing, meter kaifa)") != std::string::npos, err);
    CHECK_MESSAGE(err.find("fault 'gone' removed") != std::string::npos, err);
    CHECK_MESSAGE(err.find("fault 'cut' off") != std::string::npos, err);
}

TEST_CASE("the stream delivers the records of a master's reads in order") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0", "--http", "0"});
    const auto h = http_of(sim);
    boost::asio::io_context wio;
    websocket::stream<beast::tcp_stream> ws(wio);
    open_stream(ws, h);
    constexpr int reads = 20;
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_tcp(sim.ready);
        master::bus_master m(*io, sim_options());
        for (int i = 0; i < reads; ++i)
            CHECK(co_await m.request_ud2(static_cast<byte>(5 + i % 2)));
    });
    std::vector<json> got;
    beast::flat_buffer buf;
    ws.next_layer().expires_after(std::chrono::seconds(10));
    while (std::count_if(got.begin(), got.end(), [](const json& j) { return j["kind"] == "reply"; }) <
           reads) {
        ws.read(buf);
        for (auto& j : json_lines(beast::buffers_to_string(buf.data())))
            got.push_back(std::move(j));
        buf.clear();
    }
    std::uint64_t expect = got.front()["seq"].get<std::uint64_t>();
    int requests = 0;
    for (const auto& j : got) {
        REQUIRE_FALSE(j.is_discarded()); // every line of every message is a record
        CHECK(j["seq"] == expect++);     // no gap, no reordering
        if (j["kind"] == "request") {
            CHECK(j["request"] == "REQ_UD2");
            ++requests;
        }
        if (j["kind"] == "reply") CHECK(j["answered_by"][0] == ((requests % 2) == 1 ? "heat-1" : "heat-2"));
    }
    CHECK(requests == reads);
    stop_sim(sim);
}

TEST_CASE("a stream client that never reads does not hold the bus and is told what it lost") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim(
        {"run", sc.path().string(), "--tcp", "127.0.0.1:0", "--http", "0", "--http-stream-queue", "8"});
    const auto h = http_of(sim);
    boost::asio::io_context wio;
    websocket::stream<beast::tcp_stream> ws(wio);
    open_stream(ws, h, 2048);
    // Far more than the socket buffers and the queue hold: every read still gets its answer.
    constexpr int reads = 1500;
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_tcp(sim.ready);
        master::bus_master m(*io, sim_options());
        int answered = 0;
        for (int i = 0; i < reads; ++i)
            if (co_await m.request_ud2(5)) ++answered;
        CHECK(answered == reads);
    });
    // Now it reads: somewhere in what it gets is the count of what it lost.
    std::uint64_t dropped = 0;
    std::uint64_t received = 0;
    beast::flat_buffer buf;
    // Synchronous reads ignore the stream's expiry: the socket's own timeout ends a wait that is too long.
    ::timeval tv{10, 0};
    ::setsockopt(ws.next_layer().socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (dropped == 0) {
        boost::system::error_code ec;
        ws.read(buf, ec);
        if (ec) {
            FAIL_CHECK("the stream ended without a dropped message: ", ec.message(), ", ", received,
                       " records");
            break;
        }
        for (const auto& j : json_lines(beast::buffers_to_string(buf.data()))) {
            if (j["kind"] == "dropped")
                dropped = j["count"].get<std::uint64_t>();
            else
                ++received;
        }
        buf.clear();
    }
    CHECK(dropped > 0);
    CHECK(received + dropped <= 2 * reads + 16);
    stop_sim(sim);
}

TEST_CASE("hostile HTTP clients do not stop the bus") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim({"run", sc.path().string(), "--http", "0"});
    const auto h = http_of(sim);
    CHECK(raw_exchange(h, std::string("\x16\x03\x01garbage\r\n\r\n\0\xff", 17)).find("400") !=
          std::string::npos);
    raw_exchange(h, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Half:", true);
    CHECK(raw_exchange(h, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n")
              .starts_with("HTTP/1.1 431"));
    CHECK(raw_exchange(
              h, "POST /api/v1/buses/ctl/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n{")
              .starts_with("HTTP/1.1 413"));
    CHECK(
        raw_exchange(h, "POST /api/v1/buses/ctl/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n[1,2]")
            .find("expected a JSON object") != std::string::npos);
    CHECK(call(h, http::verb::put, "/api/v1/buses/ctl/meters/heat-1/records/0",
               R"({"generator":{"counter":{"start":1,"rate":1e308}}})")
              .status < 500);
    run_system_test([&]() -> asio::awaitable<void> {
        auto io = co_await open_pty(sim.ready, 2400);
        master::bus_master m(*io, sim_options());
        CHECK(co_await m.request_ud2(5));
    });
    CHECK(call(h, http::verb::get, "/api/v1/health").status == 200);
    stop_sim(sim);
}

TEST_CASE("a non-loopback address needs a token and the server says it is exposed") {
    temp_scenario sc("ctl", plant_toml);
    {
        sim_process p({"run", sc.path().string(), "--http", "0.0.0.0:0"});
        REQUIRE(p.started());
        const auto rc = p.wait_exit(std::chrono::seconds(20));
        p.finish_output();
        CHECK(rc == 2);
        CHECK(p.err().find("--http-token") != std::string::npos);
    }
    auto sim = start_sim({"run", sc.path().string(), "--http", "0.0.0.0:0", "--http-token", "s3cret"});
    const auto port = split_host(http_of(sim)).second;
    const auto h = "127.0.0.1:" + port;
    CHECK(call(h, http::verb::get, "/api/v1/health").status == 401);
    CHECK(call(h, http::verb::get, "/api/v1/health", {}, "wrong").status == 401);
    CHECK(call(h, http::verb::get, "/api/v1/health", {}, "s3cret").status == 200);
    stop_sim(sim);
    CHECK(sim.process->err().find("exposed") != std::string::npos);
}

TEST_CASE("mbus-sim ctl changes the running bus and exits with the documented codes") {
    temp_scenario sc("ctl", plant_toml);
    auto sim = start_sim({"run", sc.path().string(), "--http", "0"});
    const auto h = http_of(sim);
    int code = -1;
    auto out = run_ctl({"--http", h, "set", "heat-1", "energy", "1500"}, code);
    CHECK(code == 0);
    CHECK(call(h, http::verb::get, "/api/v1/buses/ctl/meters/heat-1").j()["records"][0]["value"] == 1500.0);
    out = run_ctl({"--http", h, "--json", "meter", "heat-1"}, code);
    CHECK(code == 0);
    CHECK(json::parse(out)["records"][0]["value"] == 1500.0);
    out = run_ctl({"--http", h, "fault", "add", "--meter", "heat-2", "late", "delay_ms=500"}, code);
    CHECK(code == 0);
    const auto faults = call(h, http::verb::get, "/api/v1/buses/ctl/faults").j();
    REQUIRE(faults.size() == 1);
    CHECK(faults[0]["kind"] == "late");
    CHECK(faults[0]["meter"] == "heat-2");
    out = run_ctl({"--http", h, "fault", "off", faults[0]["name"].get<std::string>()}, code);
    CHECK(code == 0);
    CHECK(call(h, http::verb::get, "/api/v1/buses/ctl/faults").j()[0]["active"] == false);
    out = run_ctl({"--http", h, "set", "heat-9", "energy", "1"}, code);
    CHECK(code == 1);
    CHECK(out.find("no meter named 'heat-9'") != std::string::npos);
    out = run_ctl({"--http", h, "frobnicate"}, code);
    CHECK(code == 2);
    stop_sim(sim);
    out = run_ctl({"--http", h, "meters"}, code);
    CHECK(code == 3);
}
