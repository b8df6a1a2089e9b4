#include "command.hpp"

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

namespace {
// Levenshtein distance, for suggesting a command.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const auto up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}
} // namespace

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
            if (const auto d = edit_distance(argv[1], sub->get_name()); d < best_distance) {
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
