#include "sim_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace mbus::test {

namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int remaining_ms(steady::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
}

} // namespace

std::optional<ready_line> parse_ready_line(const std::string& line) {
    std::istringstream in(line);
    std::string word;
    if (!(in >> word) || word != "ready") return std::nullopt;
    ready_line r;
    r.raw = line;
    while (in >> word) {
        const auto eq = word.find('=');
        if (eq == std::string::npos || eq == 0) return std::nullopt;
        r.fields[word.substr(0, eq)] = word.substr(eq + 1);
    }
    return r;
}

sim_process::sim_process(std::vector<std::string> args, std::string exe) {
    argv_.push_back(std::move(exe));
    for (auto& a : args)
        argv_.push_back(std::move(a));

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
        spawn_error_ = std::string("pipe: ") + std::strerror(errno);
        return;
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        spawn_error_ = std::string("pipe: ") + std::strerror(errno);
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    // The child must not inherit a blocked SIGTERM or an ignored one from the test runner.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    sigaddset(&term, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &term);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    for (auto& a : argv_)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        spawn_error_ = "cannot start " + argv_[0] + ": " + std::strerror(rc);
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        return;
    }
    pid_ = pid;
    reader_ = std::thread([this, o = out_pipe[0], e = err_pipe[0]] { drain(o, e); });
}

sim_process::~sim_process() {
    if (started() && !exit_code_) stop(std::chrono::seconds(5));
    if (reader_.joinable()) reader_.join();
}

void sim_process::drain(int out_fd, int err_fd) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            std::lock_guard lock(m_);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
                if (i == 0) out_closed_ = true;
            } else {
                (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
            }
        }
        cv_.notify_all();
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    std::lock_guard lock(m_);
    out_closed_ = true;
    cv_.notify_all();
}

std::optional<ready_line> sim_process::wait_ready(std::chrono::milliseconds limit) {
    if (!started()) return std::nullopt;
    std::unique_lock lock(m_);
    const bool have_line =
        cv_.wait_for(lock, limit, [&] { return out_.find('\n') != std::string::npos || out_closed_; });
    const auto nl = out_.find('\n');
    if (!have_line || nl == std::string::npos) return std::nullopt;
    return parse_ready_line(out_.substr(0, nl));
}

std::optional<int> sim_process::reap(std::chrono::milliseconds limit) {
    if (exit_code_) return exit_code_;
    const auto deadline = steady::now() + limit;
    // A pidfd becomes readable when the child exits: a wait with a deadline and no polling loop.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exit_code_ = decode_status(status);
            break;
        }
        if (r < 0 && errno != EINTR) break; // not our child any more
        const int left = remaining_ms(deadline);
        if (left == 0) break;
        if (pidfd >= 0) {
            pollfd p{pidfd, POLLIN, 0};
            ::poll(&p, 1, left);
        } else {
            // Kernels before 5.3 have no pidfd: check again shortly.
            ::poll(nullptr, 0, std::min(left, 10));
        }
    }
    if (pidfd >= 0) ::close(pidfd);
    return exit_code_;
}

std::optional<int> sim_process::wait_exit(std::chrono::milliseconds limit) {
    if (!started()) return std::nullopt;
    return reap(limit);
}

std::optional<int> sim_process::stop(std::chrono::milliseconds limit) {
    if (!started()) return std::nullopt;
    if (exit_code_) return exit_code_;
    ::kill(pid_, SIGTERM);
    if (auto code = reap(limit)) return code;
    ::kill(pid_, SIGKILL);
    reap(std::chrono::seconds(5));
    return std::nullopt;
}

void sim_process::finish_output() {
    if (reader_.joinable()) reader_.join();
}

std::string sim_process::out() const {
    std::lock_guard lock(m_);
    return out_;
}

std::string sim_process::err() const {
    std::lock_guard lock(m_);
    return err_;
}

std::string sim_process::report() const {
    std::string cmd;
    for (const auto& a : argv_)
        cmd += (cmd.empty() ? "" : " ") + a;
    std::lock_guard lock(m_);
    return "command: " + cmd + "\nstdout:\n" + out_ + "\nstderr:\n" + err_;
}

} // namespace mbus::test
