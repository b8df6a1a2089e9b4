// `mbus-sim test` end to end: the real binary runs a master command against a scenario and exits
// with the code a CI job reads, printing a report that names what failed and the frames that show it.

#include "run_to_files.hpp"
#include "support.hpp"
#include "support/corpus.hpp"

#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/master/exchange.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <tuple>

#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sstream>
#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::test;

namespace {

// One meter at address 3; `expects` follows.
std::string one_meter(const std::string& expects) {
    return "[bus]\n"
           "name = \"ci\"\n"
           "[[meter]]\n"
           "name = \"water\"\n"
           "address = 3\n"
           "id = \"12345678\"\n"
           "manufacturer = \"TST\"\n"
           "medium = \"water\"\n"
           "[[meter.record]]\n"
           "quantity = \"volume\"\n"
           "unit = \"m3\"\n"
           "type = \"bcd8\"\n"
           "value = 1\n" +
           expects;
}

// Runs mbus-sim with its stdout and stderr in files, so that every byte is there once it exited.
finished_run run_test_command(std::vector<std::string> args) {
    args.insert(args.begin(), sim_exe());
    return run_to_files(std::move(args), std::chrono::seconds(60));
}

// A shell master: `printf` with octal escapes (dash has no \x), written to the pty, then a pause so
// that the answer can come back before it exits.
std::vector<std::string> shell_master(const std::string& octal_bytes, const std::string& then = "sleep 0.5") {
    return {"sh", "-c", "printf '" + octal_bytes + "' > {pty}; " + then};
}

std::vector<std::string> with(std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.emplace_back("--");
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

const std::string req_ud2_to_3 = "\\020\\133\\003\\136\\026";  // 10 5B 03 5E 16: REQ_UD2 a=3
const std::string snd_nke_to_ff = "\\020\\100\\377\\077\\026"; // 10 40 FF 3F 16: SND_NKE a=255

} // namespace

TEST_CASE("mbus-sim test passes a master that meets every expectation") {
    const temp_scenario sc("test-pass", one_meter("[[expect]]\n"
                                                  "that = \"read\"\n"
                                                  "[[expect]]\n"
                                                  "that = \"requests\"\n"
                                                  "request = \"REQ_UD2\"\n"
                                                  "address = 3\n"
                                                  "at_least = 1\n"
                                                  "at_most = 1\n"
                                                  "[[expect]]\n"
                                                  "that = \"no_malformed\"\n"));
    const auto transcript = sc.path().parent_path() / "transcript.jsonl";
    const auto r = run_test_command(
        with({"test", sc.path().string(), "--transcript", transcript.string()}, shell_master(req_ud2_to_3)));
    CHECK_MESSAGE(r.code == 0, r.report);
    CHECK_MESSAGE(r.out.find("PASS  every meter was read (") != std::string::npos, r.out);
    CHECK_MESSAGE(r.out.find("3 of 3 expectations held\n") != std::string::npos, r.out);
    CHECK_MESSAGE(r.out.find("master: exit code 0 after") != std::string::npos, r.out);
    CHECK_MESSAGE(r.out.find("result: PASS (exit code 0)") != std::string::npos, r.out);

    // The bytes the shell wrote arrived unchanged, and the meter answered them.
    std::istringstream lines(read_file(transcript));
    std::vector<nlohmann::json> records;
    for (std::string line; std::getline(lines, line);)
        records.push_back(nlohmann::json::parse(line));
    const auto request = std::find_if(records.begin(), records.end(),
                                      [](const nlohmann::json& j) { return j["kind"] == "request"; });
    REQUIRE_MESSAGE(request != records.end(), read_file(transcript));
    CHECK((*request)["hex"] == "105B035E16");
    const auto reply = std::find_if(records.begin(), records.end(),
                                    [](const nlohmann::json& j) { return j["kind"] == "reply"; });
    REQUIRE(reply != records.end());
    CHECK((*reply)["answered_by"] == nlohmann::json::array({"water"}));
}

TEST_CASE("mbus-sim test fails a master that breaks an expectation and names it") {
    const temp_scenario sc("test-fail", one_meter("[[expect]]\n"
                                                  "that = \"no_malformed\"\n"
                                                  "[[expect]]\n"
                                                  "name = \"no broadcast\"\n"
                                                  "that = \"nothing_sent_to\"\n"
                                                  "address = \"FF\"\n"));
    const auto r =
        run_test_command(with({"test", sc.path().string()}, shell_master(snd_nke_to_ff + req_ud2_to_3)));
    CHECK_MESSAGE(r.code == 1, r.report);
    CHECK_MESSAGE(r.out.find("PASS  no request arrived malformed") != std::string::npos, r.out);
    CHECK_MESSAGE(r.out.find("FAIL  no broadcast: no request was sent to 255 (FF) (") != std::string::npos,
                  r.out);
    CHECK_MESSAGE(r.out.find("1 of 2 requests went there") != std::string::npos, r.out);
    CHECK_MESSAGE(r.out.find("request  10 40 FF 3F 16") != std::string::npos, r.out); // the evidence
    CHECK_MESSAGE(r.out.find("result: FAIL (exit code 1)") != std::string::npos, r.out);
}

TEST_CASE("mbus-sim test says when the master never sent anything") {
    const temp_scenario sc("test-silent", one_meter("[[expect]]\n"
                                                    "that = \"read\"\n"));
    const auto r = run_test_command(with({"test", sc.path().string()}, {"sh", "-c", "sleep 0.2"}));
    CHECK_MESSAGE(r.code == 3, r.report);
    CHECK_MESSAGE(r.out.find("the master never sent anything") != std::string::npos, r.out);
}

TEST_CASE("mbus-sim test rejects a bad scenario with exit code 2") {
    const temp_scenario sc("test-bad", one_meter("[[expect]]\n"
                                                 "that = \"raed\"\n"));
    const auto r = run_test_command(with({"test", sc.path().string()}, shell_master(req_ud2_to_3)));
    CHECK_MESSAGE(r.code == 2, r.report);
    CHECK_MESSAGE(r.err.find("scenario.toml:15:8: expect[0].that: unknown expectation \"raed\"; did you mean "
                             "\"read\"?") != std::string::npos,
                  r.err);
    const temp_scenario good("test-good", one_meter("[[expect]]\n"
                                                    "that = \"read\"\n"));
    const auto usage = run_test_command({"test", good.path().string()}); // no command
    CHECK(usage.code == 2);
    const auto missing = run_test_command(with({"test", good.path().string()}, {"/nonexistent/master"}));
    CHECK(missing.code == 2);
    CHECK_MESSAGE(missing.err.find("cannot start /nonexistent/master") != std::string::npos, missing.err);
}

TEST_CASE("mbus-sim test kills a master that runs past the timeout") {
    const temp_scenario sc("test-timeout", one_meter("[[expect]]\n"
                                                     "that = \"read\"\n"));
    const auto started = std::chrono::steady_clock::now();
    const auto r = run_test_command(
        with({"test", sc.path().string(), "--timeout", "1"}, shell_master(req_ud2_to_3, "sleep 30")));
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(15));
    CHECK_MESSAGE(r.code == 1, r.report);
    CHECK_MESSAGE(r.out.find("PASS  every meter was read") != std::string::npos, r.out);
    CHECK_MESSAGE(r.out.find("master: killed after the timeout of 1 s (FAIL)") != std::string::npos, r.out);
}

