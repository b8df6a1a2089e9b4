// mbus-sim's capture file (capture/capture_file.hpp): what record writes, read back; bad lines named.

#include <doctest/doctest.h>

#include <mbus/capture/capture_file.hpp>

#include <sstream>

using namespace mbus;
using capture::micros;

TEST_CASE("a capture written is read back with its header chunks and end") {
    std::ostringstream os;
    capture::capture_writer w(os, {"tcp:127.0.0.1:5000", "", "2026-12-06T22:00:00.000001Z"});
    const bytes frame{0x7E, 0xA0, 0x08, 0x01, 0x02, 0x03, 0x7E}; // flag, format, length, ..., flag
    w.write(micros{812'345}, frame);
    w.write(micros{812'345}, bytes{0x00}); // the same time twice: two reads in one tick
    w.write(micros{2'000'000}, bytes{});   // an empty read writes nothing
    w.write(micros{12'000'001}, bytes{0xFF, 0x10});
    w.finish(micros{15'500'000});
    w.finish(micros{99'000'000}); // once only
    CHECK(w.chunks() == 3);
    CHECK(w.bytes_written() == 10);
    CHECK(os.str() == "# mbus-sim capture 1\n"
                      "# source: tcp:127.0.0.1:5000\n"
                      "# start: 2026-12-06T22:00:00.000001Z\n"
                      "0.812345 7E A0 08 01 02 03 7E\n"
                      "0.812345 00\n"
                      "12.000001 FF 10\n"
                      "# end: 15.500000 s, 3 chunks, 10 bytes\n");

    const auto r = capture::read_capture(os.str());
    CHECK(r.problems.empty());
    CHECK(r.header == capture::capture_header{"tcp:127.0.0.1:5000", "", "2026-12-06T22:00:00.000001Z"});
    REQUIRE(r.chunks.size() == 3);
    CHECK(r.chunks[0] == capture::chunk{micros{812'345}, frame});
    CHECK(r.chunks[1] == capture::chunk{micros{812'345}, bytes{0x00}});
    CHECK(r.chunks[2] == capture::chunk{micros{12'000'001}, bytes{0xFF, 0x10}});
    CHECK(r.end == micros{15'500'000});
}

TEST_CASE("a capture cut short by a kill reads up to its last whole line") {
    const auto r = capture::read_capture("# mbus-sim capture 1\n"
                                         "# line: 2400 8E1\n"
                                         "1.5 7E A0\n"
                                         "2 01 02\r\n" // CRLF and fewer decimals are fine
                                         "3.25 0");    // the last line, cut in a byte
    CHECK(r.header.line == "2400 8E1");
    REQUIRE(r.chunks.size() == 3);
    CHECK(r.chunks[0].at == micros{1'500'000});
    CHECK(r.chunks[1].at == micros{2'000'000});
    CHECK(r.chunks[1].data == bytes{0x01, 0x02});
    CHECK(r.chunks[2].data == bytes{0x00}); // a lone digit is a byte, as from_hex reads dumps
    CHECK_FALSE(r.end);
}

TEST_CASE("malformed capture lines are reported with their line and column") {
    const auto r = capture::read_capture("# mbus-sim capture 1\n" // 1
                                         "0.1 7E\n"               // 2 fine
                                         "x.5 7E\n"               // 3 not a time
                                         "0.2 7G 01\n"            // 4 not hex
                                         "0.05 01\n"              // 5 goes back
                                         "0.3\n"                  // 6 no bytes
                                         "  0.4 0A 0B\n"          // 7 fine, indented
                                         "1.1234567 01\n"         // 8 more than microseconds
                                         "# end: soon\n");        // 9 not seconds
    REQUIRE(r.problems.size() == 6);
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].column == 1);
    CHECK(r.problems[0].message.find("\"x.5\" is not a time") != std::string::npos);
    CHECK(r.problems[1].line == 4);
    CHECK(r.problems[1].column == 5);
    CHECK(r.problems[1].message.find("not hex") != std::string::npos);
    CHECK(r.problems[2].line == 5);
    CHECK(r.problems[2].message.find("goes back") != std::string::npos);
    CHECK(r.problems[3].line == 6);
    CHECK(r.problems[3].message == "no bytes after the time");
    CHECK(r.problems[4].line == 8);
    CHECK(r.problems[5].line == 9);
    CHECK(r.problems[5].column == 8);
    REQUIRE(r.chunks.size() == 2); // the good lines are kept
    CHECK(r.chunks[1] == capture::chunk{micros{400'000}, bytes{0x0A, 0x0B}});
}

TEST_CASE("a file that is not a capture says so on its first line") {
    const auto r = capture::read_capture("7E A0 08\n0.1 7E\n");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 1);
    CHECK(r.problems[0].message.find("not an mbus-sim capture") != std::string::npos);
    CHECK(r.chunks.empty());
    const auto empty = capture::read_capture("");
    REQUIRE(empty.problems.size() == 1);
    CHECK(empty.problems[0].line == 0);
}
