#include <mbus/scenario/detail/tables.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace mbus::scenario::detail {

std::unique_ptr<toml::table> parse_toml(sink& s, std::string_view text, const std::string& shown) {
    try {
        return std::make_unique<toml::table>(toml::parse(text, shown));
    } catch (const toml::parse_error& e) {
        auto where = e.source();
        // toml++ names the file it was given; keep that even if it left the path out.
        if (!where.path) where.path = std::make_shared<const std::string>(shown);
        s.error(where, {}, std::string(e.description()));
        return nullptr;
    }
}

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
    if (n >= kib * kib * kib) return fmt::format("{:.1f} GiB", static_cast<double>(n) / (kib * kib * kib));
    if (n >= kib * kib) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (kib * kib));
    return fmt::format("{} bytes", n);
}

struct fd_closer {
    int fd;
    ~fd_closer() { ::close(fd); }
};

} // namespace

std::optional<std::string> read_text(const std::string& file, std::string_view what, std::string& error) {
    // Non-blocking: opening a FIFO for reading would wait for a writer. What was opened is checked
    // (fstat), not the name, so a file swapped after a check cannot slip through.
    const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        error = fmt::format("cannot read: {}", std::strerror(errno));
        return std::nullopt;
    }
    const fd_closer closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        error = fmt::format("cannot read: {}", std::strerror(errno));
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = fmt::format("not a regular file ({})", kind_of_file(st.st_mode));
        return std::nullopt;
    }
    const auto too_big = [&](std::uintmax_t n) {
        error =
            fmt::format("is {}, more than the {} MiB {} may have", size_text(n), max_file_size >> 20, what);
    };
    if (static_cast<std::uintmax_t>(st.st_size) > max_file_size) {
        too_big(static_cast<std::uintmax_t>(st.st_size));
        return std::nullopt;
    }
    // Read to the end, but never past the limit: the file may grow while it is read.
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    for (;;) {
        if (got == text.size()) {
            if (text.size() > max_file_size) {
                too_big(text.size());
                return std::nullopt;
            }
            text.resize(
                std::min<std::size_t>(max_file_size + 1, std::max<std::size_t>(4096, text.size() * 2)));
        }
        const auto n = ::read(fd, text.data() + got, text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = fmt::format("cannot read: {}", std::strerror(errno));
            return std::nullopt;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text;
}

std::string canonical_name(const std::string& file) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(file, ec);
    return ec ? std::filesystem::path(file).lexically_normal().string() : p.string();
}

const toml::table* model_store::get(sink& s, const toml::node& at, const std::string& path,
                                    const std::string& from, const std::string& name, std::string& shown) {
    shown = (std::filesystem::path(from).parent_path() / name).lexically_normal().string();
    const auto key = canonical_name(shown);
    if (const auto it = cache_.find(key); it != cache_.end()) {
        if (!it->second) s.error(at, path, fmt::format("model \"{}\" cannot be used (see above)", shown));
        return it->second.get();
    }
    std::string error;
    const auto text = read_text(shown, "a model", error);
    if (!text) {
        s.error(at, path, fmt::format("model \"{}\": {}", shown, error));
        cache_[key] = nullptr;
        return nullptr;
    }
    auto table = parse_toml(s, *text, shown);
    const auto* out = table.get();
    cache_[key] = std::move(table);
    return out;
}

} // namespace mbus::scenario::detail