TEST_CASE("mbus-sim test counts the master's exit status only when asked") {
    const temp_scenario sc("test-status", one_meter("[[expect]]\n"
                                                    "that = \"read\"\n"));
    const auto master = shell_master(req_ud2_to_3, "sleep 0.3; exit 4");
    const auto lenient = run_test_command(with({"test", sc.path().string()}, master));
    CHECK_MESSAGE(lenient.code == 0, lenient.report);
    const auto strict =
        run_test_command(with({"test", sc.path().string(), "--require-master-success"}, master));
    CHECK_MESSAGE(strict.code == 1, strict.report);
    CHECK_MESSAGE(strict.out.find("master: exit code 4 after") != std::string::npos, strict.out);
}

TEST_CASE("mbus-sim test puts the TCP port into the command and reports JSON") {
    const temp_scenario sc("test-tcp", one_meter("[[expect]]\n"
                                                 "that = \"read\"\n"));
    // {host}, {port} and {tcp} open the listener without --tcp; the master itself uses the pty.
    const auto r = run_test_command(with(
        {"test", sc.path().string(), "--json"},
        {"sh", "-c",
         "echo host={host} port={port} tcp={tcp} >&2; printf '" + req_ud2_to_3 + "' > {pty}; sleep 0.5"}));
    CHECK_MESSAGE(r.code == 0, r.report);
    CHECK_MESSAGE(r.err.find("host=127.0.0.1 port=") != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.find("tcp=127.0.0.1:") != std::string::npos, r.err);
    const auto j = nlohmann::json::parse(r.out); // stdout holds the report alone
    CHECK(j["exit_code"] == 0);
    CHECK(j["master"]["exit_code"] == 0);
    CHECK(j["master"]["sent_anything"] == true);
    REQUIRE(j["expectations"].size() == 1);
    CHECK(j["expectations"][0]["expect"] == "read");
    CHECK(j["expectations"][0]["held"] == true);
    CHECK(j["counters"]["by_kind"]["REQ_UD2"]["received"] == 1);
}

