#pragma once
// `mbus-sim run --state FILE`: what masters changed in the meters (sim::meter_state: primary address,
// identification, rate, written records) kept in a JSON file, so that a restarted simulator answers
// as the meters did before, as real meters do after a power cut.
//
// Only meters whose kept state differs from what the scenario gives them are in the file, so an edit
// of the scenario still takes effect for the others. The file is rewritten whole whenever a SND_UD or
// an event changed a meter's kept state: a temporary file beside it, fsync, rename over it, fsync of
// the folder, so that after a crash or kill -9 it holds the old state or the new one, never a mix.
// Entries the running buses cannot use (a meter or bus that no longer exists, a state that no longer
// fits the meter) are reported and kept in the file as they were.
//
// File format (version 1):
//   {"format": "mbus-sim state", "version": 1,
//    "buses": {"BUS": {"METER": {"address": 7, "id": "12345678", "manufacturer": "2C2D",
//                                "version": 1, "medium": 7, "baud": 2400,
//                                "written": [{"record": 2, "field": "0413", "data": "E8030000"}]}}}}
// ("record" counts the meter's records from 0; "field" is the record's DIF..VIFE in hex, checked on
// load so that data is never put into a record that has changed).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mbus/core/result.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/sim/meter_state.hpp>

namespace mbus::runtime {

class runner;

// The JSON form of one meter's kept state, and back (an error names the field).
nlohmann::json to_json(const sim::meter_state& s);
std::optional<sim::meter_state> meter_state_from_json(const nlohmann::json& j, std::string& why);

// Writes `text` to `path` so that `path` holds the old text or the new one whatever happens meanwhile
// (temporary file, fsync, rename, fsync of the folder). The error says which step failed.
std::optional<std::string> write_atomically(const std::filesystem::path& path, const std::string& text);

class state_file {
  public:
    // Reads `path`; a file that does not exist is an empty state (created at the first change).
    // Error (as text naming the file and what is wrong): the file exists but cannot be read or is no
    // state file. A state file is never overwritten with an empty one because it could not be read.
    static std::optional<state_file> open(std::filesystem::path path, std::string& error);

    // Records what the scenario gave bus `name`'s meters, then puts the file's state for that bus into
    // them. Returns one line per entry it could not use (meter not on the bus, state that does not fit).
    std::vector<std::string> restore(const std::string& name, sim::bus& bus);
    // Saves after every exchange and event of `r` that changed a meter's kept state; errors in saving
    // go to `report` (the bus runs on). restore() must have been called for the bus first; the
    // state_file must outlive `r`.
    void watch(runner& r, std::function<void(const std::string&)> report);

    // Entries for buses that restore() was not called for (reported by the caller once all buses ran).
    std::vector<std::string> unused_buses() const;
    const std::filesystem::path& path() const { return path_; }
    std::uint64_t saves() const { return saves_; }

  private:
    struct bus_entry {
        sim::bus* bus{nullptr};
        std::vector<sim::meter_state> initial;                 // per slave, as the scenario made it
        std::vector<sim::meter_state> kept;                    // per slave, as last saved
        std::map<std::string, std::size_t, std::less<>> index; // meter name -> slave
    };

    explicit state_file(std::filesystem::path path, nlohmann::json doc)
        : path_(std::move(path)), doc_(std::move(doc)) {}
    // Updates the entries of slaves `which` (all when empty) of `bus`; saves when one changed.
    std::optional<std::string> update(const std::string& bus, const std::vector<std::string>& which);

    std::filesystem::path path_;
    nlohmann::json doc_;
    std::map<std::string, bus_entry, std::less<>> buses_;
    std::uint64_t saves_{0};
};

} // namespace mbus::runtime
