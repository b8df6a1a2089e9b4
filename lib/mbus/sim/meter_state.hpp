#pragma once
// What a master changed in a meter that a real meter keeps when its power goes (in non-volatile
// memory): its primary address, its identification (so its secondary address), its rate, and the
// data SND_UD wrote into its records. A value type, so that the runtime can save it, compare it
// with what it saved last and put it back after a restart. Link state (FCB, selection) and
// generated values are not kept: a meter loses them with its power too.

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/sim/meter.hpp>

namespace mbus::sim {

struct written_record {
    std::size_t index{0}; // of meter_config::records
    bytes field;          // DIF, DIFEs, VIF, VIFEs (and plain-text unit) of the record, as encoded
    bytes data;           // what the master wrote
    friend bool operator==(const written_record&, const written_record&) = default;
};

struct meter_state {
    byte address{0};
    app::secondary_address identity;
    unsigned baud{0};
    std::vector<written_record> written;
    friend bool operator==(const meter_state&, const meter_state&) = default;
};
std::ostream& operator<<(std::ostream& os, const meter_state& s);

// The meter's kept state as it stands now.
meter_state kept_state(const meter& m);

// Why `s` cannot be put into `m` (nothing: it can): an address past 250, a rate a meter cannot
// switch to, a record index past the meter's records, a record that is not writable or whose field
// differs from the one written (the scenario changed), data of another length than its coding.
std::optional<std::string> restore_problem(const meter& m, const meter_state& s);
// Puts `s` into `m`, all of it or (with a problem) nothing.
std::optional<std::string> restore(meter& m, const meter_state& s);

} // namespace mbus::sim
