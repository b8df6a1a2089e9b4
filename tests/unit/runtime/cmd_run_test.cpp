// `mbus-sim run` as users start it: the built binary, its readiness line, a real pty and a real
// TCP socket, and its exit on signals and stop conditions.

#include "support/sim_exe.hpp"
#include "support/temp_dir.hpp"
#include "support/water_toml.hpp"

#include "child.hpp"

#include <mbus/link/frame.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/runtime/readiness.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>

using namespace mbus;
using namespace mbus::runtime_test;
using namespace std::chrono_literals;

namespace {

constexpr auto ready_limit = 15s; // a loaded machine may take a while to start a sanitized binary
constexpr auto wait_limit = 5s;

const std::string water_toml = mbus::test::water_scenario_toml("runtest");

const bytes snd_nke_5{0x10, 0x40, 0x05, 0x45, 0x16}; // SND_NKE to 5
const bytes req_ud2_5{0x10, 0x5B, 0x05, 0x60, 0x16}; // REQ_UD2 to 5

// The readiness line, or a failure that shows what the child said instead.
runtime::readiness wait_ready(child& c) {
    REQUIRE_MESSAGE(c.started(), "cannot start ", test::sim_exe());
    const auto line = c.read_line(ready_limit);
    INFO("stderr: ", c.err());
    REQUIRE_MESSAGE(line, "no readiness line");
    const auto r = runtime::parse_readiness(*line);
    REQUIRE_MESSAGE(r, "not a readiness line: ", *line);
    return *r;
}

int open_pty_as_master(const std::string& path) {
    const int fd = mbus::test::open_master(path, 2400);
    REQUIRE_MESSAGE(fd >= 0, "cannot open ", path, " at 8E1 2400 baud");
    return fd;
}

std::uint32_t id_in(const bytes& wire) {
    const auto f = mbus::link::decode(wire);
    REQUIRE_MESSAGE(f, "not a frame: ", to_hex(wire));
    const auto ud = app::decode(f->value.ci, f->value.data);
    REQUIRE(ud);
    const auto* v = std::get_if<app::variable_data>(&*ud);
    REQUIRE(v != nullptr);
    REQUIRE(v->header.address);
    return v->header.address->id;
}

} // namespace

TEST_CASE("mbus-sim run serves a scenario on a pty and TCP and exits 0 on SIGTERM") {
    mbus::test::temp_dir dir;
    const auto file = dir.write("water.toml", water_toml).string();
    const auto link = (dir.dir() / "mbus0").string();
    child sim({"run", file, "--pty", "--link", link, "--tcp", "127.0.0.1:0"});
    const auto ready = wait_ready(sim);
    CHECK(ready.pty.starts_with("/dev/pts/"));
    CHECK(ready.link == link);
    CHECK(ready.tcp.starts_with("127.0.0.1:"));
    CHECK(ready.tcp != "127.0.0.1:0"); // the port the system picked
    CHECK(ready.meters == 1);
    CHECK(ready.scenario == "runtest");
    CHECK(std::filesystem::read_symlink(link) == ready.pty);

    const int sock = tcp_connect(ready.tcp);
    REQUIRE(sock >= 0);
    CHECK(write_all(sock, req_ud2_5));
    CHECK(id_in(read_frame_fd(sock, wait_limit)) == 0x12345678);

    const int pty = open_pty_as_master(link);
    CHECK(write_all(pty, snd_nke_5));
    CHECK(read_frame_fd(pty, wait_limit) == bytes{0xE5});
    ::close(pty);

    sim.signal(SIGTERM);
    const auto rc = sim.wait_exit(wait_limit);
    INFO("stderr: ", sim.err());
    CHECK(rc == 0);
    CHECK_FALSE(std::filesystem::exists(std::filesystem::symlink_status(link)));
    // The server closed the connection on its way out.
    CHECK(read_frame_fd(sock, wait_limit).empty());
    ::close(sock);
    const auto err = sim.err();
    CHECK(err.find("] #1 open pty " + ready.pty) != std::string::npos);
    CHECK(err.find("] #2 open tcp " + ready.tcp + " <- 127.0.0.1:") != std::string::npos);
    CHECK(err.find("] #2 < RSP_UD a=5 ci=72 len=18 [id=12345678 man=KAM ver=1 medium=water records=1] from "
                   "water") != std::string::npos);
    CHECK(err.find("] #1 < ACK from water") != std::string::npos);
    CHECK(err.find("] stopped (SIGTERM) after ") != std::string::npos);
    CHECK(err.find("2 requests (2 answered, 0 silent, 0 collisions)") != std::string::npos);
    CHECK(sim.rest_of_stdout().empty()); // exactly one line on stdout
}

