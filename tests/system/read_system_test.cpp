// `mbus-sim read` as a user reads its output: values in the unit and scale the meter sends, the status
// byte in words, the repeats a dropped request cost, and libmbus's XML for scripts that parse it.

#include "support.hpp"

#include <mbus/link/frame.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <thread>

using namespace mbus;
using namespace mbus::test;

namespace {

// Energy in kWh (VIF 06), volume in litres (VIF 13), status 14 (power low, temporary error); the
// meter drops every second REQ_UD2.
const std::string scenario_text = "[bus]\n"
                                  "name = \"read\"\n"
                                  "[[meter]]\n"
                                  "name = \"heat\"\n"
                                  "address = 5\n"
                                  "id = \"12345678\"\n"
                                  "manufacturer = \"KAM\"\n"
                                  "medium = \"heat\"\n"
                                  "status = 0x14\n"
                                  "[[meter.record]]\n"
                                  "quantity = \"energy\"\n"
                                  "unit = \"kWh\"\n"
                                  "type = \"bcd8\"\n"
                                  "value = 154\n"
                                  "[[meter.record]]\n"
                                  "quantity = \"volume\"\n"
                                  "unit = \"m3\"\n"
                                  "resolution = 0.001\n"
                                  "type = \"bcd8\"\n"
                                  "value = 39.49\n"
                                  "[[fault]]\n"
                                  "name = \"drop\"\n"
                                  "meter = \"heat\"\n"
                                  "kind = \"no_answer\"\n"
                                  "requests = [\"REQ_UD2\"]\n"
                                  "every = 2\n";

struct cli_output {
    int code{-1};
    std::string out;
    std::string err;
};

cli_output read_cli(std::vector<std::string> args) {
    args.insert(args.begin(), "read");
    sim_process p(std::move(args));
    REQUIRE_MESSAGE(p.started(), p.spawn_error());
    const auto code = p.wait_exit(std::chrono::seconds(60));
    REQUIRE_MESSAGE(code, "mbus-sim read did not exit\n", p.report());
    p.finish_output();
    return {*code, p.out(), p.err()};
}

} // namespace

TEST_CASE("mbus-sim read prints the meter's units, the status in words and the repeats it needed, in either "
          "argument order") {
    const temp_scenario sc("read", scenario_text);
    auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0", "-q"});
    const auto line = "tcp:" + sim.ready.tcp();

    const auto first = read_cli({"5", line}); // the first REQ_UD2 is answered
    CHECK_MESSAGE(first.code == 0, first.out, first.err);
    CHECK_MESSAGE(first.out.find("status 14 (power low, temporary error)") != std::string::npos, first.out);
    CHECK_MESSAGE(first.out.find("Energy = 154 kWh") != std::string::npos, first.out);
    CHECK_MESSAGE(first.out.find("Volume = 39.490 m3") != std::string::npos, first.out);
    CHECK(first.out.find("repeat") == std::string::npos);

    const auto second = read_cli({"5", line, "--timeout-ms", "300"}); // dropped, then answered
    CHECK_MESSAGE(second.code == 0, second.out, second.err);
    CHECK_MESSAGE(second.out.find("needed 1 repeat (the first after no answer)") != std::string::npos,
                  second.out);

    const auto json = read_cli({"5", line, "--json", "--timeout-ms", "300"}); // dropped, then answered
    CHECK_MESSAGE(json.code == 0, json.err);
    CHECK(nlohmann::json::parse(json.out)["repeats"] == 1);

    const auto xml = read_cli({"5", line, "--format", "xml", "--timeout-ms", "300"}); // dropped, repeated
    CHECK_MESSAGE(xml.code == 0, xml.err);
    CHECK(xml.out.rfind("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>", 0) == 0);
    CHECK(xml.out.find("<Id>12345678</Id>") != std::string::npos);
    CHECK(xml.out.find("<Status>14</Status>") != std::string::npos);
    CHECK(xml.out.find("<Unit>Energy (kWh)</Unit>") != std::string::npos);

    // libmbus's order: the line first, then the address.
    const auto swapped = read_cli({line, "5", "--timeout-ms", "300"});
    CHECK_MESSAGE(swapped.code == 0, swapped.out, swapped.err);
    CHECK(swapped.out.find("Energy = 154 kWh") != std::string::npos);
    stop_sim(sim);
}

