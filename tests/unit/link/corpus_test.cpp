// The link layer against frames from other projects (../shared/corpus): pyMeterBus's test telegrams
// and libmbus's test-frames, error-frames and unsupported-frames.

#include <doctest/doctest.h>

#include <mbus/core/bytes.hpp>
#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/link/stream_parser.hpp>
#include <support/corpus.hpp>

#include <chrono>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

using namespace mbus;
using namespace mbus::link;

namespace {

bytes hex_or_empty(const std::string& text) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return {};
    auto r = from_hex(text);
    REQUIRE_MESSAGE(r, "bad hex: " << text);
    return *r;
}

// Whole input decodes as one frame and encodes back to the same bytes.
bool round_trips(const bytes& wire, frame* out = nullptr) {
    const auto r = decode(wire);
    if (!r || r->size != wire.size()) return false;
    if (out != nullptr) *out = r->value;
    const auto again = encode(r->value);
    return again && *again == wire;
}

// Frames that are not whole valid link frames, and why.
const std::map<std::string, errc> pymeterbus_broken{
    // pyMeterBus's test appends records to elv_temp_humid without updating L and CS; pyMeterBus
    // does not check them, the link layer does (L says 89 bytes, byte 87 is no checksum).
    {"elvaco_cma10_ext_more_records", errc::bad_checksum},
    {"test/invalid_length", errc::length_mismatch}, // 68 00 00 68: L below 3
    {"unsupported/manual_frame1", errc::bad_start}, // D0 ...
};

frame_kind kind_of(const std::string& type) {
    if (type == "TelegramACK") return frame_kind::ack;
    if (type == "TelegramShort") return frame_kind::short_frame;
    if (type == "TelegramControl") return frame_kind::control;
    REQUIRE(type == "TelegramLong");
    return frame_kind::long_frame;
}

// The master entries as this encoder builds them, named as in frames.json.
frame master_frame(const std::string& name) {
    if (name == "master_req_ud2_a0") return frame::short_frame(c_field::req_ud2, 0);
    if (name == "master_snd_nke_a0") return frame::short_frame(c_field::snd_nke, 0);
    if (name == "master_req_ud2_fcb_a0") return frame::short_frame(c_field::req_ud2 | c_field::fcb, 0);
    if (name == "master_select_00000001DADAFA1B")
        return frame::long_frame(c_field::snd_ud | c_field::fcb, address::selected, 0x52,
                                 {0x01, 0x00, 0x00, 0x00, // ID 00000001, LSB first
                                  0xDA, 0xDA,             // manufacturer DADA, LSB first
                                  0xFA,                   // version
                                  0x1B});                 // medium
    FAIL("no encoder recipe for master entry " << name);
    return {};
}

} // namespace