TEST_CASE("mbus-sim run with no arguments serves the built-in demo on a pty and exits 0 on SIGINT") {
    child sim({"run"});
    const auto ready = wait_ready(sim);
    CHECK(ready.pty.starts_with("/dev/pts/"));
    CHECK(ready.link.empty());
    CHECK(ready.tcp.empty());
    CHECK(ready.meters == 1);
    CHECK(ready.scenario == "demo");
    const int pty = open_pty_as_master(ready.pty);
    CHECK(write_all(pty, bytes{0x10, 0x40, 0x03, 0x43, 0x16})); // SND_NKE to 3, the demo meter
    CHECK(read_frame_fd(pty, wait_limit) == bytes{0xE5});
    CHECK(write_all(pty, bytes{0x10, 0x5B, 0x03, 0x5E, 0x16})); // REQ_UD2 to 3
    CHECK(id_in(read_frame_fd(pty, wait_limit)) == 0x12345678);
    ::close(pty);
    sim.signal(SIGINT);
    const auto rc = sim.wait_exit(wait_limit);
    INFO("stderr: ", sim.err());
    CHECK(rc == 0);
    CHECK(sim.err().find("] stopped (SIGINT) after ") != std::string::npos);
}

TEST_CASE("mbus-sim run reports every scenario error and exits 2") {
    mbus::test::temp_dir dir;
    auto bad = water_toml;
    bad.replace(bad.find("address = 5"), 11, "address = 300");
    bad.replace(bad.find("medium = \"water\""), 16, "medium = \"lava\"");
    const auto file = dir.write("bad.toml", bad).string();
    child sim({"run", file, "--tcp", "0"});
    REQUIRE(sim.started());
    CHECK(sim.wait_exit(wait_limit) == 2);
    CHECK(sim.rest_of_stdout().empty()); // no readiness line
    const auto err = sim.err();
    INFO("stderr: ", err);
    CHECK(err.find(file + ":7:") != std::string::npos);  // address = 300
    CHECK(err.find(file + ":11:") != std::string::npos); // medium = "lava"
}

TEST_CASE("mbus-sim check and run print a name with a newline escaped and refuse a FIFO at once") {
    mbus::test::temp_dir dir;
    auto named = water_toml;
    const auto at = named.find("name = \"water\"");
    REQUIRE(at != std::string::npos);
    named.replace(at, named.find('\n', at) - at, "name = \"a\\nerror: forged\"");
    named += "[[fault]]\nmeter = \"a\\nerror: forged\"\nkind = \"no_answer\"\nlate = 1\n"; // `late`: unknown
    const auto file = dir.write("forged.toml", named).string();
    {
        child sim({"check", file});
        REQUIRE(sim.started());
        CHECK(sim.wait_exit(wait_limit) == 1);
        const auto err = sim.err();
        INFO("stderr: ", err);
        CHECK(err.find("\nerror: forged") == std::string::npos);
        CHECK(err.find("unknown key \"late\"") != std::string::npos);
    }
    named.resize(named.find("[[fault]]"));
    const auto ok = dir.write("ok.toml", named).string();
    {
        child sim({"run", ok, "--tcp", "127.0.0.1:0", "--max-requests", "1", "-v"});
        const auto ready = wait_ready(sim);
        const int fd = tcp_connect(ready.tcp);
        REQUIRE(fd >= 0);
        REQUIRE(write_all(fd, req_ud2_5));
        CHECK(sim.wait_exit(wait_limit) == 0);
        ::close(fd);
        const auto log = sim.rest_of_stdout() + sim.err();
        INFO("log: ", log);
        CHECK(log.find("a\\nerror: forged") != std::string::npos);
        CHECK(log.find("\nerror: forged") == std::string::npos);
    }
    const auto fifo = dir.dir() / "fifo.toml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    child sim({"check", fifo.string()});
    REQUIRE(sim.started());
    CHECK(sim.wait_exit(wait_limit) == 1);
    CHECK(sim.err() == fifo.string() + ": not a regular file (a FIFO)\n");
}

TEST_CASE("mbus-sim run stops by itself after --max-requests and --quiet logs nothing") {
    mbus::test::temp_dir dir;
    const auto file = dir.write("water.toml", water_toml).string();
    child sim({"run", file, "--tcp", "0", "--max-requests", "2", "--quiet"});
    const auto ready = wait_ready(sim);
    CHECK(ready.pty.empty()); // --tcp alone: no pty
    const int sock = tcp_connect(ready.tcp);
    REQUIRE(sock >= 0);
    CHECK(write_all(sock, snd_nke_5));
    CHECK(read_frame_fd(sock, wait_limit) == bytes{0xE5});
    CHECK(write_all(sock, req_ud2_5));
    CHECK(id_in(read_frame_fd(sock, wait_limit)) == 0x12345678);
    CHECK(sim.wait_exit(wait_limit) == 0);
    ::close(sock);
    CHECK(sim.err().empty());
}

TEST_CASE("mbus-sim run exits 1 naming a device it cannot open") {
    mbus::test::temp_dir dir;
    const auto file = dir.write("water.toml", water_toml).string();
    child sim({"run", file, "--serial", "/nonexistent/ttyUSB9"});
    REQUIRE(sim.started());
    CHECK(sim.wait_exit(wait_limit) == 1);
    CHECK(sim.err().find("/nonexistent/ttyUSB9") != std::string::npos);
    CHECK(sim.rest_of_stdout().empty());
}

