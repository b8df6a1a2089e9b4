// app/outline.hpp: outline_of gives decode()'s alternative, errors, address, record count and
// "more records follow" without the values, over hand-made telegrams and over every frame of
// ../shared/corpus (libmbus, pyMeterBus, meters), whose libmbus index names the frames with a DIF 1F
// record (outside truth for more_follows), and over those frames' records read from every byte on
// (CI 78), which reaches the errors whole frames do not.

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/outline.hpp>
#include <mbus/link/frame.hpp>

#include "support/corpus.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace mbus;

namespace {

// What outline_of must say for a telegram decode() read.
app::outline expected_outline(byte ci, const app::user_data& ud) {
    if (const auto* v = std::get_if<app::variable_data>(&ud))
        return app::variable_outline{v->header.address, v->records.size(), app::more_records_follow(*v)};
    if (const auto* f = std::get_if<app::fixed_data>(&ud)) return app::fixed_outline{f->id};
    if (const auto* e = std::get_if<app::application_error>(&ud)) return *e;
    return app::other_outline{ci, std::get<app::other_data>(ud).data.size()};
}

// true when outline_of and decode agree on (ci, data).
bool same_verdict(byte ci, bytes_view data) {
    const auto ud = app::decode(ci, data);
    const auto o = app::outline_of(ci, data);
    CAPTURE(to_hex(data));
    CAPTURE(unsigned{ci});
    REQUIRE(ud.has_value() == o.has_value());
    if (!ud) {
        CHECK(o.error() == ud.error());
        return o.error() == ud.error();
    }
    CHECK(*o == expected_outline(ci, *ud));
    return *o == expected_outline(ci, *ud);
}

struct corpus_frame {
    std::string name;
    bytes wire;
};

std::vector<corpus_frame> corpus_frames(const std::filesystem::path& dir) {
    std::vector<corpus_frame> out;
    for (const char* folder : {"test-frames", "error-frames", "unsupported-frames"})
        for (const auto& p : test::files_with_suffix(dir / "libmbus" / folder, ".hex"))
            if (auto w = from_hex(test::read_file(p))) out.push_back({p.stem().string(), std::move(*w)});
    for (const char* name : {"pymeterbus", "meters"}) {
        const auto entries = nlohmann::json::parse(test::read_file(dir / name / "frames.json"));
        for (const auto& e : entries)
            if (e.contains("hex") && e["hex"].is_string())
                if (auto w = from_hex(e["hex"].get<std::string>())) out.push_back({name, std::move(*w)});
    }
    return out;
}

// libmbus's index: name -> whether a DIF 1F record closes the frame ("y"/"n").
std::map<std::string, bool> more_records_column(const std::filesystem::path& dir) {
    std::map<std::string, bool> out;
    std::istringstream in(test::read_file(dir / "libmbus" / "index.tsv"));
    std::string line;
    std::getline(in, line); // the header
    while (std::getline(in, line)) {
        std::vector<std::string> cols;
        std::istringstream row(line);
        for (std::string c; std::getline(row, c, '\t');)
            cols.push_back(c);
        if (cols.size() > 7) out[cols[1]] = cols[7] == "y";
    }
    return out;
}

} // namespace

