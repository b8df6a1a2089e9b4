#include "child.hpp"

#include <doctest/doctest.h>

#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace mbus::runtime_test {

namespace {

int remaining_ms(time_point end) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - clock::now()).count();
    return static_cast<int>(std::max<long long>(0, left));
}

} // namespace

namespace {

std::string fresh_err_path() {
    static int n = 0;
    return (std::filesystem::temp_directory_path() /
            ("mbus-run-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n) + ".err"))
        .string();
}

std::vector<std::string> command(std::string exe, std::vector<std::string> args) {
    args.insert(args.begin(), std::move(exe));
    return args;
}

runtime::child_options options(const std::string& err_path) {
    runtime::child_options o;
    o.out = runtime::output::pipe;
    o.err = runtime::output::file;
    o.stderr_path = err_path;
    return o;
}

} // namespace

child::child(std::vector<std::string> args, std::string exe)
    : err_path_(fresh_err_path()), process_(command(std::move(exe), std::move(args)), options(err_path_)) {}

child::~child() {
    process_.stop(std::chrono::seconds(2));
    std::filesystem::remove(err_path_);
}

std::optional<std::string> child::read_line(duration limit) {
    const auto end = clock::now() + limit;
    for (;;) {
        if (const auto nl = buffered_.find('\n'); nl != std::string::npos) {
            auto line = buffered_.substr(0, nl);
            buffered_.erase(0, nl + 1);
            return line;
        }
        pollfd p{process_.stdout_fd(), POLLIN, 0};
        if (::poll(&p, 1, remaining_ms(end)) <= 0) return std::nullopt;
        char buf[512];
        const auto n = ::read(process_.stdout_fd(), buf, sizeof buf);
        if (n <= 0) return std::nullopt;
        buffered_.append(buf, static_cast<std::size_t>(n));
    }
}

std::string child::rest_of_stdout() {
    std::string out = std::exchange(buffered_, {});
    pollfd p{process_.stdout_fd(), POLLIN, 0};
    char buf[512];
    while (::poll(&p, 1, 0) > 0) {
        const auto n = ::read(process_.stdout_fd(), buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

void child::signal(int sig) const {
    if (!process_.status()) process_.signal(sig);
}

std::optional<int> child::wait_exit(duration limit) {
    const auto s = process_.wait(limit);
    if (!s) return std::nullopt;
    return s->code;
}

std::string child::err() const {
    std::ifstream in(err_path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int tcp_connect(const std::string& host_port) {
    const auto colon = host_port.rfind(':');
    if (colon == std::string::npos) return -1;
    unsigned port = 0;
    const auto digits = host_port.substr(colon + 1);
    std::from_chars(digits.data(), digits.data() + digits.size(), port);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &sa.sin_addr) != 1) return -1;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool write_all(int fd, bytes_view data) {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return true;
}

outcome run_decode(std::vector<std::string> args) {
    args.insert(args.begin(), "decode");
    child c(std::move(args));
    REQUIRE(c.started());
    outcome o;
    o.code = c.wait_exit(std::chrono::seconds(10)).value_or(-1);
    o.out = c.rest_of_stdout();
    o.err = c.err();
    return o;
}

} // namespace mbus::runtime_test
