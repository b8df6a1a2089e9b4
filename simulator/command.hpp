#pragma once
// Subcommands register themselves, so that each lives in its own file (cmd_*.cpp) and main.cpp
// does not change when one is added.

#include <CLI/CLI.hpp>

#include <functional>

namespace mbus::cli {

struct command {
    CLI::App* app{nullptr};   // the subcommand, made by the setup function
    std::function<int()> run; // runs after parsing when this subcommand was given; returns the exit code
};

using setup_fn = command (*)(CLI::App& parent);

// Returns true so that a file can say `static const bool registered = add_command(&setup);`.
bool add_command(setup_fn setup);

} // namespace mbus::cli
