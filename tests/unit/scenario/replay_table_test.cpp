// [[replay]] tables (scenario/detail/replay_tables.hpp): the file read at load time, its problems named
// with the file's own line and column.

#include <doctest/doctest.h>

#include <mbus/scenario/load.hpp>

#include "support/temp_dir.hpp"

#include <sstream>
#include <string>

using namespace mbus;
using capture::micros;

namespace {

std::string errors_of(const scenario::load_result& r) {
    std::ostringstream os;
    for (const auto& d : r.errors)
        os << to_string(d) << '\n';
    return os.str();
}

const std::string capture_text = "# mbus-sim capture 1\n"
                                 "# source: tcp:127.0.0.1:5000\n"
                                 "0.500000 7E A0 05 41 08 83 7E\n"
                                 "2.500000 7E A0 05 41 08 93 7E\n"
                                 "# end: 4.000000 s, 2 chunks, 14 bytes\n";

} // namespace

TEST_CASE("a [[replay]] of a capture loads its chunks and settings") {
    test::temp_dir d("replay");
    d.write("caps/push.cap", capture_text);
    const auto file = d.write("scenario.toml", R"([[replay]]
name = "kaifa-bench"
file = "caps/push.cap"
speed = 10
loop = true
)");
    const auto r = scenario::load(file);
    REQUIRE_MESSAGE(r, errors_of(r));
    REQUIRE(r.value->replays.size() == 1);
    CHECK(r.value->meters.empty());
    const auto& p = r.value->replays[0];
    CHECK(p.name == "kaifa-bench");
    CHECK(p.file == (d.dir() / "caps/push.cap").string());
    CHECK(p.format == capture::replay_format::capture);
    CHECK(p.speed == 10);
    CHECK(p.loop);
    REQUIRE(p.chunks.size() == 2);
    CHECK(p.chunks[1] == capture::chunk{micros{2'500'000}, {0x7E, 0xA0, 0x05, 0x41, 0x08, 0x93, 0x7E}});
    CHECK(p.end == micros{4'000'000});
    std::ostringstream os;
    os << r;
    CHECK(os.str() == file.string() + ": ok, replay kaifa-bench (capture, 2 chunks, 14 bytes)");
}

TEST_CASE("a [[replay]] of a hex dump by frames and of a HANmeter log") {
    test::temp_dir d("replay");
    d.write("dump.txt", "# two frames over three lines\n7E A0 05 41\n08 83 7E 7E A0 05\n41 08 93 7E\n");
    d.write("han.log", std::string("\x7E\xA0\x05\x41\x08\x83\x7E\x00", 8));
    const auto file = d.write("s.toml", R"([[replay]]
file = "dump.txt"
format = "hex"
split = "frames"
interval = "2.5s"
)");
    const auto r = scenario::load(file);
    REQUIRE_MESSAGE(r, errors_of(r));
    const auto& p = r.value->replays.at(0);
    CHECK(p.name == "replay1");
    REQUIRE(p.chunks.size() == 2);
    CHECK(p.chunks[0].data == bytes{0x7E, 0xA0, 0x05, 0x41, 0x08, 0x83, 0x7E});
    CHECK(p.interval == micros{2'500'000});

    const auto f2 = d.write("h.toml", "[[replay]]\nfile = \"han.log\"\nformat = \"hanmeter\"\n");
    const auto h = scenario::load(f2);
    REQUIRE_MESSAGE(h, errors_of(h));
    REQUIRE(h.value->replays.at(0).chunks.size() == 2); // the frame, then the byte after it
    CHECK(h.value->replays.at(0).chunks[1].data == bytes{0x00});
}

TEST_CASE("a [[replay]] reports a bad capture line at its place in the capture") {
    test::temp_dir d("replay");
    d.write("bad.cap", "# mbus-sim capture 1\n0.5 7E\n0.7 7E QQ\n");
    const auto file = d.write("s.toml", "[[replay]]\nfile = \"bad.cap\"\n");
    const auto r = scenario::load(file);
    REQUIRE_FALSE(r);
    CHECK(errors_of(r).find((d.dir() / "bad.cap").string() + ":3:5: replay[0].file: the bytes are not hex") !=
          std::string::npos);
}

TEST_CASE("[[replay]] settings are checked with file line and column") {
    test::temp_dir d("replay");
    d.write("c.cap", capture_text);
    const auto file = d.write("s.toml", R"([[replay]]
file = "c.cap"
speed = 0
interval = "1s"
format = "pcap"
loops = true
)");
    const auto e = errors_of(scenario::load(file));
    CHECK(e.find("s.toml:3:9: replay[0].speed: 0 is not a speed") != std::string::npos);
    CHECK(e.find("s.toml:5:10: replay[0].format:") != std::string::npos);
    CHECK(e.find("s.toml:6:1: replay[0].loops: unknown key") != std::string::npos);

    const auto f2 = d.write("m.toml", "[[replay]]\nfile = \"missing.cap\"\n");
    CHECK(errors_of(scenario::load(f2)).find("m.toml:2:8: replay[0].file:") != std::string::npos);
    const auto f3 = d.write("x.toml", "[[replay]]\nfile = \"c.cap\"\ninterval = \"1s\"\n");
    CHECK(errors_of(scenario::load(f3)).find("x.toml:3:12: replay[0].interval: a capture keeps the times") !=
          std::string::npos);
    const auto f4 =
        d.write("y.toml", "[[replay]]\nfile = \"c.cap\"\n[[han_meter]]\nmake = \"Kaifa\"\npower = 1\n");
    CHECK(errors_of(scenario::load(f4)).find("replay: a scenario has [[replay]]s") != std::string::npos);
    const auto f5 = d.write("z.toml", "[[replay]]\nname = \"a\"\n");
    CHECK(errors_of(scenario::load(f5)).find("z.toml:1:1: replay[0]: a replay needs a file") !=
          std::string::npos);
}
