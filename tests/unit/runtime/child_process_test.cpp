// runtime::child_process with /bin/sh as the child: known output and exit codes, a child that never
// ends stopped by the deadline, the whole process group ended with it.

#include <mbus/runtime/child_process.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <poll.h>
#include <unistd.h>

using namespace mbus;
using runtime::child_options;
using runtime::child_process;
using runtime::exit_status;
using runtime::output;
using namespace std::chrono_literals;

namespace {

child_process sh(const std::string& script, child_options o = {}) {
    return child_process({"/bin/sh", "-c", script}, o);
}

// Everything on fd until its end of file (the child closed it), or empty when limit passes first.
std::string read_all(int fd, duration limit = 10s) {
    const auto end = clock::now() + limit;
    std::string out;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock::now()).count();
        pollfd p{fd, POLLIN, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return {};
        char buf[256];
        const auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

// Running, not a zombie: a grandchild orphaned by the stop waits for whoever reaps orphans here.
bool alive(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
    const char state = stat[paren + 2];
    return state != 'Z' && state != 'X';
}

} // namespace

TEST_CASE("child_process pipes stdout and stderr apart and reports the exit code") {
    child_options o;
    o.out = output::pipe;
    o.err = output::pipe;
    auto c = sh("printf 'to out'; printf 'to err' >&2; exit 3", o);
    REQUIRE_MESSAGE(c.started(), c.error_message());
    CHECK(read_all(c.stdout_fd()) == "to out");
    CHECK(read_all(c.stderr_fd()) == "to err");
    CHECK(c.wait(10s) == exit_status{3, 0});
    CHECK(c.status() == exit_status{3, 0});
    CHECK(c.try_wait() == exit_status{3, 0}); // reaped once, remembered
}

TEST_CASE("child_process exit code zero and stdin from dev null") {
    child_options o;
    o.out = output::pipe;
    auto c = sh("cat; echo done", o); // cat ends at once on /dev/null
    REQUIRE(c.started());
    CHECK(read_all(c.stdout_fd()) == "done\n");
    CHECK(c.wait(10s) == exit_status{0, 0});
}

TEST_CASE("child_process writes stderr to a file and to_stderr sends stdout there too") {
    const auto path = std::filesystem::temp_directory_path() /
                      ("mbus-child-process-test-" + std::to_string(::getpid()) + ".err");
    child_options o;
    o.out = output::to_stderr;
    o.err = output::file;
    o.stderr_path = path.string();
    auto c = sh("echo one; echo two >&2", o);
    REQUIRE(c.started());
    CHECK(c.stdout_fd() == -1);
    CHECK(c.wait(10s) == exit_status{0, 0});
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == "one\ntwo\n");
    std::filesystem::remove(path);
}

TEST_CASE("child_process reports a signal as 128 plus its number") {
    auto c = sh("kill -USR1 $$; sleep 5");
    REQUIRE(c.started());
    CHECK(c.wait(10s) == exit_status{128 + SIGUSR1, SIGUSR1});
}

TEST_CASE("child_process wait returns nothing while the child runs and stop ends it") {
    auto c = sh("sleep 30");
    REQUIRE(c.started());
    CHECK_FALSE(c.try_wait());
    const auto before = clock::now();
    CHECK_FALSE(c.wait(100ms));
    CHECK(clock::now() - before >= 100ms);
    CHECK(alive(c.pid()));
    CHECK(c.stop(5s) == exit_status{128 + SIGTERM, SIGTERM});
    CHECK_FALSE(alive(c.pid()));
}

TEST_CASE("child_process stop sends SIGKILL when SIGTERM is ignored") {
    child_options o;
    o.out = output::pipe;
    // The shell ignores SIGTERM and says so before it waits, so the test never races its trap.
    auto c = sh("trap '' TERM; echo trapped; while :; do sleep 1; done", o);
    REQUIRE(c.started());
    pollfd p{c.stdout_fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10'000) == 1);
    const auto before = clock::now();
    CHECK(c.stop(300ms) == exit_status{128 + SIGKILL, SIGKILL});
    CHECK(clock::now() - before >= 300ms);
}

TEST_CASE("child_process in its own group stops what the child started") {
    child_options o;
    o.out = output::pipe;
    // The grandchild's PID on stdout; the shell then waits for it.
    auto c = sh("sleep 30 & echo $!; wait", o);
    REQUIRE(c.started());
    CHECK(::getpgid(c.pid()) == c.pid());
    pollfd p{c.stdout_fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10'000) == 1);
    char buf[32] = {};
    REQUIRE(::read(c.stdout_fd(), buf, sizeof buf - 1) > 0);
    const pid_t grandchild = std::stoi(buf);
    REQUIRE(alive(grandchild));
    CHECK(c.stop(5s));
    // SIGTERM reached the grandchild too; it is not ours to reap, so wait for it to end.
    const auto end = clock::now() + 5s;
    while (alive(grandchild) && clock::now() < end)
        ::poll(nullptr, 0, 10);
    CHECK_FALSE(alive(grandchild));
}

TEST_CASE("child_process without its own group shares ours") {
    child_options o;
    o.own_group = false;
    auto c = sh("exit 0", o);
    REQUIRE(c.started());
    CHECK(::getpgid(c.pid()) == ::getpgrp());
    CHECK(c.wait(10s) == exit_status{0, 0});
}

TEST_CASE("child_process names a program that does not exist") {
    child_process c({"/nonexistent/mbus-no-such-program"});
    CHECK_FALSE(c.started());
    CHECK(c.error() == std::errc::no_such_file_or_directory);
    CHECK(c.error_message().find("cannot start /nonexistent/mbus-no-such-program: ") == 0);
    CHECK_FALSE(c.wait(10ms));
}

TEST_CASE("child_process refuses an empty command") {
    child_process c({});
    CHECK_FALSE(c.started());
    CHECK(c.error() == std::errc::invalid_argument);
}

TEST_CASE("child_process destructor stops a child that still runs") {
    pid_t pid = -1;
    {
        auto c = sh("sleep 30");
        REQUIRE(c.started());
        pid = c.pid();
    }
    CHECK_FALSE(alive(pid)); // reaped: no zombie left either
}
