// runtime/summary.hpp over ../shared/corpus: the words read in place (link::frame_view,
// app::outline_of) are the words the full decode gave before them (the reference below is the
// summary as it was written on app::decode, kept here to compare), for every frame of the libmbus,
// pyMeterBus and meters corpora, whole, cut short and with a bad checksum; and the identity they
// name is libmbus's own (its mbus_parse_hex output, the .gen.xml files: Id, Manufacturer, Version).

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/manufacturer.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/runtime/summary.hpp>

#include "support/corpus.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>
#include <vector>

using namespace mbus;

namespace {

// The summary as the runtime wrote it on app::decode until the walker took its place.
std::string reference_app_summary(const app::user_data& ud) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, app::variable_data>) {
                std::string out;
                if (const auto& a = v.header.address)
                    out = fmt::format("id={} man={} ver={} medium={} ", app::id_to_string(a->id),
                                      app::manufacturer_letters(a->manufacturer), a->version,
                                      app::medium_name(a->medium));
                return out + fmt::format("records={}", v.records.size());
            } else if constexpr (std::is_same_v<T, app::fixed_data>) {
                return "fixed id=" + app::id_to_string(v.id);
            } else if constexpr (std::is_same_v<T, app::application_error>) {
                return v.status ? fmt::format("application error {:02X}", *v.status) : "application error";
            } else {
                return fmt::format("{} bytes", v.data.size());
            }
        },
        ud);
}

std::string reference_frame_summary(const link::frame& f, bool& more) {
    auto out = link::describe(f);
    if (f.kind != link::frame_kind::long_frame || link::c_field_name(f.c) != "RSP_UD") return out;
    const auto ud = app::decode(f.ci, f.data);
    if (!ud) return out + fmt::format(" [undecodable: {}]", ud.error().message());
    if (const auto* v = std::get_if<app::variable_data>(&*ud))
        more = !v->records.empty() && v->records.back().dib.dif == 0x1F;
    return out + " [" + reference_app_summary(*ud) + "]";
}

runtime::decoded_wire reference_decode_wire(bytes_view wire) {
    runtime::decoded_wire out;
    const auto whole = wire.size();
    while (!wire.empty()) {
        if (!out.summary.empty()) out.summary += " + ";
        auto d = link::decode(wire);
        if (!d) {
            out.summary += fmt::format("? {} bytes ({})", wire.size(), d.error().message());
            break;
        }
        bool more = false;
        out.summary += reference_frame_summary(d->value, more);
        if (d->size == whole) {
            out.more_follows = more;
            out.frame = std::move(d->value);
        }
        wire = wire.subspan(d->size);
    }
    return out;
}

struct corpus_frame {
    std::filesystem::path file; // the libmbus .hex, empty for the others
    bytes wire;
};

std::vector<corpus_frame> corpus_frames(const std::filesystem::path& dir) {
    std::vector<corpus_frame> out;
    for (const char* folder : {"test-frames", "error-frames", "unsupported-frames"})
        for (const auto& p : test::files_with_suffix(dir / "libmbus" / folder, ".hex"))
            if (auto w = from_hex(test::read_file(p))) out.push_back({p, std::move(*w)});
    for (const char* name : {"pymeterbus", "meters"}) {
        const auto entries = nlohmann::json::parse(test::read_file(dir / name / "frames.json"));
        for (const auto& e : entries)
            if (e.contains("hex") && e["hex"].is_string())
                if (auto w = from_hex(e["hex"].get<std::string>())) out.push_back({{}, std::move(*w)});
    }
    return out;
}

bool same_as_reference(bytes_view wire) {
    const auto expected = reference_decode_wire(wire);
    const auto ours = runtime::decode_wire(wire);
    std::string appended = "x";
    const bool more = runtime::append_wire_summary(appended, wire);
    CAPTURE(to_hex(wire));
    CHECK(ours.summary == expected.summary);
    CHECK(ours.frame == expected.frame);
    CHECK(ours.more_follows == expected.more_follows);
    CHECK(appended == "x" + expected.summary);
    CHECK(more == expected.more_follows);
    return ours.summary == expected.summary && ours.frame == expected.frame &&
           ours.more_follows == expected.more_follows && appended == "x" + expected.summary &&
           more == expected.more_follows;
}

std::string xml_field(const std::string& xml, const std::string& tag) {
    std::smatch m;
    if (std::regex_search(xml, m, std::regex("<" + tag + ">([^<]*)</" + tag + ">"))) return m[1];
    return {};
}

} // namespace

TEST_CASE("summary: the same words as the full decode for every corpus frame, whole and broken") {
    const auto dir = test::corpus_dir();
    if (!dir) {
        MESSAGE("corpus missing (../shared/corpus): summary corpus test skipped");
        return;
    }
    const auto frames = corpus_frames(*dir);
    REQUIRE(frames.size() > 150);
    int wires = 0, same = 0;
    for (const auto& f : frames) {
        CAPTURE(f.file.string());
        std::vector<bytes> variants{f.wire};
        variants.emplace_back(f.wire.begin(), f.wire.end() - 1); // cut short
        bytes twice = f.wire;                                    // two frames in one reply
        twice.insert(twice.end(), f.wire.begin(), f.wire.end());
        variants.push_back(twice);
        if (f.wire.size() > 2) {
            bytes bad = f.wire;
            bad[bad.size() - 2] ^= 0x01; // the checksum
            variants.push_back(bad);
        }
        for (const auto& w : variants) {
            ++wires;
            same += same_as_reference(w) ? 1 : 0;
        }
    }
    MESSAGE("corpus: summary as the full decode " << same << "/" << wires);
    CHECK(same == wires);
}

TEST_CASE("summary: the identity of every libmbus test frame is the one libmbus decodes") {
    const auto dir = test::corpus_dir();
    if (!dir) {
        MESSAGE("corpus missing (../shared/corpus): summary identity test skipped");
        return;
    }
    int checked = 0;
    const std::regex identity(R"(id=([0-9A-F]{8}) man=([A-Z@\[\\\]^_`]{3}) ver=([0-9]+) )");
    for (const auto& f : corpus_frames(*dir)) {
        if (f.file.empty() || f.file.parent_path().filename() != "test-frames") continue;
        auto gen = f.file;
        gen.replace_extension(".gen.xml");
        if (!std::filesystem::exists(gen)) continue;
        const auto xml = test::read_file(gen);
        if (xml.find("<SlaveInformation>") == std::string::npos || xml_field(xml, "Manufacturer").empty())
            continue; // fixed data: libmbus names no manufacturer
        CAPTURE(f.file.string());
        const auto summary = runtime::decode_wire(f.wire).summary;
        std::smatch m;
        REQUIRE(std::regex_search(summary, m, identity));
        // libmbus prints the BCD id as a decimal number (no leading zeros).
        auto id = m[1].str();
        id.erase(0, std::min(id.find_first_not_of('0'), id.size() - 1));
        CHECK(id == xml_field(xml, "Id"));
        CHECK(m[2].str() == xml_field(xml, "Manufacturer"));
        CHECK(m[3].str() == xml_field(xml, "Version"));
        ++checked;
    }
    MESSAGE("corpus: summary identity as libmbus " << checked << " frames");
    CHECK(checked > 60);
}
