#include "command.hpp"

#include <mbus/core/text.hpp>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace mbus::cli {
namespace {
std::vector<setup_fn>& registry() {
    static std::vector<setup_fn> r;
    return r;
}
} // namespace

bool add_command(setup_fn setup) {
    registry().push_back(setup);
    return true;
}
} // namespace mbus::cli

int main(int argc, char** argv) {
    CLI::App app{"mbus-sim: an M-Bus (EN 13757-2/-3) slave and meter simulator and test harness"};
    app.set_version_flag("-V,--version", "mbus-sim " MBUS_SIM_VERSION);
    app.require_subcommand(1);

    std::vector<mbus::cli::command> commands;
    for (auto setup : mbus::cli::registry())
        commands.push_back(setup(app));

    // A mistyped command gets the closest one, not CLI11's "A subcommand is required".
    const auto known = [&](std::string_view name) {
        for (const auto* sub : app.get_subcommands({}))
            if (sub->get_name() == name) return true;
        return false;
    };
    if (argc > 1 && argv[1][0] != '-' && !known(argv[1])) {
        std::string best;
        std::size_t best_distance = 3; // further than two edits is no typo
        for (const auto* sub : app.get_subcommands({}))
            if (const auto d = mbus::edit_distance(argv[1], sub->get_name()); d < best_distance) {
                best = sub->get_name();
                best_distance = d;
            }
        std::fprintf(stderr, "mbus-sim: unknown command '%s'%s%s%s; see mbus-sim --help\n", argv[1],
                     best.empty() ? "" : " (did you mean '", best.c_str(), best.empty() ? "" : "'?)");
        return 2;
    }
    // `decode -- HEX`, as people write it after other tools: CLI11 2.1 gives what follows `--` to the
    // parent, which takes no positionals. Decode's inputs are hex and file names: drop the marker.
    std::vector<char*> args(argv, argv + argc);
    if (argc > 1 && std::string_view(argv[1]) == "decode")
        std::erase_if(args, [](const char* a) { return std::string_view(a) == "--"; });
    try {
        app.parse(static_cast<int>(args.size()), args.data());
    } catch (const CLI::ParseError& e) {
        // CLI11 returns 0 for --help and --version; usage errors are exit code 2 everywhere.
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    try {
        for (auto& c : commands)
            if (c.app != nullptr && c.app->parsed()) return c.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mbus-sim: %s\n", e.what());
        return 2;
    }
    return 2;
}
