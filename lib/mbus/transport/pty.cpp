#include <mbus/transport/pty.hpp>

#include <mbus/transport/stream_io.hpp>
#include <mbus/transport/termios_speed.hpp>
#include <mbus/transport/termios_watch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <vector>

namespace mbus::transport {

namespace {

namespace fs = std::filesystem;

std::error_code last_os_error() { return {errno, std::system_category()}; }

// Bytes a master may write before anyone reads them; more is an overrun.
constexpr std::size_t inbox_limit = 64 * 1024;

// Speeds no M-Bus master uses; the slave sits at one of them between a master's settings, so that any
// master's request changes the speed and passes glibc's "did anything change" check.
constexpr speed_t marker_a = B50;
constexpr speed_t marker_b = B75;

bool at_marker(const termios& t) {
    const speed_t s = cfgetospeed(&t);
    return (s == marker_a || s == marker_b) && (t.c_lflag & EXTPROC) != 0;
}

// Wakes one waiter: the waiter parks on a timer that never expires, and notify() cancels it.
// Returns false when the waiter itself was cancelled (a deadline or a parallel group).
asio::awaitable<bool> wait_signal(asio::steady_timer& t) {
    t.expires_at(asio::steady_timer::time_point::max());
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    auto cs = co_await asio::this_coro::cancellation_state;
    co_return cs.cancelled() == asio::cancellation_type::none;
}

std::error_code make_link(const std::string& link, const std::string& target) {
    std::error_code ec;
    const auto st = fs::symlink_status(link, ec);
    if (fs::exists(st) && !fs::is_symlink(st)) return errc::link_in_the_way;
    // Made under a temporary name and renamed over the old link, so the path never dangles.
    const std::string tmp = fmt::format("{}.tmp{}", link, ::getpid());
    fs::remove(tmp, ec);
    fs::create_symlink(target, tmp, ec);
    if (ec) return ec;
    fs::rename(tmp, link, ec);
    if (ec) fs::remove(tmp, ec);
    return ec;
}

} // namespace

struct pty::state {
    state(const asio::any_io_executor& ex, int master_fd)
        : executor(ex), master(ex, master_fd), data_signal(ex), line_signal(ex) {}

    asio::any_io_executor executor;
    std::weak_ptr<state> self; // for handlers the watch threads post

    asio::posix::stream_descriptor master;
    int slave_fd = -1;
    std::string slave_path;
    std::string link_path;

    std::vector<byte> inbox;
    std::size_t inbox_pos = 0;
    std::uint64_t overrun = 0;
    std::error_code error; // why the stream ended; reads return it once the inbox is empty
    asio::steady_timer data_signal;

    line_settings line; // what the io_context thread has published
    std::function<void(const line_settings&)> on_change;
    asio::steady_timer line_signal;

    // Shared with the watch threads.
    std::mutex observe_mutex;
    line_settings observed;    // under observe_mutex: every master change seen so far
    speed_t marker = marker_a; // under observe_mutex

    line_guard guard = line_guard::reader;
    std::unique_ptr<detail::termios_watch> watch; // last: stopped before anything it uses goes