TEST_CASE("mbus-sim test passes mbus-sim read as the master of the shipped CI example") {
    const auto scenario = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "ci-example.toml";
    const std::string sim = sim_exe();
    // Both meters, the multi-telegram one (address 7) with a toggled FCB.
    const auto r = run_test_command(
        with({"test", scenario.string()},
             {"sh", "-c", "\"$0\" read 48 {pty} > /dev/null && \"$0\" read 7 {pty} > /dev/null", sim}));
    CHECK_MESSAGE(r.code == 0, r.report);
    CHECK_MESSAGE(r.out.find("read 2 meters: heat (1 telegram), multi (2 telegrams)") != std::string::npos,
                  r.out);
    CHECK_MESSAGE(r.out.find("6 of 6 expectations held") != std::string::npos, r.out);

    // Only the first meter: `read` names the one it missed.
    const auto partial = run_test_command(with({"test", scenario.string()}, {sim, "read", "48", "{pty}"}));
    CHECK_MESSAGE(partial.code == 1, partial.report);
    CHECK_MESSAGE(partial.out.find("multi never answered a REQ_UD2") != std::string::npos, partial.out);
}

TEST_CASE("mbus-sim test judges mbus-sim scan --secondary by found_by_scan") {
    // Three meters, two sharing seven ID digits; skews make their E5s garble as on a real wire.
    std::string meters;
    using meter_row = std::tuple<std::string, std::string, int>;
    for (const auto& [name, id, skew] :
         {meter_row{"a", "31000001", 0}, meter_row{"b", "31000002", 3}, meter_row{"c", "41000003", 5}})
        meters += fmt::format("[[meter]]\nname = \"{}\"\naddress = {}\nid = \"{}\"\nmanufacturer = \"ABC\"\n"
                              "medium = \"water\"\nquirks = {{ skew_bits = {} }}\n"
                              "record = [{{ quantity = \"volume\", unit = \"m3\", resolution = 0.001, "
                              "type = \"bcd8\", value = 1.5 }}]\n\n",
                              name, id.back(), id, skew);
    const temp_scenario file("scan-expect", "[bus]\nname = \"scan-expect\"\n\n" + meters +
                                                "[[expect]]\nthat = \"found_by_scan\"\n");
    const std::string sim = sim_exe();
    // 120 ms for the first byte of an answer: the instrumented simulator on a loaded CI machine once
    // read a select 60 ms late, and the scan took its silence for no meter.
    const auto all = run_test_command(
        with({"test", file.path().string()}, {sim, "scan", "--secondary", "--timeout-ms", "120", "{pty}"}));
    CHECK_MESSAGE(all.code == 0, all.report);
    CHECK_MESSAGE(all.out.find("PASS  a secondary scan found every meter") != std::string::npos, all.out);

    // A scan of the subtree 3xxxxxxx never selects c alone.
    const auto part =
        run_test_command(with({"test", file.path().string()}, {sim, "scan", "--secondary", "--mask",
                                                               "3FFFFFFF", "--timeout-ms", "120", "{pty}"}));
    CHECK_MESSAGE(part.code == 1, part.report);
    CHECK_MESSAGE(part.out.find("1 of 3 meters never selected alone") != std::string::npos, part.out);
}

