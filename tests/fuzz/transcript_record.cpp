// libFuzzer: harness::record_from_json on whatever JSON the input parses to (text that is no JSON
// is dropped without an exception, as a transcript reader would skip it). A record it reads writes
// a transcript line that reads back as the same record (its time rounded to microseconds) and
// writes the same line again.

#include <mbus/harness/jsonl.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mbus;
using nlohmann::json;

namespace {
void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto j = json::parse(data, data + size, nullptr, false);
    if (j.is_discarded()) return 0;
    const auto r = harness::record_from_json(j);
    if (!r) return 0;

    const auto line = harness::to_json_line(*r);
    require(line.find('\n') == std::string::npos, "a record is one line");
    const auto j2 = json::parse(line, nullptr, false);
    require(!j2.is_discarded() && j2.is_object(), "the line is a JSON object");
    const auto r2 = harness::record_from_json(j2);
    require(r2.has_value(), "the line reads back as a record");
    require(harness::to_json_line(*r2) == line, "a record read back writes the same line");

    auto same = *r;
    same.t = r2->t;
    require(same == *r2, "the line keeps every field but the time's digits past microseconds");
    require(std::abs(r2->t - r->t) <= 1e-6 + 1e-15 * std::abs(r->t), "the time to the microsecond");
    require(harness::to_json(*r2) == j2, "to_json gives the object the line holds");
    return 0;
}
