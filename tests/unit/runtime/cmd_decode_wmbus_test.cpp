// `mbus-sim decode` on wireless frames, run as a user runs it: the OMS Annex N examples (hex and keys
// as reproduced in lvogt/wireless-mbus-parser, MIT, test/legacy.spec.ts at c0d417f) in format A with
// CRCs, format B with and without CRCs, with the right key, a wrong one, none, and a CRC error.

#include "child.hpp"

#include <mbus/core/bytes.hpp>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace mbus;
using namespace mbus::runtime_test;
using namespace std::chrono_literals;

namespace {

// OMS Annex N.2.1: mode 5, format A with CRCs.
const std::string oms_n21 =
    "2E44931578563412330333637A2A0020255923C95AAA26D1B2E7493BC2AD013EC4A6F6D3529B520EDFF0EA6D"
    "EFC955B29D6D69EBF3EC8A";
const std::string oms_n21_key = "0102030405060708090A0B0C0D0E0F11";

double first_value(const nlohmann::json& j) {
    for (const auto& r : j["records"])
        if (r["kind"] == "data") return r["value"].get<double>();
    FAIL("no data record");
    return 0;
}

} // namespace

TEST_CASE("mbus-sim decode opens an OMS mode 5 frame with --key") {
    const auto o = run_decode({"--key", oms_n21_key, oms_n21});
    REQUIRE_MESSAGE(o.code == 0, o.err);
    const auto j = nlohmann::json::parse(o.out);
    CHECK(j["link"]["format"] == "A");
    CHECK(j["link"]["crc"] == "verified");
    CHECK(j["link"]["manufacturer"] == "ELS");
    CHECK(j["security"]["mode"] == 5);
    CHECK(first_value(j) == doctest::Approx(28504.27));
}

TEST_CASE("mbus-sim decode names a wrong key, a missing key and a CRC error") {
    const auto wrong = run_decode({"--key", "0102030405060708090A0B0C0D0E0F12", oms_n21});
    CHECK(wrong.code == 1);
    CHECK(wrong.err == "decode: wireless telegram: decryption failed (2F2F check): wrong key?\n");
    const auto none = run_decode({oms_n21});
    CHECK(none.code == 1);
    CHECK(none.err.find("no key given (--key HEX)") != std::string::npos);
    auto bad = oms_n21;
    bad[60] = bad[60] == '0' ? '1' : '0'; // byte 30: the first of block 3
    const auto crc = run_decode({"--key", oms_n21_key, bad});
    CHECK(crc.code == 1);
    CHECK(crc.err.find("CRC error in block 3 (format A; CRC at bytes 46-47)") != std::string::npos);
    const auto cut = run_decode({"--wmbus", "a", oms_n21.substr(0, 100)});
    CHECK(cut.code == 1);
    CHECK(cut.err.find("truncated frame: L field 2E announces 55 bytes (format A), got 50") !=
          std::string::npos);
    const auto short_key = run_decode({"--key", "0102", oms_n21});
    CHECK(short_key.code == 2);
}

TEST_CASE("mbus-sim decode reads format B with and without CRCs alike") {
    // OMS examples "Frame type B" and "Frame type B without CRC" (same source): volume 876.543 m3.
    const auto b = run_decode({"1444AE0C7856341201078C2027780B134365877AC5"});
    const auto plain = run_decode({"1244AE0C7856341201078C2027780B13436587"});
    REQUIRE_MESSAGE(b.code == 0, b.err);
    REQUIRE_MESSAGE(plain.code == 0, plain.err);
    auto jb = nlohmann::json::parse(b.out);
    auto jp = nlohmann::json::parse(plain.out);
    CHECK(jb["link"]["format"] == "B");
    CHECK(jp["link"]["format"] == "no_crc");
    CHECK(first_value(jb) == doctest::Approx(876.543));
    jb["link"].erase("format");
    jb["link"].erase("crc");
    jp["link"].erase("format");
    jp["link"].erase("crc");
    CHECK(jb == jp);
    // Forced to format A the same bytes are the wrong length.
    CHECK(run_decode({"--wmbus", "a", "1444AE0C7856341201078C2027780B134365877AC5"}).code == 1);
}

TEST_CASE("mbus-sim decode keeps wired frames wired") {
    const auto ack = run_decode({"E5"});
    CHECK(ack.code == 0);
    CHECK(nlohmann::json::parse(ack.out)["link"]["kind"] == "ack");
    // A wired long frame of 105 bytes with a bad checksum also fits a wireless frame without CRCs
    // (L = 68): its shape (68 L L 68) keeps it wired, with the wired error.
    bytes wired{0x68, 0x63, 0x63, 0x68, 0x08, 0x01, 0x72};
    wired.resize(4 + 0x63, 0x00);
    wired.push_back(0x7C); // the sum is 7B
    wired.push_back(0x16);
    const auto bad = run_decode({to_hex(wired, "")});
    CHECK(bad.code == 1);
    CHECK(bad.err == "decode: bad checksum: expected 7B, got 7C (byte 103)\n");
    const auto xml = run_decode({"--format", "xml", "--key", oms_n21_key, oms_n21});
    CHECK(xml.code == 2);
    CHECK(xml.err.find("is for wired M-Bus or HAN frames") != std::string::npos);
}