TEST_CASE("mbus-sim test writes a JUnit report: a test case per expectation and one for the master") {
    const auto scenario = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "ci-example.toml";
    const temp_scenario files("test-junit", "");
    const auto junit = files.path().parent_path() / "junit.xml";
    const std::string sim = sim_exe();
    const auto partial = run_test_command(
        with({"test", scenario.string(), "--junit", junit.string()}, {sim, "read", "48", "{pty}"}));
    CHECK_MESSAGE(partial.code == 1, partial.report);
    const auto xml = read_file(junit);
    CHECK_MESSAGE(xml.find("<testsuite name=\"ci-example\" tests=\"7\" failures=\"2\"") != std::string::npos,
                  xml);
    CHECK_MESSAGE(xml.find("name=\"master: " + sim + " read 48 ") != std::string::npos, xml);
    // The failures name the meter and the readout that never happened.
    CHECK_MESSAGE(xml.find("<failure message=\"1 of 2 meters not read: multi never answered a REQ_UD2") !=
                      std::string::npos,
                  xml);
    CHECK_MESSAGE(xml.find("file=\"" + scenario.string() + ":") != std::string::npos, xml);
    CHECK_MESSAGE(xml.find("REQ_UD2 a=48") != std::string::npos, xml); // the frames that show what held

    // A master that never sends anything fails its own test case.
    const auto silent = run_test_command(
        with({"test", scenario.string(), "--junit", junit.string()}, {"sh", "-c", "sleep 0.1"}));
    CHECK_MESSAGE(silent.code == 3, silent.report);
    CHECK(read_file(junit).find("<failure message=\"the master never sent anything\"") != std::string::npos);

    // A report that cannot be written stops the run before the master starts.
    const auto unwritable = run_test_command(
        with({"test", scenario.string(), "--junit", "/nonexistent/dir/junit.xml"}, {"true"}));
    CHECK_MESSAGE(unwritable.code == 2, unwritable.report);
    CHECK(unwritable.err.find("cannot write /nonexistent/dir/junit.xml") != std::string::npos);
}

TEST_CASE(
    "mbus-sim test --tcp gives the master the port in MBUS_SIM_TCP and -q prints failures and the result") {
    const temp_scenario sc("test-tcp-flag", one_meter("[[expect]]\n"
                                                      "that = \"read\"\n"));
    const std::string sim = sim_exe();
    // The master reads over TCP through the port --tcp opened, named only in the environment.
    const auto r =
        run_test_command(with({"test", "--tcp", sc.path().string(), "-q"},
                              {"sh", "-c", "\"$0\" read 3 \"tcp:$MBUS_SIM_TCP\" > /dev/null", sim}));
    CHECK_MESSAGE(r.code == 0, r.report);
    CHECK_MESSAGE(r.out == "result: PASS (exit code 0)\n", r.report);

    // --tcp=tcp:HOST:PORT, the line's spelling; --time-limit is the old --timeout.
    const auto limited = run_test_command(
        with({"test", "--tcp=tcp:127.0.0.1:0", sc.path().string(), "-q", "--time-limit", "1"},
             {"sh", "-c", "echo \"tcp=$MBUS_SIM_TCP\" >&2; sleep 30"}));
    CHECK_MESSAGE(limited.code == 3, limited.report);
    CHECK_MESSAGE(limited.err.find("tcp=127.0.0.1:") != std::string::npos, limited.report);
    CHECK_MESSAGE(limited.out.find("FAIL  every meter was read") != std::string::npos, limited.report);
    CHECK_MESSAGE(limited.out.find("PASS") == std::string::npos, limited.report);
    CHECK_MESSAGE(limited.out.find("result: FAIL (exit code 3)") != std::string::npos, limited.report);
}

// ---- verdicts that name the master's fault ----

