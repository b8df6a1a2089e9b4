// Hex dumps (capture/hex_dump.hpp) as pasted from readers' logs, and the HDLC cut of raw streams
// (capture/raw_log.hpp), against the corpus's real frames (../shared/corpus/han) put together as
// HANmeter's -l log and as a hex dump would hold them.

#include <doctest/doctest.h>

#include <mbus/capture/hex_dump.hpp>
#include <mbus/capture/raw_log.hpp>
#include <mbus/han/hdlc.hpp>

#include "support/corpus.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

using namespace mbus;

TEST_CASE("a hex dump gives a chunk per line with comments and blank lines skipped") {
    const auto d = capture::read_hex_dump("# Kaifa list 1, from a forum post\n"
                                          "7E A0 27 01 02  # flag, format, length, addresses\n"
                                          "\n"
                                          "7ea0\t27 0x01\r\n"
                                          "   # only a comment\n"
                                          "01:02,03\n");
    CHECK(d.problems.empty());
    REQUIRE(d.chunks.size() == 3);
    CHECK(d.chunks[0].data == bytes{0x7E, 0xA0, 0x27, 0x01, 0x02});
    CHECK_FALSE(d.chunks[0].at);
    CHECK(d.chunks[1].data == bytes{0x7E, 0xA0, 0x27, 0x01});
    CHECK(d.chunks[2].data == bytes{0x01, 0x02, 0x03});
}

TEST_CASE("a hex dump line that is not hex is reported with its line and column") {
    const auto d = capture::read_hex_dump("7E A0\n7E ZZ 01\n# fine\n01 02\n");
    REQUIRE(d.problems.size() == 1);
    CHECK(d.problems[0].line == 2);
    CHECK(d.problems[0].column == 4);
    CHECK(d.problems[0].message.find("not hex") != std::string::npos);
    CHECK(d.chunks.size() == 2);
}

TEST_CASE("split_frames cuts frames that share a flag") {
    const bytes stream{
        0x7E, 0xA0, 0x05, 0x41, 0x08, 0x83, // flag, format (length 5), dest, src, ctrl
        0x7E,                               // closes the first frame and opens the second
        0xA0, 0x05, 0x41, 0x08, 0x93, 0x7E, // format, dest, src, ctrl, flag
    };
    const auto c = capture::split_frames(stream);
    REQUIRE(c.size() == 2);
    CHECK(c[0].data == bytes{0x7E, 0xA0, 0x05, 0x41, 0x08, 0x83, 0x7E});
    CHECK(c[1].data == bytes{0xA0, 0x05, 0x41, 0x08, 0x93, 0x7E});
}

TEST_CASE("split_frames cuts HDLC frames and keeps the bytes between them") {
    const bytes stream{
        0x00, 0x11,                               // junk before
        0x7E, 0xA0, 0x05, 0x41, 0x08, 0x83, 0x7E, // flag, format (length 5), dest, src, ctrl, flag
        0x7E, 0xA0, 0x05, 0x41, 0x08, 0x83, 0x7E, // the same frame again, its own flags
        0x7E, 0xA0, 0x09, 0x41,                   // a frame cut short: junk
    };
    const auto c = capture::split_frames(stream, 3);
    REQUIRE(c.size() == 5);
    CHECK(c[0].data == bytes{0x00, 0x11});
    CHECK(c[1].data == bytes{0x7E, 0xA0, 0x05, 0x41, 0x08, 0x83, 0x7E});
    CHECK(c[2].data == c[1].data);
    CHECK(c[3].data == bytes{0x7E, 0xA0, 0x09}); // runs of at most max_run
    CHECK(c[4].data == bytes{0x41});
    CHECK(capture::joined(c) == stream);
    CHECK(capture::joined(capture::split_frames(bytes{})).empty());
}

namespace {

// The corpus's HDLC frames, in its order.
std::vector<bytes> corpus_frames() {
    const auto dir = test::corpus_dir();
    REQUIRE_MESSAGE(dir, "../shared/corpus is missing: the HAN capture tests need its han/frames.json");
    const auto entries = nlohmann::json::parse(test::read_file(*dir / "han" / "frames.json"));
    std::vector<bytes> out;
    for (const auto& e : entries)
        if (e["hex_kind"] == "hdlc_frame") {
            auto b = from_hex(e["hex"].get<std::string>());
            REQUIRE(b);
            out.push_back(std::move(*b));
        }
    return out;
}

} // namespace

TEST_CASE("a HANmeter raw log of the corpus frames is cut into those frames") {
    // HANdomo.py -l writes each byte read from the port, nothing added: the frames back to back, with
    // what the line carried between them (here a byte of noise after every fifth frame).
    const auto frames = corpus_frames();
    REQUIRE(frames.size() == 39);
    bytes log;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        log.insert(log.end(), frames[i].begin(), frames[i].end());
        if (i % 5 == 4) log.push_back(0x00);
    }
    const auto chunks = capture::split_frames(log);
    CHECK(capture::joined(chunks) == log);
    std::size_t at = 0, found = 0, decoded = 0;
    for (const auto& c : chunks) {
        if (c.data == bytes{0x00}) continue;
        REQUIRE(at < frames.size());
        CHECK(c.data == frames[at]);
        if (c.data == frames[at]) ++found;
        if (han::decode_hdlc(c.data)) ++decoded; // the cut is the frame the HDLC layer checks
        ++at;
    }
    CHECK(found == frames.size());
    CHECK(decoded == frames.size() - 1); // the corpus's one bad FCS is cut as a frame, sent as it came
    std::cout << "corpus: han frames cut from a HANmeter raw log " << found << "/" << frames.size() << "\n";
}

TEST_CASE("a hex dump of the corpus frames wrapped at 16 bytes splits back into them") {
    const auto frames = corpus_frames();
    std::string dump = "# corpus frames, 16 bytes a line as hexdump prints them\n";
    for (const auto& f : frames) {
        for (std::size_t at = 0; at < f.size(); at += 16)
            dump += to_hex(bytes_view(f).subspan(at, std::min<std::size_t>(16, f.size() - at))) + "\n";
        dump += "# next frame\n";
    }
    const auto d = capture::read_hex_dump(dump);
    REQUIRE(d.problems.empty());
    const auto chunks = capture::split_frames(capture::joined(d.chunks));
    REQUIRE(chunks.size() == frames.size());
    for (std::size_t i = 0; i < frames.size(); ++i)
        CHECK(chunks[i].data == frames[i]);
}
