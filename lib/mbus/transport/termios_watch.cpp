#include <mbus/transport/termios_watch.hpp>

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <latch>
#include <ostream>
#include <system_error>
#include <thread>
#include <vector>

namespace mbus::transport {

std::ostream& operator<<(std::ostream& os, line_guard g) {
    switch (g) {
    case line_guard::reader: return os << "reader only";
    case line_guard::fair: return os << "watch threads";
    case line_guard::realtime: return os << "real-time watch threads";
    }
    return os << "line_guard(" << static_cast<int>(g) << ')';
}

namespace detail {

namespace {

// sched_setattr()'s argument; glibc 2.36 has no wrapper for the call.
struct sched_attr_v1 {
    std::uint32_t size;
    std::uint32_t policy;
    std::uint64_t flags;
    std::int32_t nice;
    std::uint32_t priority;
    std::uint64_t runtime;
    std::uint64_t deadline;
    std::uint64_t period;
};

// The fair scheduler's shortest slice (Linux 6.12 and later honour it; older kernels ignore it). A
// short slice gives an early deadline, so a woken watch thread preempts the master instead of waiting.
constexpr std::uint64_t shortest_slice_ns = 100'000;

// More threads than this and the watch covers only the first CPUs; masters elsewhere fall back to the
// reader's slower reset.
constexpr std::size_t max_threads = 256;

constexpr std::uint64_t tag_tty = 0;
constexpr std::uint64_t tag_stop = 1;

bool pin_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(static_cast<std::size_t>(cpu), &set);
    return ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set) == 0;
}

// Lowest real-time priority: above every normal task, below anything else real-time on the machine.
bool make_realtime() {
    sched_param p{};
    p.sched_priority = 1;
    return ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &p) == 0;
}

void ask_short_slice() {
    sched_attr_v1 a{};
    a.size = sizeof a;
    a.policy = SCHED_OTHER;
    a.runtime = shortest_slice_ns;
    ::syscall(SYS_sched_setattr, 0, &a, 0); // best effort: without it we are simply less often in time
}

std::vector<int> usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < max_threads; ++cpu)
        if (CPU_ISSET(static_cast<std::size_t>(cpu), &set)) cpus.push_back(cpu);
    return cpus;
}

} // namespace

struct termios_watch::impl {
    std::function<void()> on_change;
    int stop_fd = -1;
    std::vector<int> epoll_fds;
    std::vector<std::thread> threads;
    std::atomic<std::size_t> realtime{0};

    ~impl() {
        if (stop_fd >= 0) {
            const std::uint64_t one = 1;
            [[maybe_unused]] auto n = ::write(stop_fd, &one, sizeof one);
        }
        for (auto& t : threads)
            t.join();
        for (int fd : epoll_fds)
            ::close(fd);
        if (stop_fd >= 0) ::close(stop_fd);
    }

    void run(int cpu, int ep, bool allow_realtime, std::latch& ready) {
        const bool pinned = pin_to(cpu);
        if (pinned && allow_realtime && make_realtime())
            ++realtime;
        else
            ask_short_slice();
        ready.count_down();
        std::array<epoll_event, 2> events{};
        for (;;) {
            const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
            if (n < 0 && errno != EINTR) return;
            bool changed = false;
            for (int i = 0; i < n; ++i) {
                if (events[static_cast<std::size_t>(i)].data.u64 == tag_stop) return;
                changed = true;
            }
            if (changed) on_change();
        }
    }
};

std::unique_ptr<termios_watch> termios_watch::start(int tty_fd, std::function<void()> on_change,
                                                    bool realtime) {
    const auto cpus = usable_cpus();
    if (cpus.empty()) return nullptr;
    auto w = std::make_unique<impl>();
    w->on_change = std::move(on_change);
    w->stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->stop_fd < 0) return nullptr;
    for (std::size_t i = 0; i < cpus.size(); ++i) {
        // One epoll instance per thread: threads sharing one would be woken one at a time, and only
        // the thread on the master's CPU is in time.
        const int ep = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep < 0) return nullptr;
        w->epoll_fds.push_back(ep);
        // Edge-triggered "writable" on the slave: the slave is always writable, so each wake-up of
        // its wait queues reports once, and the kernel wakes them on every termios change
        // (n_tty_set_termios). This needs neither packet mode nor EXTPROC, which a master clears.
        epoll_event tty{};
        tty.events = EPOLLOUT | EPOLLET;
        tty.data.u64 = tag_tty;
        epoll_event stop{};
        stop.events = EPOLLIN;
        stop.data.u64 = tag_stop;
        if (::epoll_ctl(ep, EPOLL_CTL_ADD, tty_fd, &tty) != 0 ||
            ::epoll_ctl(ep, EPOLL_CTL_ADD, w->stop_fd, &stop) != 0)
            return nullptr;
    }
    std::latch ready(static_cast<std::ptrdiff_t>(cpus.size()));
    try {
        for (std::size_t i = 0; i < cpus.size(); ++i)
            w->threads.emplace_back([raw = w.get(), cpu = cpus[i], ep = w->epoll_fds[i], realtime, &ready] {
                raw->run(cpu, ep, realtime, ready);
            });
    } catch (const std::system_error&) {
        // The started threads use the latch: let them pass it before it goes, then stop them.
        for (std::size_t i = w->threads.size(); i < cpus.size(); ++i)
            ready.count_down();
        ready.wait();
        return nullptr;
    }
    ready.wait();
    return std::unique_ptr<termios_watch>(new termios_watch(std::move(w)));
}

termios_watch::termios_watch(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

termios_watch::~termios_watch() = default;

line_guard termios_watch::guard() const noexcept {
    return impl_->realtime.load() == impl_->threads.size() ? line_guard::realtime : line_guard::fair;
}

} // namespace detail
} // namespace mbus::transport