    void take(std::span<const byte> data) {
        if (inbox_pos == inbox.size()) {
            inbox.clear();
            inbox_pos = 0;
        }
        const std::size_t room = inbox_limit - std::min(inbox_limit, inbox.size() - inbox_pos);
        const std::size_t n = std::min(room, data.size());
        inbox.insert(inbox.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
        overrun += data.size() - n;
        data_signal.cancel();
    }

    void end(std::error_code ec) {
        if (!error) error = ec;
        data_signal.cancel();
        line_signal.cancel();
    }

    // A master called tcsetattr (or we did). Record what it set, then move the speed away so that the
    // same request next time is a change again. Runs on a watch thread, or on the io_context thread
    // when the reader hears of the change first. Returns whether it saw a master's change.
    bool observe() {
        termios t{};
        // Looked at first without the lock: this read waits while a master's call is in progress, and
        // a watch thread waiting here must not hold up the one on the master's CPU.
        if (slave_fd < 0 || ::tcgetattr(slave_fd, &t) != 0 || at_marker(t)) return false;
        std::lock_guard lock(observe_mutex);
        if (::tcgetattr(slave_fd, &t) != 0 || at_marker(t)) return false; // another thread has just reset it
        observed.baud = baud_of(cfgetospeed(&t));
        observed.raw = is_raw(t);
        ++observed.changes;
        // Alternating markers: glibc compares the settings before and after the master's call, and our
        // reset usually lands in between (that is what the watch threads are for); with one marker
        // both would read the same.
        marker = marker == marker_a ? marker_b : marker_a;
        cfsetispeed(&t, marker);
        cfsetospeed(&t, marker);
        t.c_lflag |= EXTPROC; // keeps the kernel telling our reader about the next change
        ::tcsetattr(slave_fd, TCSANOW, &t);
        // A serial port that nobody has open drops what arrives, so a master that has just opened and
        // configured the line never reads a late reply meant for the program before it. A pty keeps
        // it (we hold the slave open), so drop it here.
        ::tcflush(slave_fd, TCIFLUSH);
        return true;
    }

    // On the io_context thread: make what was observed visible to line(), the hook and the waiters.
    // Several quick changes may arrive as one.
    void publish() {
        line_settings now;
        {
            std::lock_guard lock(observe_mutex);
            now = observed;
        }
        if (now.changes == line.changes) return;
        line = now;
        if (on_change) on_change(line);
        line_signal.cancel();
    }

    void check_line() {
        observe();
        publish();
    }

    void start_watch(bool realtime) {
        watch = detail::termios_watch::start(
            slave_fd,
            [this] {
                if (observe())
                    asio::post(executor, [w = self] {
                        if (auto s = w.lock()) s->publish();
                    });
            },
            realtime);
        if (watch) guard = watch->guard();
    }

    void close() {
        if (slave_fd < 0) return;
        watch.reset(); // joins the threads, which use slave_fd
        guard = line_guard::reader;
        boost::system::error_code ignored;
        master.close(ignored);
        ::close(slave_fd);
        slave_fd = -1;
        if (!link_path.empty()) {
            std::error_code ec;
            if (fs::read_symlink(link_path, ec) == fs::path(slave_path)) fs::remove(link_path, ec);
        }
        on_change = nullptr;
        end(errc::closed);
    }
};

namespace {

// Reads the master side all the time, not only while a session waits in read_some, so that line
// changes are seen (and the speed moved away) at once, even while a reply is being paced.
asio::awaitable<void> run_reader(std::shared_ptr<pty::state> s) {
    std::array<byte, 4096 + 1> buf{}; // packet mode: a status byte, then the data
    for (;;) {
        auto [ec, n] =
            co_await s->master.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
        if (ec) {
            s->end(ec == asio::error::operation_aborted ? std::error_code(errc::closed) : detail::to_std(ec));
            co_return;
        }
        if (n == 0) { // end of file: cannot happen while we hold the slave, and must not spin if it does
            s->end(errc::closed);
            co_return;
        }
        if (buf[0] == TIOCPKT_DATA)
            s->take(std::span<const byte>(buf).subspan(1, n - 1));
        else if ((buf[0] & TIOCPKT_IOCTL) != 0)
            s->check_line();
    }
}

} // namespace

open_result<pty> pty::open(const asio::any_io_executor& ex, const pty_options& options) {
    auto fail = [](std::error_code ec, std::string message) {
        return open_result<pty>{nullptr, ec, std::move(message)};
    };
    const int m = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) {
        auto ec = last_os_error();
        return fail(ec, fmt::format("cannot create a pty: {}", ec.message()));
    }
    auto s = std::make_shared<state>(ex, m); // owns m from here
    s->self = s;
    std::array<char, 128> name{};
    if (::grantpt(m) != 0 || ::unlockpt(m) != 0 || ::ptsname_r(m, name.data(), name.size()) != 0) {
        auto ec = last_os_error();
        return fail(ec, fmt::format("cannot set up a pty: {}", ec.message()));
    }
    s->slave_path = name.data();
    // Held for the life of the pty: without it, each time a master closes the device our side would
    // read EIO until someone opens it again.
    s->slave_fd = ::open(s->slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s->slave_fd < 0) {
        auto ec = last_os_error();
        return fail(ec, fmt::format("cannot open {}: {}", s->slave_path, ec.message()));
    }
    termios t{};
    ::tcgetattr(s->slave_fd, &t);
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, marker_a);
    cfsetospeed(&t, marker_a);
    t.c_lflag |= EXTPROC; // with packet mode: the kernel reports each tcsetattr on the slave
    int one = 1;
    if (::tcsetattr(s->slave_fd, TCSANOW, &t) != 0 || ::ioctl(m, TIOCPKT, &one) != 0) {
        auto ec = last_os_error();
        s->close();
        return fail(ec, fmt::format("cannot configure {}: {}", s->slave_path, ec.message()));
    }
    boost::system::error_code bec;
    s->master.non_blocking(true, bec);
    if (!options.link.empty()) {
        if (auto ec = make_link(options.link, s->slave_path)) {
            s->close();
            return fail(ec,
                        fmt::format("cannot link {} to {}: {}", options.link, s->slave_path, ec.message()));
        }
        s->link_path = options.link;
    }
    s->start_watch(options.realtime);
    asio::co_spawn(ex, run_reader(s), asio::detached);
    return open_result<pty>{std::unique_ptr<pty>(new pty(std::move(s))), {}, {}};
}

