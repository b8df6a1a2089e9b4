// mbus-sim read ADDRESS|SECONDARY LINE: read one meter, every telegram of a multi-telegram readout,
// and print its records decoded. ADDRESS is a primary address (0..250, or 254 for "whoever is
// alone on the line"); SECONDARY is 16 hex characters as libmbus writes them (id, manufacturer in
// wire order, version, medium; F: any) or 8 identification digits.
// Exit 0 for a complete readout, 1 when nothing (or more than one meter) answered, the readout
// broke off, or the line failed, 2 for usage errors.

#include "command.hpp"
#include "line.hpp"

#include <mbus/app/json.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/master/scan.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <iostream>
#include <memory>
#include <optional>

namespace mbus::cli {
namespace {

struct read_options {
    line_options line;
    std::string target;
    std::string ci{"52"};
    bool json{false};
};

struct target {
    std::optional<byte> primary;
    app::secondary_address secondary;
};

std::optional<target> parse_target(const std::string& s) {
    if (s.size() == 8 || s.size() == 16) {
        auto a = master::parse_secondary(s);
        if (!a) return std::nullopt;
        return target{std::nullopt, *a};
    }
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    if (v > link::address::max_primary && v != link::address::broadcast_reply) return std::nullopt;
    return target{static_cast<byte>(v), {}};
}

nlohmann::json telegram_json(const master::telegram& t) {
    nlohmann::json j = t.data ? app::to_json(*t.data) : nlohmann::json::object();
    if (!t.data) j["error"] = t.decode_error.message();
    j["link"] = {{"c", fmt::format("{:02X}", t.frame.c)},
                 {"a", t.frame.a},
                 {"ci", fmt::format("{:02X}", t.frame.ci)},
                 {"description", link::describe(t.frame)}};
    return j;
}

void print_text(const master::telegram& t, std::size_t index) {
    std::cout << fmt::format("telegram {}: {}\n", index + 1, link::describe(t.frame));
    if (!t.data) {
        std::cout << "  user data does not decode: " << t.decode_error.message() << '\n';
        return;
    }
    const auto j = app::to_json(*t.data);
    if (j.contains("header") && j["header"].is_object()) {
        const auto& h = j["header"];
        if (h.contains("id"))
            std::cout << fmt::format("  id {}  {}  version {}  medium {} ({})\n", h["id"].get<std::string>(),
                                     h["manufacturer"].get<std::string>(), h["version"].get<int>(),
                                     h["medium"].get<int>(), h["medium_description"].get<std::string>());
        std::cout << fmt::format("  access number {}  status {:02X}\n", h["access_number"].get<int>(),
                                 h["status"].get<int>());
    }
    if (j.contains("records"))
        for (const auto& r : j["records"]) {
            if (r.contains("text"))
                std::cout << "  " << r["text"].get<std::string>() << '\n';
            else if (r.contains("error"))
                std::cout << "  " << r["hex"].get<std::string>() << ": " << r["error"].get<std::string>()
                          << '\n';
            else
                std::cout << "  " << r["kind"].get<std::string>() << " " << r.value("data", std::string{})
                          << '\n';
        }
    if (j.contains("fixed") || j.contains("application_error") || j.contains("data"))
        std::cout << "  " << j.dump() << '\n';
}

asio::awaitable<int> read(const read_options& o, const target& t) {
    auto opened = co_await open_line(o.line);
    if (!opened.stream) {
        std::cerr << "mbus-sim read: " << opened.error << '\n';
        co_return exit_nothing;
    }
    master::bus_master bus(*opened.stream, o.line.master(opened.stream->carried_by()));
    if (o.line.verbose) bus.set_transcript(print_frames(std::cerr));
    master::readout r;
    if (t.primary) {
        r = co_await bus.read(*t.primary);
    } else {
        const auto mask = master::secondary_string(t.secondary);
        auto s = co_await bus.select({t.secondary, {}}, o.ci == "56" ? app::ci::select_msb : app::ci::select);
        if (!s) {
            std::cerr << "mbus-sim read: " << o.line.line << ": " << s.error().message() << '\n';
            co_return exit_nothing;
        }
        switch (master::presence_of(*s)) {
        case master::presence::none:
            std::cerr << "mbus-sim read: no meter answers secondary address " << mask << '\n';
            co_return exit_nothing;
        case master::presence::collision:
            std::cerr << "mbus-sim read: more than one meter matches " << mask << " (" << *s
                      << "); narrow the mask or run scan --secondary\n";
            co_return exit_nothing;
        case master::presence::one: break;
        }
        r = co_await bus.read_selected();
    }
    if (o.json) {
        auto telegrams = nlohmann::json::array();
        for (const auto& tg : r.telegrams)
            telegrams.push_back(telegram_json(tg));
        nlohmann::json j{{"target", o.target},
                         {"complete", static_cast<bool>(r)},
                         {"error", r ? nlohmann::json(nullptr) : nlohmann::json(r.error.message())},
                         {"telegrams", std::move(telegrams)}};
        std::cout << j.dump(2) << '\n';
    } else {
        for (std::size_t i = 0; i < r.telegrams.size(); ++i)
            print_text(r.telegrams[i], i);
    }
    if (!r) {
        std::cerr << fmt::format(
            "mbus-sim read: {}: {}{}\n", o.target, r.error.message(),
            r.telegrams.empty() ? " (nothing read)" : fmt::format(" after {} telegrams", r.telegrams.size()));
        co_return exit_nothing;
    }
    co_return exit_found;
}

int run(const read_options& o) {
    const auto t = parse_target(o.target);
    if (!t) {
        std::cerr << "mbus-sim read: \"" << o.target
                  << "\" is neither a primary address (0..250, 254) nor a secondary address (8 digits, or 16 "
                     "hex characters: id, manufacturer, version, medium)\n";
        return exit_usage;
    }
    return run_to_exit(read(o, *t));
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<read_options>();
    auto* app =
        parent.add_subcommand("read", "Read one meter (every telegram) by primary or secondary address "
                                      "and print its records");
    app->add_option("address", o->target,
                    "Primary address 0..250 (254: the only meter on the line), or secondary address: 16 hex "
                    "characters as libmbus prints them, or 8 identification digits")
        ->required();
    app->add_option("--ci", o->ci, "Select with CI 52 (default) or 56")->check(CLI::IsMember({"52", "56"}));
    app->add_flag("--json", o->json, "Print the telegrams as JSON");
    add_line_options(*app, o->line);
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
