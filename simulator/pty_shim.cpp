#include "pty_shim.hpp"

#include <filesystem>
#include <system_error>

#include <unistd.h>

namespace mbus::cli {

namespace fs = std::filesystem;

pty_shim_lookup find_pty_shim() {
    pty_shim_lookup r;
    std::error_code ec;
    // /proc/self/exe, not argv[0]: a binary found through PATH or a symbolic link still finds its own
    // folder.
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        r.looked.push_back("/proc/self/exe (" + ec.message() + ")");
        return r;
    }
    const fs::path dir = exe.parent_path();
    for (const fs::path& candidate :
         {dir / MBUS_PTY_SHIM_FILE, dir / MBUS_PTY_SHIM_FROM_BIN / MBUS_PTY_SHIM_FILE}) {
        const fs::path p = candidate.lexically_normal();
        r.looked.push_back(p.string());
        if (fs::is_regular_file(p, ec)) {
            r.path = p.string();
            return r;
        }
    }
    return r;
}

std::string prepend_preload(const std::string& shim, const char* current) {
    if (current == nullptr || *current == '\0') return shim;
    return shim + ':' + current;
}

std::string asan_options_for_preload(const char* current) {
    const std::string opts = current == nullptr ? "" : current;
    if (opts.find("verify_asan_link_order") != std::string::npos) return opts;
    return opts.empty() ? "verify_asan_link_order=0" : opts + ":verify_asan_link_order=0";
}

} // namespace mbus::cli
