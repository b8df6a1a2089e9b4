#pragma once
// A fresh folder for the files of one test (a scenario, its models, a symlink), removed with them when
// the object goes. Named by mkdtemp, so tests running at once never share one.

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace mbus::test {

class temp_dir {
  public:
    // The folder is <temp>/<prefix>-XXXXXX.
    explicit temp_dir(std::string_view prefix = "mbus-test") {
        auto tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        REQUIRE_MESSAGE(::mkdtemp(tmpl.data()) != nullptr, "cannot make a folder like ", tmpl);
        dir_ = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& dir() const { return dir_; }

    // Writes `text` to `name` (which may hold folders) under the folder; returns its path.
    std::filesystem::path write(const std::string& name, const std::string& text) const {
        const auto p = dir_ / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream out(p, std::ios::binary);
        out << text;
        REQUIRE_MESSAGE(out.good(), "cannot write ", p.string());
        return p;
    }

  private:
    std::filesystem::path dir_;
};

// A scenario file of the test's own, scenario.toml in a temp_dir.
class temp_scenario {
  public:
    temp_scenario(const std::string& name, const std::string& toml)
        : dir_("mbus-scenario-" + name), path_(dir_.write("scenario.toml", toml)) {}
    const std::filesystem::path& path() const { return path_; }

  private:
    temp_dir dir_;
    std::filesystem::path path_;
};

} // namespace mbus::test
