#pragma once
// Which mbus-sim the tests start: the one this build made, unless MBUS_SIM_EXE in the environment
// names another (CI runs the secondary scans against the optimised simulator from the sanitizer
// build's tests, whose own simulator is too slow for a 250-meter scan in the time limit).

#include <cstdlib>
#include <string>

namespace mbus::test {

inline std::string sim_exe() {
    const char* env = std::getenv("MBUS_SIM_EXE");
    return env != nullptr && *env != '\0' ? std::string(env) : std::string(MBUS_SIM_EXE);
}

} // namespace mbus::test
