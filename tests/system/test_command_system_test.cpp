// `mbus-sim test` end to end: the real binary runs a master command against a scenario and exits
// with the code a CI job reads, printing a report that names what failed and the frames that show it.

#include "support.hpp"

#include <mbus/core/bytes.hpp>

#include <nlohmann/json.hpp>

extern char** environ; // NOLINT: POSIX names it so

#include <fstream>
#include <thread>
#include <tuple>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
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

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct finished {
    int code{-1};
    std::string out;
    std::string err;
    std::string report;
};

// Runs mbus-sim with its stdout and stderr in files, so that every byte is there once it exited.
finished run_test_command(std::vector<std::string> args) {
    const temp_scenario files("test-output", "");
    const auto out_path = files.path().parent_path() / "stdout";
    const auto err_path = files.path().parent_path() / "stderr";
    args.insert(args.begin(), sim_exe());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE_MESSAGE(rc == 0, "cannot start ", args[0]);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            FAIL("mbus-sim test did not exit within 60 s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    finished f;
    f.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    f.out = read_file(out_path);
    f.err = read_file(err_path);
    f.report =
        fmt::format("{}\nexit code {}\nstdout:\n{}\nstderr:\n{}", fmt::join(args, " "), f.code, f.out, f.err);
    return f;
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
    const auto all = run_test_command(
        with({"test", file.path().string()}, {sim, "scan", "--secondary", "--timeout-ms", "60", "{pty}"}));
    CHECK_MESSAGE(all.code == 0, all.report);
    CHECK_MESSAGE(all.out.find("PASS  a secondary scan found every meter") != std::string::npos, all.out);

    // A scan of the subtree 3xxxxxxx never selects c alone.
    const auto part =
        run_test_command(with({"test", file.path().string()}, {sim, "scan", "--secondary", "--mask",
                                                               "3FFFFFFF", "--timeout-ms", "60", "{pty}"}));
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