TEST_CASE("mbus-sim run --copies runs a scenario as many buses and --shard keeps every N-th") {
    mbus::test::temp_dir dir;
    const auto file = dir.write("water.toml", water_toml).string();
    // Buses runtest-1 .. runtest-5; shard 2 of 2 runs the 2nd and the 4th.
    child sim({"run", file, "--copies", "5", "--shard", "2/2", "--tcp", "127.0.0.1:0"});
    const auto second = wait_ready(sim);
    const auto fourth = wait_ready(sim);
    CHECK(second.scenario == "runtest-2");
    CHECK(fourth.scenario == "runtest-4");
    CHECK(second.tcp != fourth.tcp);
    for (const auto& bus : {second, fourth}) {
        const int sock = tcp_connect(bus.tcp);
        REQUIRE(sock >= 0);
        CHECK(write_all(sock, req_ud2_5));
        CHECK(id_in(read_frame_fd(sock, wait_limit)) == 0x12345678);
        ::close(sock);
    }
    sim.signal(SIGTERM);
    CHECK(sim.wait_exit(wait_limit) == 0);
    CHECK(sim.rest_of_stdout().empty()); // two buses, two ready lines

    child bad({"run", file, "--copies", "2", "--shard", "3/2"});
    REQUIRE(bad.started());
    CHECK(bad.wait_exit(wait_limit) == 2);
    CHECK(bad.err().find("--shard 3/2: expected I/N with 1 <= I <= N") != std::string::npos);
}

// What CLI11 would say instead: "A subcommand is required", a 300-digit range, a form error for a
// port that is only too big, and an empty --tcp that fell back to a pty.
TEST_CASE("mbus-sim says what is wrong with a command line in words a user reads") {
    const auto said = [](std::vector<std::string> args, int code) {
        child sim(std::move(args));
        REQUIRE(sim.started());
        CHECK(sim.wait_exit(wait_limit) == code);
        CHECK(sim.rest_of_stdout().empty());
        return sim.err();
    };
    CHECK(said({"runn"}, 2).find("unknown command 'runn' (did you mean 'run'?)") != std::string::npos);
    CHECK(said({"frobnicate"}, 2).find("unknown command 'frobnicate'; see mbus-sim --help") !=
          std::string::npos);
    // --duration is the old name of --time-limit; the message names the option by its name.
    const auto zero = said({"run", "--duration", "0"}, 2);
    CHECK(zero.find("--time-limit: must be a number above 0, not '0'") != std::string::npos);
    CHECK(zero.size() < 200);
    CHECK(said({"run", "--tcp", "127.0.0.1:99999"}, 1).find("port 99999 is out of range (0..65535)") !=
          std::string::npos);
    CHECK(said({"run", "--tcp", ""}, 2).find("--tcp: must not be empty") != std::string::npos);
    // The line form scan and read take is a listening address here too.
    child line_form({"run", "--tcp", "tcp:127.0.0.1:0", "--duration", "0.2"});
    REQUIRE(line_form.started());
    const auto ready = line_form.read_line(wait_limit);
    REQUIRE(ready);
    CHECK(ready->find("tcp=127.0.0.1:") != std::string::npos);
    CHECK(line_form.wait_exit(wait_limit) == 0);
    child version({"-V"});
    REQUIRE(version.started());
    CHECK(version.wait_exit(wait_limit) == 0);
    CHECK(version.rest_of_stdout().find("mbus-sim ") == 0);
}

TEST_CASE("mbus-sim run warns when TCP listens beyond loopback and refuses writes with --read-only") {
    child sim({"run", "--tcp", "0.0.0.0:0", "--read-only"});
    const auto ready = wait_ready(sim);
    const int sock = tcp_connect("127.0.0.1:" + ready.tcp.substr(ready.tcp.rfind(':') + 1));
    REQUIRE(sock >= 0);
    // SND_UD to 3, CI 51, set primary address 9 (01 7A 09): refused, no answer.
    CHECK(write_all(sock, bytes{0x68, 0x06, 0x06, 0x68, 0x53, 0x03, 0x51, 0x01, 0x7A, 0x09, 0x2B, 0x16}));
    CHECK(write_all(sock, bytes{0x10, 0x40, 0x03, 0x43, 0x16})); // SND_NKE to 3: still there
    CHECK(read_frame_fd(sock, wait_limit) == bytes{0xE5});
    ::close(sock);
    sim.signal(SIGTERM);
    CHECK(sim.wait_exit(wait_limit) == 0);
    const auto err = sim.err();
    INFO("stderr: ", err);
    CHECK(err.find("mbus-sim: warning: --tcp 0.0.0.0:0 listens beyond this machine") != std::string::npos);
    CHECK(err.find("refused: the bus is read-only") == std::string::npos); // only --verbose shows meter notes
    CHECK(err.find("1 writes refused (read-only)") != std::string::npos);
}
