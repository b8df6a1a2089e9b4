// `mbus-sim decode` on HAN push frames: the real binary on the corpus's HDLC frames, LLC PDUs and
// APDUs, the negative and ciphered entries, and a ciphered frame made here with a known key.

#include <doctest/doctest.h>

#include <mbus/core/bytes.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>

#include "run_to_files.hpp"
#include "support/corpus.hpp"
#include "support/sim_exe.hpp"
#include "support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace mbus;
using json = nlohmann::json;

namespace {

test::finished_run run_sim(std::vector<std::string> args) {
    args.insert(args.begin(), test::sim_exe());
    return test::run_to_files(std::move(args), std::chrono::seconds(30));
}

json corpus_entries() {
    const auto dir = test::corpus_dir();
    REQUIRE(dir);
    return json::parse(test::read_file(*dir / "han" / "frames.json"));
}

} // namespace

TEST_CASE("decode han: every corpus frame, PDU and APDU gives the collector's objects") {
    std::size_t decoded = 0;
    for (const auto& e : corpus_entries()) {
        if (e["valid"] == false || e["frame_info"]["apdu"].value("encrypted", false)) continue;
        const auto name = e["name"].get<std::string>();
        CAPTURE(name);
        const auto r = run_sim({"decode", e["hex"].get<std::string>()});
        CAPTURE(r.err);
        REQUIRE(r.code == 0);
        const auto j = json::parse(r.out);
        CHECK(j["make"] == e["make"]);
        CHECK(j["kind"] == (e["hex_kind"] == "hdlc_frame" ? "hdlc" : e["hex_kind"].get<std::string>()));
        std::vector<std::string> want, got;
        for (const auto& o : e["decoded_obis"])
            if (!o["obis"].is_null()) want.push_back(o["obis"].get<std::string>());
        for (const auto& o : j["objects"])
            if (!o["obis"].is_null()) got.push_back(o["obis"].get<std::string>());
        CHECK(got == want);
        // Aidon's carried scalers: the value printed is the raw value scaled.
        for (std::size_t i = 0; i < e["decoded_obis"].size() && i < j["objects"].size(); ++i) {
            const auto& w = e["decoded_obis"][i];
            if (!w.contains("scaler")) continue;
            CHECK(j["objects"][i]["scaler"] == w["scaler"]);
            CHECK(j["objects"][i]["unit"] == w["unit"]);
            CHECK(j["objects"][i]["value"].get<double>() == doctest::Approx(w["value"].get<double>()));
        }
        ++decoded;
    }
    CHECK(decoded == 50);
}

TEST_CASE("decode han: bad FCS and ciphered frames are clear errors") {
    for (const auto& e : corpus_entries()) {
        const auto name = e["name"].get<std::string>();
        if (name == "amsreader_kamstrup_negative_bad_fcs_gh175") {
            const auto r = run_sim({"decode", e["hex"].get<std::string>()});
            CHECK(r.code == 1);
            CHECK(r.out.empty());
            CHECK(r.err == "decode: HDLC frame 1: HDLC frame check sequence (FCS) does not match\n");
        }
        if (name == "amsreader_kamstrup_encrypted_gh350") {
            auto r = run_sim({"decode", e["hex"].get<std::string>()});
            CHECK(r.code == 1);
            CHECK(r.err.find(
                      "APDU is ciphered (general-glo-ciphering): give --key and --auth-key (system title "
                      "4B414D45020C84FD, security control 30, frame counter 36069)") != std::string::npos);
            r = run_sim({"decode", "--key", "000102030405060708090A0B0C0D0E0F", "--auth-key",
                         "000102030405060708090A0B0C0D0E0F", e["hex"].get<std::string>()});
            CHECK(r.code == 1);
            CHECK(r.err.find("authentication tag does not verify") != std::string::npos);
            r = run_sim({"decode", "--key", "0011", e["hex"].get<std::string>()});
            CHECK(r.code == 2);
            CHECK(r.err == "decode: --key must be 16 bytes of hex (AES-128)\n");
        }
    }
}

TEST_CASE("decode han: a ciphered capture file opens with its keys, as JSON and text") {
    // An Aidon list 1 APDU (corpus amshan_aidon_no_list1), ciphered as a Kamstrup meter would.
    const bytes apdu = from_hex("0F40000000000101020309060100010700FF060000011802020F00161B").value();
    const bytes key = from_hex("000102030405060708090A0B0C0D0E0F").value();
    const bytes auth = from_hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF").value();
    const auto c =
        han::encrypt(apdu, {from_hex("4B414D45020C84FD").value(), 0x30, 41, {}}, key, auth).value();
    const auto frame =
        han::encode_hdlc({false, {0x41}, {0x03}, 0x13, han::with_llc(han::encode_glo_ciphered(c))}).value();
    bytes two = frame;
    two.insert(two.end(), frame.begin(), frame.end()); // back to back, as a capture holds them
    const test::temp_dir dir("han-capture");
    const auto file = dir.write("capture.bin", std::string(two.begin(), two.end()));

    auto r = run_sim({"decode", "--key", to_hex(key, ""), "--auth-key", to_hex(auth, ""), file.string()});
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    const auto j = json::parse(r.out);
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 2);
    CHECK(j[0]["apdu"]["ciphering"]["frame_counter"] == 41);
    CHECK(j[0]["apdu"]["ciphering"]["system_title"] == "4B414D45020C84FD");
    CHECK(j[0]["objects"][0]["obis"] == "1.0.1.7.0.255");
    CHECK(j[0]["objects"][0]["value"] == 280);
    CHECK(j[0]["objects"][0]["unit"] == "W");

    r = run_sim({"decode", "--format", "text", "--key", to_hex(key, ""), "--auth-key", to_hex(auth, ""),
                 file.string()});
    CHECK(r.code == 0);
    CHECK(r.out.find("  1.0.1.7.0.255    280 W  (raw 280, scaler 0)\n") != std::string::npos);

    // Cut short: the second frame is incomplete.
    const auto cut = dir.write("cut.bin", std::string(two.begin(), two.end() - 5));
    r = run_sim({"decode", "--key", to_hex(key, ""), "--auth-key", to_hex(auth, ""), cut.string()});
    CHECK(r.code == 1);
    CHECK(r.err.find("input ends inside an HDLC frame") != std::string::npos);
}
