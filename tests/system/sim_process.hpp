#pragma once
// The real mbus-sim as a child process for system tests: a runtime::child_process with pipes, its
// readiness line awaited with a deadline (never a sleep), stopped by its PID with SIGTERM and its
// exit code collected (never killall). A thread drains stdout and stderr so that a chatty simulator
// never blocks on a full pipe.

#include "support/sim_exe.hpp"

#include <mbus/runtime/child_process.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace mbus::test {

// "ready pty=/dev/pts/5 tcp=127.0.0.1:5000 meters=1 scenario=demo"
struct ready_line {
    std::string raw;
    std::map<std::string, std::string> fields; // key=value words after "ready"

    std::string get(const std::string& key) const {
        auto it = fields.find(key);
        return it == fields.end() ? std::string{} : it->second;
    }
    std::string pty() const { return get("pty"); }
    std::string tcp() const { return get("tcp"); }
};
// nullopt unless the line starts with the word "ready" and every other word is key=value.
std::optional<ready_line> parse_ready_line(const std::string& line);

class sim_process {
  public:
    // Starts `exe` (sim_exe() by default) with args; check started() and spawn_error().
    explicit sim_process(std::vector<std::string> args, std::string exe = sim_exe());
    sim_process(const sim_process&) = delete;
    sim_process& operator=(const sim_process&) = delete;
    // Stops the child if it still runs (SIGTERM, then SIGKILL after a deadline).
    ~sim_process();

    bool started() const { return process_.started(); }
    std::string spawn_error() const { return process_.error_message(); }
    pid_t pid() const { return process_.pid(); }

    // The first line on stdout, parsed; nullopt if the deadline passed, stdout closed first, or the
    // line is no readiness line (the line is then in out()).
    std::optional<ready_line> wait_ready(std::chrono::milliseconds limit = std::chrono::seconds(15));

    // SIGTERM, then waits up to `limit` for the exit. The exit code, 128 + signal for a signal;
    // nullopt if it did not exit in time (it is then killed with SIGKILL and reaped).
    std::optional<int> stop(std::chrono::milliseconds limit = std::chrono::seconds(10));
    // Waits for the child to exit on its own; nullopt on deadline (it keeps running).
    std::optional<int> wait_exit(std::chrono::milliseconds limit);

    // After the child has exited: waits until everything it wrote to stdout and stderr is in out()
    // and err() (the reader thread has seen both pipes close).
    void finish_output();

    std::string out() const; // stdout so far
    std::string err() const; // stderr so far
    // For failure messages: the command line, stdout and stderr.
    std::string report() const;

  private:
    void drain(int out_fd, int err_fd);

    runtime::child_process process_;
    std::thread reader_;
    mutable std::mutex m_;
    std::condition_variable cv_;
    std::string out_, err_;
    bool out_closed_{false};
};

} // namespace mbus::test