TEST_CASE("outline: each form of user data as decode reads it") {
    // CI 72: ID 12345678, KAM, version 1, water; access 0, status 0, signature 0; a BCD volume; DIF 1F.
    const bytes variable{
        0x78, 0x56, 0x34, 0x12, 0x2D, 0x2C, 0x01, 0x07, // ID, manufacturer, version, medium
        0x00, 0x00, 0x00, 0x00,                         // access number, status, signature
        0x0C, 0x13, 0x78, 0x56, 0x34, 0x12,             // 8-digit BCD volume
        0x2F,                                           // idle filler (a record of decode's)
        0x1F, 0xAA,                                     // more records follow, one manufacturer byte
    };
    const auto o = app::outline_of(app::ci::variable_long, variable);
    REQUIRE(o);
    const auto& v = std::get<app::variable_outline>(*o);
    REQUIRE(v.address);
    CHECK(v.address->id == 0x12345678);
    CHECK(v.address->manufacturer == 0x2C2D);
    CHECK(v.address->version == 1);
    CHECK(v.address->medium == 7);
    CHECK(v.records == 3);
    CHECK(v.more_follows);
    CHECK(same_verdict(app::ci::variable_long, variable));
    // CI 7A: a short header, no address.
    const auto short_header = bytes_view(variable).subspan(8);
    CHECK(std::get<app::variable_outline>(*app::outline_of(app::ci::variable_short, short_header)).address ==
          std::nullopt);
    CHECK(same_verdict(app::ci::variable_short, short_header));

    // Errors: header cut short, a record cut short, too many DIFE.
    CHECK(app::outline_of(app::ci::variable_long, bytes_view(variable).first(11)).error() ==
          app::errc::header_too_short);
    CHECK(app::outline_of(app::ci::variable_long, bytes_view(variable).first(15)).error() ==
          app::errc::premature_end_at_data);
    CHECK(app::outline_of(app::ci::variable_long, bytes{}).error() == app::errc::no_data);
    const bytes dife_chain{0x8C, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x13};
    CHECK(same_verdict(app::ci::variable_none, dife_chain));
    CHECK(app::outline_of(app::ci::variable_none, dife_chain).error() == app::errc::too_many_dife);

    // CI 73: 16 bytes, ID first; any other size is an error.
    const bytes fixed{0x78, 0x56, 0x34, 0x12, 0x01, 0x00, 0x00, 0x00,  // ID, access, status, medium/unit
                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}; // two counters
    CHECK(std::get<app::fixed_outline>(*app::outline_of(app::ci::fixed, fixed)).id == 0x12345678);
    CHECK(same_verdict(app::ci::fixed, fixed));
    CHECK(app::outline_of(app::ci::fixed, bytes_view(fixed).first(15)).error() ==
          app::errc::fixed_data_wrong_size);
    CHECK(same_verdict(app::ci::fixed_msb, bytes_view(fixed).first(15)));

    // CI 70: none or one status byte; more is other data, as any CI decode does not know.
    CHECK(same_verdict(app::ci::app_error, bytes{}));
    CHECK(std::get<app::application_error>(*app::outline_of(app::ci::app_error, bytes{0x02})).status == 2);
    CHECK(same_verdict(app::ci::app_error, bytes{0x02, 0x03}));
    CHECK(std::get<app::other_outline>(*app::outline_of(0x51, bytes{1, 2, 3})).size == 3);
    CHECK(same_verdict(0x51, bytes{1, 2, 3}));
}

TEST_CASE("outline: decode's verdict over every corpus frame and its records from every byte on") {
    const auto dir = test::corpus_dir();
    if (!dir) {
        MESSAGE("corpus missing (../shared/corpus): outline corpus test skipped");
        return;
    }
    const auto frames = corpus_frames(*dir);
    REQUIRE(frames.size() > 150);
    const auto more_column = more_records_column(*dir);
    int telegrams = 0, same = 0, suffixes = 0, same_suffixes = 0, indexed = 0, index_agrees = 0;
    for (const auto& f : frames) {
        CAPTURE(f.name);
        const auto d = link::decode(f.wire);
        if (!d || d->value.kind != link::frame_kind::long_frame) continue;
        ++telegrams;
        same += same_verdict(d->value.ci, d->value.data) ? 1 : 0;
        if (const auto it = more_column.find(f.name); it != more_column.end()) {
            const auto o = app::outline_of(d->value.ci, d->value.data);
            if (o && std::holds_alternative<app::variable_outline>(*o)) {
                ++indexed;
                const bool more = std::get<app::variable_outline>(*o).more_follows;
                CHECK(more == it->second);
                index_agrees += more == it->second ? 1 : 0;
            }
        }
        for (std::size_t from = 0; from < d->value.data.size(); ++from) {
            ++suffixes;
            same_suffixes +=
                same_verdict(app::ci::variable_none, bytes_view(d->value.data).subspan(from)) ? 1 : 0;
        }
    }
    MESSAGE("corpus: outline telegrams " << same << "/" << telegrams << ", records from every byte "
                                         << same_suffixes << "/" << suffixes << ", libmbus 1F column "
                                         << index_agrees << "/" << indexed);
    CHECK(telegrams > 150);
    CHECK(same == telegrams);
    CHECK(same_suffixes == suffixes);
    CHECK(indexed > 70);
}
