#include <mbus/core/file.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

namespace {

// A folder of its own under the temporary folder, removed at the end.
struct scratch {
    std::filesystem::path dir;
    scratch() {
        std::string t = (std::filesystem::temp_directory_path() / "mbus-file-XXXXXX").string();
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        dir = t;
    }
    ~scratch() { std::filesystem::remove_all(dir); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return (dir / name).string();
    }
};

} // namespace

TEST_CASE("read_small_file reads a regular file whole") {
    const scratch s;
    std::string error;
    const auto text = mbus::read_small_file(s.write("a.toml", "name = \"x\"\n"), 100, "a scenario", error);
    REQUIRE(text);
    CHECK(*text == "name = \"x\"\n");
    CHECK(error.empty());
}

TEST_CASE("read_small_file names what is wrong with a missing file a folder a FIFO and a big file") {
    const scratch s;
    std::string error;
    CHECK_FALSE(mbus::read_small_file((s.dir / "none").string(), 100, "a scenario", error));
    CHECK(error == "cannot read: No such file or directory");

    CHECK_FALSE(mbus::read_small_file(s.dir.string(), 100, "a scenario", error));
    CHECK(error == "not a regular file (a folder)");

    const auto fifo = (s.dir / "fifo").string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK_FALSE(mbus::read_small_file(fifo, 100, "a scenario", error)); // returns: never waits for a writer
    CHECK(error == "not a regular file (a FIFO)");

    CHECK_FALSE(mbus::read_small_file(s.write("big", std::string(101, 'x')), 100, "a state file", error));
    CHECK(error == "is 101 bytes, more than the 100 bytes a state file may have");

    CHECK_FALSE(mbus::read_small_file(s.write("huge", std::string((3u << 20) / 2, 'x')), std::size_t{1} << 20,
                                      "a scenario", error));
    CHECK(error == "is 1.5 MiB, more than the 1 MiB a scenario may have");
}
