#pragma once
// Where libmbus-pty-shim.so is (pty_shim/pty_shim.c): the preload library that `mbus-sim test` gives
// PTY masters and that `mbus-sim pty-shim` prints for masters started by hand.

#include <optional>
#include <string>
#include <vector>

namespace mbus::cli {

struct pty_shim_lookup {
    std::optional<std::string> path; // the library, absolute; empty when it is in none of the places
    std::vector<std::string> looked; // every place tried, in order, for the error message
};

// Next to the running binary (the build tree: both are built into build/simulator/), then where
// `cmake --install` and the Debian package put it relative to the binary (bin/../lib/mbus-sim/).
pty_shim_lookup find_pty_shim();

// LD_PRELOAD with the shim first: a master's own preloads keep working behind it.
std::string prepend_preload(const std::string& shim, const char* current);

// ASAN_OPTIONS for a master that may be built with AddressSanitizer, which otherwise refuses a preload
// ahead of its runtime: verify_asan_link_order=0 added, unless the user chose a value.
std::string asan_options_for_preload(const char* current);

} // namespace mbus::cli
