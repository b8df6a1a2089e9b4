#include "sim_process.hpp"

#include <cerrno>
#include <csignal>
#include <sstream>

#include <poll.h>
#include <unistd.h>

namespace mbus::test {

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

namespace {

std::vector<std::string> command(std::string exe, std::vector<std::string> args) {
    args.insert(args.begin(), std::move(exe));
    return args;
}

runtime::child_options piped() {
    runtime::child_options o;
    o.out = runtime::output::pipe;
    o.err = runtime::output::pipe;
    return o;
}

std::optional<int> code_of(const std::optional<runtime::exit_status>& s) {
    if (!s) return std::nullopt;
    return s->code;
}

} // namespace

sim_process::sim_process(std::vector<std::string> args, std::string exe)
    : process_(command(std::move(exe), std::move(args)), piped()) {
    if (!process_.started()) return;
    reader_ = std::thread(
        [this, o = process_.release_stdout_fd(), e = process_.release_stderr_fd()] { drain(o, e); });
}

sim_process::~sim_process() {
    stop(std::chrono::seconds(5));
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

std::optional<int> sim_process::wait_exit(std::chrono::milliseconds limit) {
    return code_of(process_.wait(limit));
}

std::optional<int> sim_process::stop(std::chrono::milliseconds limit) {
    if (!started()) return std::nullopt;
    if (process_.status()) return process_.status()->code;
    process_.signal(SIGTERM);
    if (auto code = code_of(process_.wait(limit))) return code;
    process_.stop(std::chrono::seconds(0)); // SIGKILL: a simulator that had to be killed did not stop
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
    for (const auto& a : process_.argv())
        cmd += (cmd.empty() ? "" : " ") + a;
    std::lock_guard lock(m_);
    return "command: " + cmd + "\nstdout:\n" + out_ + "\nstderr:\n" + err_;
}

} // namespace mbus::test
