#include <mbus/core/file.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mbus {

namespace {

std::string_view kind_of_file(mode_t mode) {
    if (S_ISDIR(mode)) return "a folder";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a file";
}

std::string size_text(std::uintmax_t n) {
    constexpr std::uintmax_t kib = 1024;
    char out[32];
    if (n >= kib * kib * kib)
        std::snprintf(out, sizeof out, "%.1f GiB",
                      static_cast<double>(n) / static_cast<double>(kib * kib * kib));
    else if (n >= kib * kib)
        std::snprintf(out, sizeof out, "%.1f MiB", static_cast<double>(n) / static_cast<double>(kib * kib));
    else
        return std::to_string(n) + " bytes";
    return out;
}

std::string limit_text(std::size_t limit) {
    return limit % (std::size_t{1} << 20) == 0 ? std::to_string(limit >> 20) + " MiB" : size_text(limit);
}

struct fd_closer {
    int fd;
    ~fd_closer() { ::close(fd); }
};

} // namespace

std::optional<std::string> read_small_file(const std::string& file, std::size_t limit, std::string_view what,
                                           std::string& error) {
    // Non-blocking: opening a FIFO for reading would wait for a writer. What was opened is checked
    // (fstat), not the name, so a file swapped after a check cannot slip through.
    const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        error = std::string("cannot read: ") + std::strerror(errno);
        return std::nullopt;
    }
    const fd_closer closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        error = std::string("cannot read: ") + std::strerror(errno);
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = "not a regular file (" + std::string(kind_of_file(st.st_mode)) + ")";
        return std::nullopt;
    }
    const auto too_big = [&](std::uintmax_t n) {
        error = "is " + size_text(n) + ", more than the " + limit_text(limit) + " " + std::string(what) +
                " may have";
    };
    if (static_cast<std::uintmax_t>(st.st_size) > limit) {
        too_big(static_cast<std::uintmax_t>(st.st_size));
        return std::nullopt;
    }
    // Read to the end, but never past the limit: the file may grow while it is read.
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    for (;;) {
        if (got == text.size()) {
            if (text.size() > limit) {
                too_big(text.size());
                return std::nullopt;
            }
            text.resize(std::min<std::size_t>(limit + 1, std::max<std::size_t>(4096, text.size() * 2)));
        }
        const auto n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = std::string("cannot read: ") + std::strerror(errno);
            return std::nullopt;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text;
}

} // namespace mbus
