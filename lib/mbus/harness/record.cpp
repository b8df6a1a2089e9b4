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

} // namespace mbus::harness
