// libFuzzer: app::to_json of what app::decode makes of arbitrary bytes (as a frame, or as CI and
// user data) is JSON that prints without throwing (valid UTF-8 included) and that nlohmann parses
// back to the same text, with the keys the schema in json.hpp promises.

#include <mbus/app/codec.hpp>
#include <mbus/app/json.hpp>
#include <mbus/link/frame.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

using namespace mbus;
using nlohmann::json;

namespace {

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

void check(byte ci, bytes_view data) {
    const auto ud = app::decode(ci, data);
    if (!ud) return;
    const json j = app::to_json(*ud);
    std::string text;
    try {
        text = j.dump();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "dump threw: %s\n", e.what());
        require(false, "the JSON prints");
    }
    const auto back = json::parse(text, nullptr, false);
    require(!back.is_discarded(), "the JSON parses back");
    require(back.dump() == text, "and prints the same");
    require(j.is_object() && j.contains("ci") && j.contains("structure"),
            "ci and structure are always there");
    const auto structure = j["structure"].get<std::string>();
    if (structure == "variable") {
        const auto& v = std::get<app::variable_data>(*ud);
        require(j["records"].is_array() && j["records"].size() == v.records.size(),
                "one JSON record per record");
        require(j["more_records_follow"].is_boolean(), "more_records_follow is a boolean");
        for (const auto& r : j["records"])
            require(r.contains("index") && r.contains("kind") && r.contains("hex"),
                    "records carry index, kind, hex");
    } else {
        require(structure == "fixed" || structure == "application_error" || structure == "other",
                "a known structure");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const bytes_view in(data, size);
    if (const auto f = link::decode(in)) {
        const auto& frame = f->value;
        if (frame.kind == link::frame_kind::control || frame.kind == link::frame_kind::long_frame)
            check(frame.ci, frame.data);
    }
    if (size >= 1) check(data[0], in.subspan(1));
    return 0;
}
