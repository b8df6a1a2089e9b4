// mbus-sim pty-shim: print the path of the preload library that makes PTY masters' tcsetattr() keep
// working at 8E1 (pty_shim/pty_shim.c), for masters started by hand:
//   LD_PRELOAD=$(mbus-sim pty-shim) mbus-serial-request-data -b 2400 /tmp/mbus0 3

#include "command.hpp"
#include "pty_shim.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

namespace mbus::cli {
namespace {

command setup(CLI::App& parent) {
    auto* app = parent.add_subcommand(
        "pty-shim", "Print the path of the PTY shim, a preload library for masters that open the simulator's "
                    "pty at 8E1: LD_PRELOAD=$(mbus-sim pty-shim) MASTER ... (mbus-sim test preloads it by "
                    "itself). Exit code 1 when the library is not installed next to mbus-sim.");
    return {app, [] {
                const auto found = find_pty_shim();
                if (!found.path) {
                    std::cerr << fmt::format("mbus-sim: the PTY shim is not installed; looked for {}\n",
                                             fmt::join(found.looked, ", "));
                    return 1;
                }
                std::cout << *found.path << '\n';
                return 0;
            }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
