#pragma once
// Reading typed values out of toml++ nodes with diagnostics that name the place. Every reader
// returns nullopt (or nullptr) when the value is missing or wrong, having reported what was wrong;
// callers then leave the field at its default and carry on, so that one run finds every problem.

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <mbus/core/bytes.hpp>
#include <mbus/core/time.hpp>
#include <mbus/scenario/diagnostic.hpp>
#include <mbus/sim/value_source.hpp>

namespace mbus::scenario::detail {

// Diagnostics as they are found. A finding already there (same place and message) is not added
// again: a model used by several meters has its mistakes reported once.
class sink {
  public:
    void error(const toml::source_region& where, std::string key, std::string message);
    void error(const toml::node& at, std::string key, std::string message) {
        error(at.source(), std::move(key), std::move(message));
    }
    void error_in_file(std::string file, std::string message); // no line: unreadable files
    // Every finding reported so far, kept or not: a reader compares counts to learn whether the
    // part it read had a problem, which a finding already on the list still is.
    std::size_t size() const { return reports_; }
    std::vector<diagnostic> take() { return std::move(list_); }

  private:
    std::vector<diagnostic> list_;
    // Place and message of every finding on the list: a file with many problems is checked in
    // linear time, not by a scan of the list per finding.
    std::unordered_set<std::string> seen_;
    std::size_t reports_{0};
};

// The same key path grows as the reader goes down: "meter[2]" + "record" + 0 + "unit".
std::string child(const std::string& path, std::string_view key);
std::string child(const std::string& path, std::size_t index);

// One meter's tables, the model's model first and the meter's own table last. A key takes its value
// from the last table that has it; a key whose value is a table gathers that table from every layer
// (so `quirks` merges key by key); an array of tables is taken whole from one layer.
class layers {
  public:
    layers() = default;
    explicit layers(const toml::table& t) : tables_{&t} {}
    void push_back(const toml::table& t) { tables_.push_back(&t); }
    void push_front(const toml::table& t) { tables_.insert(tables_.begin(), &t); }

    const toml::node* get(std::string_view key) const;
    // Every layer's table under `key`; a value that is not a table is reported and skipped.
    layers sub(sink& s, const std::string& path, std::string_view key) const;
    bool empty() const { return tables_.empty(); }
    const std::vector<const toml::table*>& tables() const { return tables_; }
    // The last layer (for the place of findings about the whole table).
    const toml::table& top() const { return *tables_.back(); }

    // Reports keys of any layer that are not in `known`, suggesting the nearest.
    void unknown_keys(sink& s, const std::string& path, const std::vector<std::string_view>& known) const;

  private:
    std::vector<const toml::table*> tables_;
};

std::string_view type_name(const toml::node& n); // "a string", "an integer", ...

std::optional<std::int64_t> read_integer(sink& s, const toml::node& n, const std::string& path,
                                         std::int64_t lo, std::int64_t hi);
std::optional<double> read_number(sink& s, const toml::node& n, const std::string& path); // integer or float
std::optional<std::string> read_string(sink& s, const toml::node& n, const std::string& path);
std::optional<bool> read_bool(sink& s, const toml::node& n, const std::string& path);
const toml::table* read_table(sink& s, const toml::node& n, const std::string& path);
const toml::array* read_array(sink& s, const toml::node& n, const std::string& path);
std::optional<bytes> read_hex(sink& s, const toml::node& n, const std::string& path);
// "10s", "1.5h", "30min", "500ms", "2d", "1h30min", a unit alone ("h" = one hour), or a number of seconds.
std::optional<sim::seconds_d> read_duration(sink& s, const toml::node& n, const std::string& path);
// A TOML date-time or date (2026-12-31T23:59:30, 2026-12-31), its offset if any applied, as a
// wall time; `what` says what it is for in the error ("the meter's clock after the reboot").
std::optional<wall_time> read_wall_time(sink& s, const toml::node& n, const std::string& path,
                                        std::string_view what);
// One of `names` (case-blind); the index into `names`.
std::optional<std::size_t> read_choice(sink& s, const toml::node& n, const std::string& path,
                                       std::initializer_list<std::string_view> names);

// A duration as text: "10s", "1.5h"; nullopt when it is not one.
std::optional<sim::seconds_d> parse_duration(std::string_view text);

} // namespace mbus::scenario::detail
