#pragma once
// A reader's end of an emulated wM-Bus stick's pty (receiver_system_test.cpp,
// wmbus_run_system_test.cpp): opened raw as wmbusmeters opens a stick (src/serial.cc), with helpers
// to read the iM871A's HCI frames.

#include <mbus/core/bytes.hpp>
#include <mbus/wmbus/im871a.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace mbus::test {

using namespace std::chrono_literals;

// A reader's end of the pty, plain POSIX as the readers have it.
class wmbus_pty_client {
  public:
    wmbus_pty_client(const std::string& path, speed_t speed) {
        fd_ = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK);
        REQUIRE_MESSAGE(fd_ >= 0, "cannot open ", path, ": ", std::strerror(errno));
        termios t{};
        REQUIRE(::tcgetattr(fd_, &t) == 0);
        ::cfmakeraw(&t);
        t.c_cflag |= CLOCAL | CREAD;
        ::cfsetispeed(&t, speed);
        ::cfsetospeed(&t, speed);
        REQUIRE(::tcsetattr(fd_, TCSANOW, &t) == 0);
    }
    wmbus_pty_client(const wmbus_pty_client&) = delete;
    wmbus_pty_client& operator=(const wmbus_pty_client&) = delete;
    ~wmbus_pty_client() { ::close(fd_); }

    void send(const bytes& b) { REQUIRE(::write(fd_, b.data(), b.size()) == static_cast<ssize_t>(b.size())); }

    // Reads until `n` bytes are there or the deadline passes.
    bytes read_exactly(std::size_t n, std::chrono::milliseconds limit = 5000ms) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (buf_.size() < n) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                until - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            byte tmp[512];
            const auto got = ::read(fd_, tmp, sizeof tmp);
            if (got > 0) buf_.insert(buf_.end(), tmp, tmp + got);
        }
        const auto take = std::min(n, buf_.size());
        bytes out(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(take));
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(take));
        return out;
    }

    // One HCI frame by its own length fields (SOF, control, id, length, payload, timestamp, RSSI, CRC).
    bytes hci_frame(std::chrono::milliseconds limit = 5000ms) {
        auto head = read_exactly(4, limit);
        REQUIRE_MESSAGE(head.size() == 4, "no HCI frame, got [", to_hex(head), "]");
        REQUIRE(head[0] == 0xA5);
        const std::size_t rest = head[3] + ((head[1] & 0x20) ? 4u : 0u) + ((head[1] & 0x40) ? 1u : 0u) +
                                 ((head[1] & 0x80) ? 2u : 0u);
        auto tail = read_exactly(rest, limit);
        head.insert(head.end(), tail.begin(), tail.end());
        return head;
    }
    // The next answer, setting aside telegram indications that came first (the stick pushes them at
    // any time, as a reader's loop expects).
    bytes hci_answer() {
        for (;;) {
            auto f = hci_frame();
            if (f[2] != wmbus::im871a::radiolink::wmbusmsg_ind || (f[1] & 0x0F) != 2) return f;
            indications.push_back(std::move(f));
        }
    }
    std::vector<bytes> indications;

  private:
    int fd_{-1};
    bytes buf_;
};

} // namespace mbus::test
