#include "command.hpp"

#include <cstdio>
#include <exception>
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
    app.set_version_flag("--version", "mbus-sim " MBUS_SIM_VERSION);
    app.require_subcommand(1);

    std::vector<mbus::cli::command> commands;
    for (auto setup : mbus::cli::registry())
        commands.push_back(setup(app));

    try {
        app.parse(argc, argv);
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
