#pragma once
// Subcommands register themselves, so that each lives in its own file (cmd_*.cpp) and main.cpp
// does not change when one is added.

#include <CLI/CLI.hpp>

#include <exception>
#include <functional>
#include <string>

namespace mbus::cli {

struct command {
    CLI::App* app{nullptr};   // the subcommand, made by the setup function
    std::function<int()> run; // runs after parsing when this subcommand was given; returns the exit code
};

using setup_fn = command (*)(CLI::App& parent);

// Returns true so that a file can say `static const bool registered = add_command(&setup);`.
bool add_command(setup_fn setup);

// Validators whose messages a user can read (CLI11's own print the whole range of a double).
inline const CLI::Validator positive{[](const std::string& v) {
                                         try {
                                             std::size_t end = 0;
                                             if (std::stod(v, &end) > 0 && end == v.size())
                                                 return std::string();
                                         } catch (const std::exception&) {
                                         }
                                         return "must be a number above 0, not '" + v + "'";
                                     },
                                     "NUMBER > 0"};
inline const CLI::Validator non_negative{[](const std::string& v) {
                                             try {
                                                 std::size_t end = 0;
                                                 if (std::stod(v, &end) >= 0 && end == v.size())
                                                     return std::string();
                                             } catch (const std::exception&) {
                                             }
                                             return "must be a number 0 or above, not '" + v + "'";
                                         },
                                         "NUMBER >= 0"};
inline const CLI::Validator not_empty{
    [](const std::string& v) { return v.empty() ? std::string("must not be empty") : std::string(); }, ""};

} // namespace mbus::cli