TEST_CASE("link corpus pymeterbus frames") {
    const auto dir = test::corpus_dir();
    REQUIRE_MESSAGE(dir, "corpus missing");
    const auto all = nlohmann::json::parse(test::read_file(*dir / "pymeterbus" / "frames.json"));

    int frames = 0, frames_ok = 0, broken = 0, masters = 0, garbage = 0;
    for (const auto& e : all) {
        const auto kind = e.at("kind").get<std::string>();
        const auto name = e.at("name").get<std::string>();
        const auto& expected = e.at("expected");
        CAPTURE(name);
        const bytes wire = hex_or_empty(e.at("hex").get<std::string>());

        if (kind == "frame") {
            ++frames;
            if (expected.contains("parse_raises")) {
                // The only one is a short frame whose CS is wrong; pyMeterBus raises MBusFrameCRCError.
                CHECK(expected["parse_raises"].at("TelegramShort") == "MBusFrameCRCError");
                CHECK(decode(wire).error() == errc::bad_checksum);
                ++broken;
                continue;
            }
            if (const auto it = pymeterbus_broken.find(name); it != pymeterbus_broken.end()) {
                CHECK(decode(wire).error() == it->second);
                ++broken;
                continue;
            }
            frame f;
            CHECK(round_trips(wire, &f));
            if (expected.contains("type")) CHECK(f.kind == kind_of(expected["type"]));
            if (expected.value("crc_valid", false)) CHECK(checksum(f) == wire[wire.size() - 2]);
            ++frames_ok;
        } else if (kind == "master") {
            ++masters;
            CHECK(encode(master_frame(name)).value() == wire);
        } else if (kind == "garbage") {
            ++garbage;
            CHECK_FALSE(decode(wire));
            // A reader of the stream finds no frame in it either.
            stream_parser p(std::chrono::milliseconds(100));
            auto ev = p.feed(wire, time_point{});
            for (auto& x : p.finish())
                ev.push_back(x);
            for (const auto& x : ev)
                CHECK_FALSE(x.is_frame());
        }
    }
    CHECK(frames == 59);
    CHECK(frames_ok == 55);
    CHECK(broken == 4);
    CHECK(masters == 4);
    CHECK(garbage == 5);
    std::cout << "corpus: pymeterbus link frames " << frames_ok << "/" << frames << " decode and re-encode, "
              << broken << " rejected as expected; master " << masters << "/4 encoded; garbage " << garbage
              << "/5 rejected\n";
}

TEST_CASE("link corpus libmbus hex files") {
    const auto dir = test::corpus_dir();
    REQUIRE_MESSAGE(dir, "corpus missing");
    const auto root = *dir / "libmbus";

    // All slave replies: long frames that re-encode to the same bytes.
    int test_ok = 0;
    const auto tests = test::files_with_suffix(root / "test-frames", ".hex");
    for (const auto& p : tests) {
        CAPTURE(p.filename().string());
        const bytes wire = from_hex(test::read_file(p)).value();
        frame f;
        REQUIRE(round_trips(wire, &f));
        CHECK(f.kind == frame_kind::long_frame);
        CHECK(c_field_name(f.c) == "RSP_UD");
        ++test_ok;
    }

    // Their faults are in the application layer; the link layer is sound (CI 70 "error" has no data).
    int error_ok = 0;
    const auto errors = test::files_with_suffix(root / "error-frames", ".hex");
    for (const auto& p : errors) {
        CAPTURE(p.filename().string());
        const bytes wire = from_hex(test::read_file(p)).value();
        frame f;
        CHECK(round_trips(wire, &f));
        CHECK(f.kind == (p.stem() == "error" ? frame_kind::control : frame_kind::long_frame));
        ++error_ok;
    }

    const std::map<std::string, errc> unsupported_broken{
        {"invalid_length", errc::length_mismatch}, // 68 00 00 68
        {"manual_frame1", errc::bad_start},        // 0D: a corrupted start byte
    };
    int unsupported_ok = 0, unsupported_rejected = 0;
    const auto unsupported = test::files_with_suffix(root / "unsupported-frames", ".hex");
    for (const auto& p : unsupported) {
        const auto stem = p.stem().string();
        CAPTURE(stem);
        const bytes wire = from_hex(test::read_file(p)).value();
        if (const auto it = unsupported_broken.find(stem); it != unsupported_broken.end()) {
            CHECK(decode(wire).error() == it->second);
            ++unsupported_rejected;
        } else {
            CHECK(round_trips(wire));
            ++unsupported_ok;
        }
    }

    CHECK(tests.size() == 76);
    CHECK(errors.size() == 20);
    CHECK(unsupported.size() == 7);
    CHECK(unsupported_rejected == 2);
    std::cout << "corpus: libmbus link test-frames " << test_ok << "/" << tests.size() << ", error-frames "
              << error_ok << "/" << errors.size() << ", unsupported-frames " << unsupported_ok << "/"
              << unsupported.size() << " decode and re-encode (" << unsupported_rejected
              << " rejected as expected)\n";
}