namespace {

// `wire` as printf escapes for bash (\xHH).
std::string escaped(const bytes& wire) {
    std::string out;
    for (const auto b : wire)
        out += fmt::format("\\x{:02X}", b);
    return out;
}

// A bash master that opens a TCP connection per run (each run a session of its own), writes each
// request in `runs` and waits for the answer before the next.
std::vector<std::string> tcp_master(const std::vector<std::vector<bytes>>& runs) {
    std::string script;
    for (const auto& run : runs) {
        script += "exec 3<>/dev/tcp/{host}/{port}; ";
        for (const auto& request : run)
            script += "printf '" + escaped(request) + "' >&3; sleep 0.3; ";
        script += "exec 3>&-; ";
    }
    return {"bash", "-c", script};
}

bytes short_frame(byte c, byte a) { return {0x10, c, a, static_cast<byte>(c + a), 0x16}; }

bytes select_frame(std::uint32_t id_bcd, std::uint16_t manufacturer, byte version, byte medium) {
    const bytes data{static_cast<byte>(id_bcd),
                     static_cast<byte>(id_bcd >> 8),
                     static_cast<byte>(id_bcd >> 16),
                     static_cast<byte>(id_bcd >> 24),
                     static_cast<byte>(manufacturer),
                     static_cast<byte>(manufacturer >> 8),
                     version,
                     medium};
    const auto w = link::encode(link::frame::long_frame(0x53, 0xFD, 0x52, data));
    REQUIRE(w);
    return *w;
}

const bytes snd_nke_3 = short_frame(0x40, 3);
const bytes req_ud2_3_fcb0 = short_frame(0x5B, 3);
const bytes req_ud2_3_fcb1 = short_frame(0x7B, 3);
const bytes snd_nke_fd = short_frame(0x40, 0xFD);
const bytes req_ud2_fd = short_frame(0x7B, 0xFD);

// Two meters with one identification number, of two makers (TST 5274, KAM 2C2D), standard wildcards.
std::string same_id(const std::string& expects) {
    std::string text = "[bus]\nname = \"twins\"\n";
    for (const auto& [name, address, maker] : {std::tuple{"tst", 4, "TST"}, std::tuple{"kam", 5, "KAM"}})
        text +=
            fmt::format("[[meter]]\nname = \"{}\"\naddress = {}\nid = \"12345678\"\nmanufacturer = \"{}\"\n"
                        "medium = \"water\"\n[[meter.record]]\nquantity = \"volume\"\nunit = \"l\"\n"
                        "type = \"int32\"\nvalue = 1\n",
                        name, address, maker);
    return text + expects;
}

} // namespace

TEST_CASE("verdict fresh_fcb names a master that starts a second run with the FCB of the first") {
    const temp_scenario sc("fresh-fcb", one_meter("[[expect]]\nthat = \"fresh_fcb\"\n"));
    // Like libmbus's multi-reply tool run twice: the first run toggles (FCB 0, then 1), the second
    // starts with FCB=1 again and no SND_NKE.
    const auto bad = run_test_command(
        with({"test", sc.path().string()}, tcp_master({{req_ud2_3_fcb0, req_ud2_3_fcb1}, {req_ud2_3_fcb1}})));
    CHECK_MESSAGE(bad.code == 1, bad.report);
    CHECK_MESSAGE(bad.out.find("FAIL  each session's first REQ_UD2 to a meter got a fresh telegram") !=
                      std::string::npos,
                  bad.out);
    CHECK_MESSAGE(bad.out.find("the REQ_UD2 to 3 had FCB=1: the master's first REQ_UD2 had the FCB of the "
                               "previous session's last request; the meter repeated its last telegram; send "
                               "SND_NKE first or toggle") != std::string::npos,
                  bad.out);
    // The same master with SND_NKE first in its second run.
    const auto good =
        run_test_command(with({"test", sc.path().string()},
                              tcp_master({{req_ud2_3_fcb0, req_ud2_3_fcb1}, {snd_nke_3, req_ud2_3_fcb1}})));
    CHECK_MESSAGE(good.code == 0, good.report);
    CHECK_MESSAGE(
        good.out.find("no meter repeated a telegram the master had already received (3 REQ_UD2s)") !=
            std::string::npos,
        good.out);
}

