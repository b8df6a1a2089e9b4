#pragma once
// A child process as the simulator and its tests start one: posix_spawnp with the default signal mask
// and dispositions (whatever Asio or a test runner set up in the parent), optionally in a process
// group of its own so that a stop ends a shell and whatever it started, stdout and stderr inherited,
// discarded, piped to the parent or written to a file. Waits take a deadline; a stop is SIGTERM, then
// SIGKILL when the grace runs out. No Asio: a caller that waits for SIGCHLD calls try_wait().

#include <mbus/core/time.hpp>

#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <sys/types.h>

namespace mbus::runtime {

// Where one of the child's output streams goes.
enum class output {
    inherit,   // the parent's
    discard,   // /dev/null
    pipe,      // a pipe whose read end the parent holds (read_fd)
    to_stderr, // stdout only: where the child's stderr goes (after err is set up)
    file,      // stderr only: child_options::stderr_path, created or truncated
};

struct child_options {
    output out{output::inherit};
    output err{output::inherit};
    std::string stderr_path; // for err = output::file
    bool stdin_null{true};   // /dev/null, else the parent's stdin
    bool own_group{true};    // a process group of its own; signal() then reaches the whole group
};

// How the child ended.
struct exit_status {
    int code{0};   // exit status, or 128 + signal
    int signal{0}; // the signal that ended it; 0 when it exited
    friend bool operator==(const exit_status&, const exit_status&) = default;
};

class child_process {
  public:
    // Starts argv[0] (looked up in PATH) with argv; check started() and error().
    explicit child_process(std::vector<std::string> argv, child_options options = {});
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    // A child still running is stopped (stop with a 2 s grace); pipe ends are closed.
    ~child_process();

    bool started() const { return pid_ > 0; }
    // Why it did not start (errno of pipe or posix_spawnp), with error_message() naming the program.
    std::error_code error() const { return error_; }
    std::string error_message() const;
    pid_t pid() const { return pid_; }
    const std::vector<std::string>& argv() const { return argv_; }

    // The parent's end of the stdout or stderr pipe, -1 when not piped or released. The child_process
    // closes it unless the caller takes it with release_*_fd().
    int stdout_fd() const { return out_fd_; }
    int stderr_fd() const { return err_fd_; }
    int release_stdout_fd();
    int release_stderr_fd();

    // Reaps the child if it has ended; never blocks.
    std::optional<exit_status> try_wait();
    // Waits up to limit for the end (on a pidfd, no polling loop); nullopt while it still runs.
    std::optional<exit_status> wait(duration limit);
    // How it ended, once reaped.
    const std::optional<exit_status>& status() const { return status_; }

    // sig to the child's process group (own_group) or to the child. After the child was reaped the
    // group still gets it: what the child left running there goes with it.
    void signal(int sig) const;
    // SIGTERM, wait up to grace, then SIGKILL and reap. How it ended (the SIGKILL's 137 included);
    // nullopt only when it could not be reaped at all.
    std::optional<exit_status> stop(duration grace);

  private:
    std::vector<std::string> argv_;
    bool own_group_{true};
    pid_t pid_{-1};
    int out_fd_{-1};
    int err_fd_{-1};
    std::error_code error_;
    std::optional<exit_status> status_;
};

} // namespace mbus::runtime
