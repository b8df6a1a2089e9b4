// transport/termios_watch: the per-CPU threads that see a master change a pty's line settings. What
// runs without root: starting, noticing a tcsetattr, refusing a descriptor it cannot watch, stopping,
// and the names of the line guards.

#include <mbus/transport/termios_watch.hpp>

#include "support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

using namespace mbus;

namespace {

// A pty pair: our side (ptmx) and the path a master opens.
struct pty_pair {
    int ptmx{-1};
    std::string path;
    pty_pair() {
        ptmx = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        REQUIRE(ptmx >= 0);
        REQUIRE(::grantpt(ptmx) == 0);
        REQUIRE(::unlockpt(ptmx) == 0);
        path = ::ptsname(ptmx);
    }
    ~pty_pair() { ::close(ptmx); }
    pty_pair(const pty_pair&) = delete;
    pty_pair& operator=(const pty_pair&) = delete;
};

// Waits until pred() holds, up to the tests' wait limit.
template <class P>
bool eventually(P pred) {
    const auto end = std::chrono::steady_clock::now() + test::wait_limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

} // namespace

TEST_CASE("line guards have their names") {
    const auto printed = [](transport::line_guard g) {
        std::ostringstream os;
        os << g;
        return os.str();
    };
    CHECK(printed(transport::line_guard::reader) == "reader only");
    CHECK(printed(transport::line_guard::fair) == "watch threads");
    CHECK(printed(transport::line_guard::realtime) == "real-time watch threads");
}

TEST_CASE("termios watch calls back when a master sets the line") {
    pty_pair p;
    const int slave = test::open_like_master(p.path); // held by us, as pty.cpp holds the slave
    REQUIRE(slave >= 0);
    std::atomic<int> changes{0};
    {
        auto watch = transport::detail::termios_watch::start(slave, [&changes] { ++changes; });
        REQUIRE(watch);
        // Without privileges the threads run at normal priority; never "reader only".
        CHECK(watch->guard() != transport::line_guard::reader);

        const int master = test::open_like_master(p.path);
        REQUIRE(master >= 0);
        const int before = changes.load();
        REQUIRE(test::set_8e1(master, 2400) == 0);
        CHECK(eventually([&] { return changes.load() > before; }));
        const int after_first = changes.load();
        REQUIRE(test::set_8e1(master, 9600) == 0);
        CHECK(eventually([&] { return changes.load() > after_first; }));
        ::close(master);
    } // the destructor stops and joins the threads
    const int stopped = changes.load();
    const int master = test::open_like_master(p.path);
    REQUIRE(master >= 0);
    REQUIRE(test::set_8e1(master, 2400) == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(changes.load() == stopped); // nobody calls back after the watch is gone
    ::close(master);
    ::close(slave);
}

TEST_CASE("termios watch refuses a descriptor it cannot wait on") {
    CHECK_FALSE(transport::detail::termios_watch::start(-1, [] {}));
    const int regular = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(regular >= 0);
    ::close(regular);
    CHECK_FALSE(transport::detail::termios_watch::start(regular, [] {})); // closed: EBADF
}

TEST_CASE("termios watch stays at normal priority when told to even where real-time is allowed") {
    pty_pair p;
    const int slave = test::open_like_master(p.path);
    REQUIRE(slave >= 0);
    {
        auto watch = transport::detail::termios_watch::start(
            slave, [] {}, false);
        REQUIRE(watch);
        CHECK(watch->guard() == transport::line_guard::fair); // also as root, where the default is realtime
    }
    ::close(slave);
}
