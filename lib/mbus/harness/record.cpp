#include <mbus/harness/jsonl.hpp>
#include <mbus/harness/record.hpp>

#include <array>
#include <ostream>

namespace mbus::harness {

namespace {
constexpr std::array<std::string_view, 5> kind_names{"request", "reply", "silence", "junk", "event"};
} // namespace

std::string_view name(record_kind k) { return kind_names.at(static_cast<std::size_t>(k)); }

std::ostream& operator<<(std::ostream& os, const record& r) { return os << to_json_line(r); }

void reset(record& r) {
    r.kind = record_kind::request;
    r.t = 0;
    r.wall = {};
    r.session = 0;
    r.raw.clear();
    r.frame.reset();
    r.request = link::request_kind::other;
    r.summary.clear();
    r.meters.clear();
    r.answered_by.clear();
    r.collision = false;
    r.repeated = false;
    r.more_follows = false;
    r.injected.clear();
    r.line_baud = 0;
}

} // namespace mbus::harness
