// mbus-sim read ADDRESS|SECONDARY LINE: read one meter, every telegram of a multi-telegram readout,
// and print its records decoded. ADDRESS is a primary address (0..250, or 254 for "whoever is
// alone on the line"); SECONDARY is 16 hex characters as libmbus writes them (id, manufacturer in
// wire order, version, medium; F: any) or 8 identification digits.
// Exit 0 for a complete readout, 1 when nothing (or more than one meter) answered, the readout
// broke off, or the line failed, 2 for usage errors.

#include "command.hpp"
#include "line.hpp"

#include <mbus/app/json.hpp>
#include <mbus/app/libmbus_xml.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/master/scan.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
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
    std::string format{"text"}; // text, json, xml, xml-normalized
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

// The value in the unit and scale the meter sends it in: "154 kWh" for an energy in kWh (VIF 06), not
// the base unit ("154000 Wh"), and the digits its resolution gives ("39.490 m3" for litres).
std::string value_text(const nlohmann::json& r) {
    const auto& value = r["value"];
    const int exponent = r["exponent"].get<int>();
    std::string unit = r["unit"].get<std::string>();
    int shown = 0; // the power of ten the printed unit stands for
    if ((unit == "Wh" || unit == "J" || unit == "W" || unit == "J/h") && exponent >= 1) {
        shown = std::min(9, (exponent + 2) / 3 * 3);
        unit = std::string(shown == 3 ? "k" : shown == 6 ? "M" : "G") + unit;
    }
    const int decimals = std::max(0, shown - exponent);
    const auto number = fmt::format("{:.{}f}", value.get<double>() / std::pow(10.0, shown), decimals);
    return unit.empty() ? number : number + " " + unit;
}

std::string record_line(const nlohmann::json& r) {
    auto text = r["text"].get<std::string>();
    const auto eq = text.rfind(" = ");
    if (eq == std::string::npos || !r.contains("value") || !r["value"].is_number() || !r.contains("unit") ||
        !r["unit"].is_string() || !r.contains("exponent"))
        return text;
    return text.substr(0, eq + 3) + value_text(r);
}

// EN 13757-3 status byte (CI 72/7A header): bits 0-1 application status, 2 power low, 3 permanent
// error, 4 temporary error, 5-7 manufacturer specific.
std::string status_words(int status) {
    std::vector<std::string> w;
    switch (status & 0x03) {
    case 1: w.emplace_back("application busy"); break;
    case 2: w.emplace_back("application error"); break;
    case 3: w.emplace_back("abnormal condition / alarm"); break;
    default: break;
    }
    if ((status & 0x04) != 0) w.emplace_back("power low");
    if ((status & 0x08) != 0) w.emplace_back("permanent error");
    if ((status & 0x10) != 0) w.emplace_back("temporary error");
    if ((status & 0xE0) != 0) w.push_back(fmt::format("manufacturer bits {:02X}", status & 0xE0));
    if (w.empty()) return "no error";
    std::string out = w.front();
    for (std::size_t i = 1; i < w.size(); ++i)
        out += ", " + w[i];
    return out;
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
        std::cout << fmt::format("  access number {}  status {:02X} ({})\n", h["access_number"].get<int>(),
                                 h["status"].get<int>(), status_words(h["status"].get<int>()));
    }
    if (j.contains("records"))
        for (const auto& r : j["records"]) {
            if (r.contains("text"))
                std::cout << "  " << record_line(r) << '\n';
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
    // Repeats are counted, so that a fault that drops every second request is visible.
    unsigned repeats = 0;
    std::string why_repeated;
    auto verbose = frame_printer(o.line, std::cerr);
    master::transcript_kind last = master::transcript_kind::sent;
    bus.set_transcript([&, verbose](const master::transcript_entry& e) {
        if (verbose) verbose(e);
        if (e.kind == master::transcript_kind::sent && e.attempt > 1) {
            ++repeats;
            if (why_repeated.empty())
                why_repeated = last == master::transcript_kind::timeout ? "no answer" : "a garbled answer";
        }
        last = e.kind;
    });
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
    if (o.format == "xml" || o.format == "xml-normalized") {
        // As libmbus's request-data tools print it, one document per telegram.
        for (const auto& tg : r.telegrams) {
            const auto out = app::to_libmbus_xml(tg.frame, o.format == "xml-normalized");
            if (out.ok())
                std::cout << out.xml;
            else
                std::cerr << "mbus-sim read: " << out.error << '\n';
        }
    } else if (o.json || o.format == "json") {
        auto telegrams = nlohmann::json::array();
        for (const auto& tg : r.telegrams)
            telegrams.push_back(telegram_json(tg));
        nlohmann::json j{{"target", o.target},
                         {"complete", static_cast<bool>(r)},
                         {"error", r ? nlohmann::json(nullptr) : nlohmann::json(r.error.message())},
                         {"repeats", repeats},
                         {"telegrams", std::move(telegrams)}};
        std::cout << j.dump(2) << '\n';
    } else {
        for (std::size_t i = 0; i < r.telegrams.size(); ++i)
            print_text(r.telegrams[i], i);
        if (repeats > 0 && !o.line.quiet)
            std::cout << fmt::format("needed {} repeat{} (the first after {})\n", repeats,
                                     repeats == 1 ? "" : "s", why_repeated);
    }
    if (!r) {
        std::cerr << fmt::format(
            "mbus-sim read: {}: {}{}\n", o.target, r.error.message(),
            r.telegrams.empty() ? " (nothing read)" : fmt::format(" after {} telegrams", r.telegrams.size()));
        co_return exit_nothing;
    }
    co_return exit_found;
}

int run(read_options o) {
    // libmbus's tools take the device first (`mbus-serial-request-data DEVICE ADDRESS`): accept that
    // order too when the first word is no address and the second is one.
    if (!parse_target(o.target) && parse_target(o.line.line)) std::swap(o.target, o.line.line);
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
    app->add_flag("--json", o->json, "Print the telegrams as JSON (the same as --format json)");
    app->add_option("--format", o->format,
                    "text (default), json, xml or xml-normalized (libmbus's XML, as its request-data tools "
                    "print it)")
        ->check(CLI::IsMember({"text", "json", "xml", "xml-normalized"}));
    add_line_options(*app, o->line);
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
