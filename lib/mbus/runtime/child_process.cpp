#include <mbus/runtime/child_process.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mbus::runtime {

namespace {

exit_status decode(int status) {
    if (WIFSIGNALED(status)) return {128 + WTERMSIG(status), WTERMSIG(status)};
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0};
}

int remaining_ms(time_point end) {
    // Rounded up: a wait never ends before its deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000'000));
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// Both ends of a pipe, closed on exec; the child gets the write end by dup2.
struct pipe_pair {
    int read{-1};
    int write{-1};
    ~pipe_pair() {
        close_fd(read);
        close_fd(write);
    }
};

} // namespace

child_process::child_process(std::vector<std::string> argv, child_options options)
    : argv_(std::move(argv)), own_group_(options.own_group) {
    if (argv_.empty()) {
        error_ = std::make_error_code(std::errc::invalid_argument);
        return;
    }
    pipe_pair out, err;
    int fds[2];
    if (options.out == output::pipe) {
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            error_ = {errno, std::generic_category()};
            return;
        }
        out.read = fds[0];
        out.write = fds[1];
    }
    if (options.err == output::pipe) {
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            error_ = {errno, std::generic_category()};
            return;
        }
        err.read = fds[0];
        err.write = fds[1];
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (options.stdin_null)
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    // stderr first: stdout's to_stderr goes where the child's stderr goes, a file or pipe included.
    switch (options.err) {
    case output::discard:
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        break;
    case output::pipe: posix_spawn_file_actions_adddup2(&actions, err.write, STDERR_FILENO); break;
    case output::file:
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options.stderr_path.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        break;
    case output::inherit:
    case output::to_stderr: break;
    }

    switch (options.out) {
    case output::discard:
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        break;
    case output::pipe: posix_spawn_file_actions_adddup2(&actions, out.write, STDOUT_FILENO); break;
    case output::to_stderr: posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO); break;
    case output::inherit:
    case output::file: break;
    }
    // The child starts with the default signal mask and dispositions, whatever the parent set up.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_group_) {
        posix_spawnattr_setpgroup(&attr, 0);
        flags = static_cast<short>(flags | POSIX_SPAWN_SETPGROUP);
    }
    posix_spawnattr_setflags(&attr, flags);

    std::vector<char*> args;
    for (auto& a : argv_)
        args.push_back(a.data());
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        error_ = {rc, std::generic_category()};
        return;
    }
    pid_ = pid;
    out_fd_ = std::exchange(out.read, -1);
    err_fd_ = std::exchange(err.read, -1);
}

child_process::~child_process() {
    if (started() && !status_) stop(std::chrono::seconds(2));
    close_fd(out_fd_);
    close_fd(err_fd_);
}

std::string child_process::error_message() const {
    if (!error_) return {};
    return "cannot start " + (argv_.empty() ? std::string("an empty command") : argv_.front()) + ": " +
           error_.message();
}

int child_process::release_stdout_fd() { return std::exchange(out_fd_, -1); }
int child_process::release_stderr_fd() { return std::exchange(err_fd_, -1); }

std::optional<exit_status> child_process::try_wait() {
    if (status_ || !started()) return status_;
    int st = 0;
    pid_t r = -1;
    do
        r = ::waitpid(pid_, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == pid_) status_ = decode(st);
    return status_;
}

std::optional<exit_status> child_process::wait(duration limit) {
    if (status_ || !started()) return status_;
    const auto end = clock::now() + limit;
    // A pidfd becomes readable when the child exits: a wait with a deadline and no polling loop.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    while (!try_wait()) {
        const int left = remaining_ms(end);
        if (left == 0) break;
        if (pidfd >= 0) {
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, left);
        } else {
            ::poll(nullptr, 0, std::min(left, 10)); // kernels before 5.3 have no pidfd
        }
    }
    if (pidfd >= 0) ::close(pidfd);
    return status_;
}

void child_process::signal(int sig) const {
    if (!started()) return;
    if (own_group_)
        ::kill(-pid_, sig);
    else if (!status_)
        ::kill(pid_, sig);
}

std::optional<exit_status> child_process::stop(duration grace) {
    if (status_ || !started()) return status_;
    signal(SIGTERM);
    if (auto s = wait(grace)) return s;
    signal(SIGKILL);
    return wait(std::chrono::seconds(5));
}

} // namespace mbus::runtime
