// app::write_json (the JSON text written without a DOM) against app::to_json(...).dump(), byte for
// byte (and from the frame's bytes against app::decode's value, with a member added, and laid out
// by indent_json against dump(2)), over every frame of ../shared/corpus/libmbus, pymeterbus and meters, and
// over the records of those frames read from every byte on (CI 78), which reaches odd records, undescribable
// ones and errors that whole frames do not.

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/json.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>

#include "support/corpus.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>
#include <vector>

using namespace mbus;

namespace {

// Every hex text of the corpus that holds a frame (or, for pyMeterBus's record pieces, bytes).
std::vector<bytes> corpus_wires(const std::filesystem::path& dir) {
    std::vector<bytes> out;
    for (const char* folder : {"test-frames", "error-frames", "unsupported-frames"})
        for (const auto& p : test::files_with_suffix(dir / "libmbus" / folder, ".hex"))
            if (auto w = from_hex(test::read_file(p))) out.push_back(std::move(*w));
    for (const char* name : {"pymeterbus", "meters"}) {
        const auto entries = nlohmann::json::parse(test::read_file(dir / name / "frames.json"));
        for (const auto& e : entries)
            if (e.contains("hex") && e["hex"].is_string())
                if (auto w = from_hex(e["hex"].get<std::string>())) out.push_back(std::move(*w));
    }
    return out;
}

struct tally {
    int compared{0};
    int same{0};
    int unprintable{0}; // dump() refused (invalid UTF-8): nothing to compare with
};

void compare(const app::user_data& ud, tally& t) {
    std::string expected;
    try {
        expected = app::to_json(ud).dump();
    } catch (const nlohmann::json::exception&) {
        ++t.unprintable;
        return;
    }
    ++t.compared;
    const auto ours = app::to_json_text(ud);
    if (ours == expected) {
        ++t.same;
        return;
    }
    std::size_t at = 0;
    while (at < ours.size() && at < expected.size() && ours[at] == expected[at])
        ++at;
    const auto from = at > 120 ? at - 120 : 0;
    CAPTURE(expected.substr(from, 240));
    CAPTURE(ours.substr(from, 240));
    CHECK(ours.size() == expected.size());
    CHECK(at == ours.size());
}

// write_json from the bytes (records read in place) against write_json of app::decode's value:
// the same text, or the same error with nothing written. `unprintable` counts the errors.
void compare_from_bytes(byte ci, bytes_view data, tally& t) {
    ++t.compared;
    const auto ud = app::decode(ci, data);
    std::string ours = "[";
    const auto ok = app::write_json(ours, ci, data);
    if (!ud) {
        ++t.unprintable;
        CHECK_FALSE(ok);
        CHECK(ok.error() == ud.error());
        CHECK(ours == "[");
        if (!ok && ok.error() == ud.error() && ours == "[") ++t.same;
        return;
    }
    REQUIRE(ok);
    const auto expected = "[" + app::to_json_text(*ud);
    CHECK(ours == expected);
    if (ours == expected) ++t.same;
}

// With the decode command's "link" member, and laid out by indent_json as dump(2) lays it out.
void compare_laid_out(const app::user_data& ud) {
    nlohmann::json dom = app::to_json(ud);
    dom["link"] = {{"kind", "long"}, {"c", "08"}, {"a", 5}, {"description", "RSP_UD \"x\" [a, b]: {}"}};
    std::string expected;
    try {
        expected = dom.dump();
    } catch (const nlohmann::json::exception&) {
        return;
    }
    const auto link = dom["link"].dump();
    std::string ours;
    app::write_json(ours, ud, {"link", link});
    CHECK(ours == expected);
    CHECK(app::indent_json(ours, 2) == dom.dump(2));
    CHECK(app::indent_json(ours, 4) == dom.dump(4));
}

} // namespace

TEST_CASE("json writer: the same text as the DOM for every corpus frame") {
    const auto dir = test::corpus_dir();
    if (!dir) {
        MESSAGE("corpus missing (../shared/corpus): json writer corpus test skipped");
        return;
    }
    const auto wires = corpus_wires(*dir);
    REQUIRE(wires.size() > 150);
    tally frames;
    tally pieces;
    tally from_bytes;
    for (const auto& w : wires) {
        const auto f = link::decode(w);
        if (!f ||
            (f->value.kind != link::frame_kind::long_frame && f->value.kind != link::frame_kind::control))
            continue;
        if (const auto ud = app::decode(f->value.ci, f->value.data)) {
            compare(*ud, frames);
            compare_laid_out(*ud);
        }
        compare_from_bytes(f->value.ci, f->value.data, from_bytes);
        // The records of the frame read from every byte on, as CI 78 user data.
        const bytes_view data = f->value.data;
        for (std::size_t from = 0; from < data.size(); ++from) {
            if (const auto ud = app::decode(app::ci::variable_none, data.subspan(from))) compare(*ud, pieces);
            compare_from_bytes(app::ci::variable_none, data.subspan(from), from_bytes);
        }
    }
    std::cout << "corpus: json writer from bytes " << from_bytes.same << "/" << from_bytes.compared
              << " (of which " << from_bytes.unprintable << " refused as app::decode refuses them)\n";
    std::cout << "corpus: json writer frames " << frames.same << "/" << frames.compared << "\n";
    std::cout << "corpus: json writer record runs " << pieces.same << "/" << pieces.compared << " ("
              << pieces.unprintable << " not printable by the DOM)\n";
    CHECK(frames.compared > 140);
    CHECK(frames.same == frames.compared);
    CHECK(pieces.compared > 5000);
    CHECK(pieces.same == pieces.compared);
    CHECK(from_bytes.compared > 5000);
    CHECK(from_bytes.same == from_bytes.compared);
    CHECK(from_bytes.unprintable > 100); // the refusals were reached too
}
