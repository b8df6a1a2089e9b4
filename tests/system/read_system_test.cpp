// `mbus-sim read` as a user reads its output: values in the unit and scale the meter sends, the status
// byte in words, the repeats a dropped request cost, and libmbus's XML for scripts that parse it.

#include "support.hpp"

#include <mbus/link/frame.hpp>

#include <nlohmann/json.hpp>

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
