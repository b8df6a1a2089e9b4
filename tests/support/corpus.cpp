#include "corpus.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mbus::test {

std::optional<std::filesystem::path> corpus_dir() {
    static const std::optional<std::filesystem::path> dir = [] {
        std::filesystem::path p;
        if (const char* env = std::getenv("MBUS_CORPUS"); env != nullptr && *env != '\0')
            p = env;
        else
            p = std::filesystem::path(MBUS_SHARED_DIR) / "corpus";
        if (!std::filesystem::is_directory(p)) {
            std::fprintf(stderr,
                         "CORPUS MISSING: %s is not a folder. The corpus tests need ../shared/corpus beside "
                         "the checkout (or MBUS_CORPUS=path); they fail until it is there.\n",
                         p.string().c_str());
            return std::optional<std::filesystem::path>{};
        }
        return std::optional<std::filesystem::path>{std::filesystem::canonical(p)};
    }();
    return dir;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::filesystem::path> files_with_suffix(const std::filesystem::path& dir,
                                                     const std::string& suffix) {
    std::vector<std::filesystem::path> out;
    if (!std::filesystem::is_directory(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.size() >= suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace mbus::test