TEST_CASE("verdict whole_field_wildcards names the meters a nibble-wildcard master could not separate") {
    const temp_scenario sc("nibbles", same_id("[[expect]]\nthat = \"whole_field_wildcards\"\n"));
    const bytes both = select_frame(0x12345678, 0xFFFF, 0xFF, 0xFF);
    // As libmbus and pyMeterBus do on a collision of whole ids: digits in the manufacturer's nibbles.
    const auto bad = run_test_command(
        with({"test", sc.path().string()}, tcp_master({{both, select_frame(0x12345678, 0x2CFF, 0xFF, 0xFF),
                                                        select_frame(0x12345678, 0x52FF, 0xFF, 0xFF)}})));
    CHECK_MESSAGE(bad.code == 1, bad.report);
    CHECK_MESSAGE(
        bad.out.find("2 of 3 selects had F nibbles in manufacturer that are not whole-field wildcards") !=
            std::string::npos,
        bad.out);
    CHECK_MESSAGE(bad.out.find("the master could not separate tst, kam: they answered only together") !=
                      std::string::npos,
                  bad.out);
    CHECK_MESSAGE(bad.out.find("wildcards = \"nibbles_everywhere\"") != std::string::npos, bad.out);
    // Whole manufacturers: each meter alone.
    const auto good = run_test_command(
        with({"test", sc.path().string()}, tcp_master({{both, select_frame(0x12345678, 0x2C2D, 0xFF, 0xFF),
                                                        select_frame(0x12345678, 0x5274, 0xFF, 0xFF)}})));
    CHECK_MESSAGE(good.code == 0, good.report);
    CHECK_MESSAGE(
        good.out.find("none of 3 selects left manufacturer, version or medium open by single F nibbles") !=
            std::string::npos,
        good.out);
}

TEST_CASE("verdict select_without_fd_answer names a master that waits for SND_NKE at FD") {
    const temp_scenario sc("fd-wait", one_meter("[[expect]]\nthat = \"select_without_fd_answer\"\n"));
    // pyMeterBus's read by secondary address: SND_NKE to FD, no E5 comes, it gives up.
    const auto bad = run_test_command(with({"test", sc.path().string()}, tcp_master({{snd_nke_fd}})));
    CHECK_MESSAGE(bad.code == 1, bad.report);
    CHECK_MESSAGE(bad.out.find("the master sent SND_NKE to FD and waited for an answer before selecting (as "
                               "pyMeterBus's read by secondary address does)") != std::string::npos,
                  bad.out);
    CHECK_MESSAGE(bad.out.find("fd_unselected = \"ack\"") != std::string::npos, bad.out);
    const bytes select_it = select_frame(0x12345678, 0xFFFF, 0xFF, 0xFF);
    const auto good = run_test_command(
        with({"test", sc.path().string()}, tcp_master({{snd_nke_fd, select_it, req_ud2_fd}})));
    CHECK_MESSAGE(good.code == 0, good.report);
    CHECK_MESSAGE(good.out.find("1 unanswered SND_NKE to FD, and every session went on to select") !=
                      std::string::npos,
                  good.out);
}

TEST_CASE("quirk fd_unselected = ack answers SND_NKE at FD while nothing is selected") {
    const temp_scenario sc("fd-ack", one_meter(""));
    std::string text = one_meter("");
    text.insert(text.find("[[meter.record]]"), "quirks = { fd_unselected = \"ack\" }\n");
    const temp_scenario quirky("fd-ack-quirk", text);
    for (const auto* file : {&sc, &quirky}) {
        auto sim = start_sim({"run", file->path().string(), "--tcp", "127.0.0.1:0"});
        run_system_test([&]() -> asio::awaitable<void> {
            auto io = co_await open_tcp(sim.ready);
            const auto r = co_await master::exchange(*io, snd_nke_fd, sim_options().timing);
            REQUIRE(r);
            CHECK(to_hex(r->raw) == (file == &quirky ? "E5" : ""));
        });
        stop_sim(sim);
    }
}