TEST_CASE("mbus-sim read takes libmbus's -b and -d and is quiet with -q") {
    const temp_scenario sc("read-habits", scenario_text);
    auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0", "-q"});
    const auto line = "tcp:" + sim.ready.tcp();

    // The first REQ_UD2 is answered; -d dumps both frames as libmbus's tools do, on stderr.
    const auto dumped = read_cli({line, "5", "-b", "2400", "-d"});
    CHECK_MESSAGE(dumped.code == 0, dumped.out, dumped.err);
    CHECK_MESSAGE(dumped.err.find("] SEND (005): 10 7B 05 80 16\n") != std::string::npos, dumped.err);
    CHECK_MESSAGE(dumped.err.find("] RECV (") != std::string::npos, dumped.err);
    CHECK(dumped.err.front() == '[');
    CHECK(dumped.out.find("Energy = 154 kWh") != std::string::npos);

    // Dropped, then answered: -q keeps the values and leaves out the note about the repeat.
    const auto quiet = read_cli({"5", line, "-q", "--timeout-ms", "300"});
    CHECK_MESSAGE(quiet.code == 0, quiet.out, quiet.err);
    CHECK(quiet.out.find("Energy = 154 kWh") != std::string::npos);
    CHECK_MESSAGE(quiet.out.find("repeat") == std::string::npos, quiet.out);

    const auto both = read_cli({"5", line, "-q", "-v"});
    CHECK(both.code == 2);
    CHECK_MESSAGE(both.err.find("excludes") != std::string::npos, both.err);
    stop_sim(sim);
}

TEST_CASE("mbus-sim scan takes one code per --manufacturer, so LINE after it stays the line") {
    const temp_scenario sc("scan-habits", scenario_text);
    auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0", "-q"});
    const auto line = "tcp:" + sim.ready.tcp();
    auto scan = [](std::vector<std::string> args) {
        args.insert(args.begin(), "scan");
        sim_process p(std::move(args));
        REQUIRE_MESSAGE(p.started(), p.spawn_error());
        const auto code = p.wait_exit(std::chrono::seconds(120));
        REQUIRE_MESSAGE(code, "mbus-sim scan did not exit\n", p.report());
        p.finish_output();
        return cli_output{*code, p.out(), p.err()};
    };
    const auto r = scan({"--secondary", "--manufacturer", "SEN", line, "--manufacturer", "ABC,XYZ",
                         "--time-limit", "100", "--timeout-ms", "100", "--retries-on-silence", "0"});
    CHECK_MESSAGE(r.code == 0, r.out, r.err);
    CHECK_MESSAGE(r.out.find("found 123456782D2C0004") != std::string::npos, r.out); // as found, in text mode
    CHECK(r.out.find("id 12345678  KAM") != std::string::npos);

    const auto quiet = scan({"--secondary", line, "-q", "--timeout-ms", "100"});
    CHECK_MESSAGE(quiet.code == 0, quiet.out, quiet.err);
    CHECK_MESSAGE(quiet.out.find("found 123456782D2C0004") == std::string::npos, quiet.out);
    CHECK(quiet.out.find("id 12345678  KAM") != std::string::npos);

    const auto bad = scan({"--secondary", "--manufacturer", "kamx", line});
    CHECK(bad.code == 2);
    CHECK_MESSAGE(bad.err.find("--manufacturer wants three letters A-Z, not \"kamx\"") != std::string::npos,
                  bad.err);
    stop_sim(sim);
}

TEST_CASE("[bus] clock sets the meters' calendar: a date-time record read across a month end") {
    // The clock starts at 23:59:54 on 31 January; type F date-times have minutes.
    const temp_scenario sc("clock", "[bus]\n"
                                    "name = \"clock\"\n"
                                    "clock = 2030-01-31T23:59:54\n"
                                    "[[meter]]\n"
                                    "name = \"m\"\n"
                                    "address = 7\n"
                                    "id = \"00000007\"\n"
                                    "manufacturer = \"TST\"\n"
                                    "medium = \"electricity\"\n"
                                    "[[meter.record]]\n"
                                    "quantity = \"date_time\"\n"
                                    "type = \"int32\"\n"
                                    "value = \"now\"\n");
    auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0", "-q"});
    const auto line = "tcp:" + sim.ready.tcp();
    const auto started = std::chrono::steady_clock::now();
    const auto before = read_cli({"7", line});
    CHECK_MESSAGE(before.code == 0, before.out, before.err);
    if (std::chrono::steady_clock::now() - started < std::chrono::seconds(5))
        CHECK_MESSAGE(before.out.find("2030-01-31T23:59") != std::string::npos, before.out);
    std::this_thread::sleep_until(started + std::chrono::seconds(7));
    const auto after = read_cli({"7", line});
    CHECK_MESSAGE(after.code == 0, after.out, after.err);
    CHECK_MESSAGE(after.out.find("2030-02-01T00:00") != std::string::npos, after.out);
    stop_sim(sim);
}