pty::pty(std::shared_ptr<state> s) : s_(std::move(s)) {}

pty::~pty() { close(); }

asio::awaitable<std::pair<std::error_code, std::size_t>> pty::read_some(std::span<byte> buf) {
    auto s = s_;
    for (;;) {
        if (s->inbox_pos < s->inbox.size()) {
            const std::size_t n = std::min(buf.size(), s->inbox.size() - s->inbox_pos);
            std::copy_n(s->inbox.begin() + static_cast<std::ptrdiff_t>(s->inbox_pos), n, buf.begin());
            s->inbox_pos += n;
            co_return std::pair{std::error_code{}, n};
        }
        if (s->error) co_return std::pair{s->error, std::size_t{0}};
        if (!co_await wait_signal(s->data_signal))
            co_return std::pair{std::make_error_code(std::errc::operation_canceled), std::size_t{0}};
    }
}

asio::awaitable<std::error_code> pty::write(bytes_view data) {
    auto s = s_;
    if (s->error) co_return s->error;
    co_return co_await detail::write_all(s->master, data);
}

std::string pty::describe() const {
    if (s_->link_path.empty()) return fmt::format("pty {}", s_->slave_path);
    return fmt::format("pty {} ({})", s_->slave_path, s_->link_path);
}

unsigned pty::baud() const { return s_->line.baud; }

void pty::close() { s_->close(); }

const std::string& pty::slave_path() const noexcept { return s_->slave_path; }

const std::string& pty::link_path() const noexcept { return s_->link_path; }

line_settings pty::line() const noexcept { return s_->line; }

line_guard pty::guard() const noexcept { return s_->guard; }

void pty::on_line_change(std::function<void(const line_settings&)> fn) { s_->on_change = std::move(fn); }

asio::awaitable<line_settings> pty::wait_line_change(std::uint64_t seen) {
    auto s = s_;
    while (s->line.changes <= seen && !s->error)
        if (!co_await wait_signal(s->line_signal)) break;
    co_return s->line;
}

std::uint64_t pty::overrun() const noexcept { return s_->overrun; }

} // namespace mbus::transport
