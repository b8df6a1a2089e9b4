#pragma once
// Whether a meter configuration can run. Apart from meter_config.hpp because it tries the records
// on a meter built from the configuration: the data does not depend on the meter that runs it.

#include <string>
#include <vector>

#include <mbus/sim/meter_config.hpp>

namespace mbus::sim {

// What is wrong with a configuration, one message each (empty: fine): an address above 250, page
// indices out of range or records on no page, a record too long for one frame, a rate CI B8..BF
// cannot reach, a rule pointing at a telegram that does not exist.
std::vector<std::string> check(const meter_config& m);

} // namespace mbus::sim
