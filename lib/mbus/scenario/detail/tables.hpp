#pragma once
// The parts of a scenario file, each read by its own function. Internal to the loader.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <mbus/scenario/detail/reader.hpp>
#include <mbus/sim/meter_config.hpp>

namespace mbus::scenario::detail {

struct parsed_record {
    sim::record_config config;
    std::optional<std::size_t> telegram; // from 1, as written
};

// One [[meter.record]] table. `walk_seed` seeds a random walk that names no seed of its own.
std::optional<parsed_record> parse_record(sink& s, const toml::table& t, const std::string& path,
                                          std::uint64_t walk_seed);

// The numeric generators of a value table (`counter`, `ramp`, `sine`, `random_walk`) from the
// generator's own table `t` at `path`; nullopt after reporting, or for another name. A random walk
// without a seed of its own takes `walk_seed`.
std::optional<sim::value_source> read_numeric_generator(sink& s, std::string_view name, const toml::table& t,
                                                        const std::string& path, std::uint64_t walk_seed);

// A recorded telegram: `hex` (a whole frame) or `user_data` with `ci` (default 0x72). `extra` names
// keys the caller reads from the same table (they are not reported as unknown).
std::optional<sim::recorded_telegram> parse_recorded(sink& s, const toml::table& t, const std::string& path,
                                                     std::initializer_list<std::string_view> extra = {});

// Model files, each read once and kept while the scenario loads (layers point into them).
class model_store {
  public:
    // The table of the model file `name` (relative to the folder of `from`, a file as diagnostics
    // name it); `shown` is set to the path diagnostics use for it. nullptr after reporting.
    const toml::table* get(sink& s, const toml::node& at, const std::string& path, const std::string& from,
                           const std::string& name, std::string& shown);

  private:
    std::map<std::string, std::unique_ptr<toml::table>> cache_; // by canonical path; null: unreadable
};

// Reads `text` as TOML; a syntax error is reported with toml++'s position. nullptr then.
std::unique_ptr<toml::table> parse_toml(sink& s, std::string_view text, const std::string& shown);
// Scenario and model files are read whole; beyond this a file is a mistake (a log, an image), and
// reading it would only hold memory. scenarios/README.md gives the figure.
constexpr std::size_t max_file_size = std::size_t{16} << 20;

// The text of the regular file `file`, or nullopt with `error` set to why not ("cannot read: No such
// file or directory", "not a regular file (a FIFO)", "is 3.0 GiB, more than the 16 MiB a scenario may
// have"; `what` is "a scenario" or "a model"). Never blocks on a FIFO or device, never reads more than
// max_file_size + 1 bytes.
std::optional<std::string> read_text(const std::string& file, std::string_view what, std::string& error);

// The same place for the same name, to find include cycles.
std::string canonical_name(const std::string& file);

struct meter_context {
    std::uint64_t bus_seed{0};
    unsigned bus_baud{2400};
    std::size_t index{0}; // of the [[meter]] table: seeds the random walks
    std::string file;     // the file holding the [[meter]] table
};

// One [[meter]] table with its models, expanded by `repeat`: its meters, or nothing after reporting.
std::vector<sim::meter_config> parse_meter(sink& s, const toml::table& t, const std::string& path,
                                           model_store& models, const meter_context& ctx);

// Whether `key` is one a [[meter]] table (or a model file) may hold.
bool is_meter_key(std::string_view key);

// Milliseconds as one number or [min, max]: the two bounds as written (min == max for one number),
// or nothing after reporting. Callers check the range they allow.
std::optional<std::pair<double, double>> read_ms_bounds(sink& s, const toml::node& n,
                                                        const std::string& path);

// [min, max] or one number of milliseconds, inside the EN 13757-2 window at `baud` at least in part.
std::optional<sim::delay_range> read_delay(sink& s, const toml::node& n, const std::string& path,
                                           unsigned baud);
bool valid_baud(std::int64_t baud);

} // namespace mbus::scenario::detail
