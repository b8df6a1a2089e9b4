#pragma once
// Threads that notice at once when a master changes a pty's line settings.
//
// A master that calls tcsetattr() twice with the same 8E1 settings (libmbus does, 2 us apart) needs the
// pty to have changed in between: see pty.hpp. Only a thread that runs the moment the kernel applies
// the first call can do that. So there is one thread per CPU we may run on, each pinned to its CPU and
// waiting on the slave: the kernel wakes every waiter of the slave on each termios change, and the
// thread on the master's own CPU preempts the master before its tcsetattr() returns. With real-time
// priority (root, CAP_SYS_NICE or an RLIMIT_RTPRIO) that preemption is certain; without, the threads
// ask for the shortest time slice the fair scheduler grants, which wins nearly always.

#include <functional>
#include <iosfwd>
#include <memory>

namespace mbus::transport {

// How the pty keeps up with masters' line settings.
enum class line_guard {
    reader,   // only our reader sees a change, tens of microseconds late: back-to-back identical
              // 8E1 requests (libmbus at -b 2400) mostly fail
    fair,     // per-CPU watch threads at normal priority: nearly always in time
    realtime, // per-CPU watch threads at real-time priority: always in time
};
std::ostream& operator<<(std::ostream& os, line_guard g);

namespace detail {

class termios_watch {
  public:
    // Calls on_change (on a watch thread; several may call it at once) each time the termios of the
    // tty behind tty_fd may have changed, and now and then when data moved. Returns nullptr when the
    // threads cannot be started. tty_fd must stay open until the watch is destroyed. Without realtime
    // the threads stay at normal priority even where real-time priority is allowed.
    static std::unique_ptr<termios_watch> start(int tty_fd, std::function<void()> on_change,
                                                bool realtime = true);
    ~termios_watch(); // stops and joins the threads
    termios_watch(const termios_watch&) = delete;
    termios_watch& operator=(const termios_watch&) = delete;

    line_guard guard() const noexcept;

    struct impl;

  private:
    explicit termios_watch(std::unique_ptr<impl> i);
    std::unique_ptr<impl> impl_;
};

} // namespace detail
} // namespace mbus::transport
