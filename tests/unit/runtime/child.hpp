#pragma once
// The built mbus-sim as a child process (runtime::child_process), for the tests of `mbus-sim run`: its
// stdout on a pipe (the readiness line is awaited with a deadline, never a sleep), its stderr in a
// file, stopped by its PID. Plus a blocking master over file descriptors, every read with a deadline.

#include "support/master_line.hpp"
#include "support/sim_exe.hpp"

#include <mbus/core/bytes.hpp>
#include <mbus/core/time.hpp>
#include <mbus/runtime/child_process.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace mbus::runtime_test {

class child {
  public:
    explicit child(std::vector<std::string> args, std::string exe = test::sim_exe());
    child(const child&) = delete;
    child& operator=(const child&) = delete;
    ~child(); // stops and reaps a child that still runs

    bool started() const { return process_.started(); }
    pid_t pid() const { return process_.pid(); }

    // The next line on stdout, without its newline; nullopt on deadline or end of stdout.
    std::optional<std::string> read_line(duration limit);
    // Everything else on stdout, once the child has exited.
    std::string rest_of_stdout();
    void signal(int sig) const;
    // The exit code (128 + signal when killed); nullopt if it still runs at the deadline.
    std::optional<int> wait_exit(duration limit);
    std::string err() const; // stderr so far

  private:
    std::string err_path_;
    runtime::child_process process_;
    std::string buffered_;
};

int tcp_connect(const std::string& host_port);
bool write_all(int fd, bytes_view data);
using mbus::test::read_frame_fd;

// What a command that ran to its end left: its exit code and both outputs.
struct outcome {
    int code{-1};
    std::string out;
    std::string err;
};
// `mbus-sim decode ARGS...`, to its end (10 s at most).
outcome run_decode(std::vector<std::string> args);

} // namespace mbus::runtime_test
