// mbus-sim check FILE...: loads scenarios without running them. Every diagnostic goes to stderr (as
// compilers print them, so editors can jump to them), one summary line per file to stdout.
// Exit 0 when every file is valid, 1 when one is not, 2 for usage errors.

#include "command.hpp"

#include <mbus/scenario/load.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace mbus::cli {

namespace {

std::string count(std::size_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

int check(const std::vector<std::string>& files) {
    int rc = 0;
    for (const auto& file : files) {
        const auto r = scenario::load(file);
        for (const auto& d : r.errors)
            std::cerr << to_string(d) << '\n';
        if (r && !r.value->wmbus_meters.empty())
            std::cout << fmt::format("{}: ok, {} heard through one {} receiver\n", file,
                                     count(r.value->wmbus_meters.size(), "wireless meter"),
                                     scenario::name_of(r.value->receiver.kind));
        else if (r && !r.value->replays.empty()) {
            const auto& p = r.value->replays.front();
            std::cout << fmt::format("{}: ok, replay {} of {} ({}, {}, {} bytes)\n", file, p.name, p.file,
                                     capture::name_of(p.format), count(p.chunks.size(), "chunk"),
                                     capture::total_bytes(p));
        } else if (r && !r.value->han_meters.empty())
            std::cout << fmt::format("{}: ok, {} on one HAN port\n", file,
                                     count(r.value->han_meters.size(), "HAN meter"));
        else if (r)
            std::cout << fmt::format("{}: ok, {} on one bus\n", file, count(r.value->meters.size(), "meter"));
        else
            std::cout << fmt::format("{}: {}\n", file, count(r.errors.size(), "error"));
        if (!r) rc = 1;
    }
    return rc;
}

command setup(CLI::App& parent) {
    auto files = std::make_shared<std::vector<std::string>>();
    auto* app = parent.add_subcommand("check", "Validate scenario files without running them");
    app->add_option("files", *files, "Scenario TOML files")->required();
    return {app, [files] { return check(*files); }};
}

const bool registered = add_command(&setup);

} // namespace

} // namespace mbus::cli
