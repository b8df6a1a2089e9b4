// mbus-sim receiver KIND: a wireless M-Bus receiver that hears the telegrams given with --telegram,
// one every --every seconds, as a reader sees such a receiver:
//   im871a, amb8465   a pty that speaks the stick's serial protocol (runtime/dongle.hpp)
//   rtlwmbus, hex     lines on stdout, as rtl_wmbus prints them or as plain hex
// The telegrams are given as they are; wireless meters that make their own are scenarios'
// [[wmbus_meter]]s, served by `mbus-sim run` (runtime/wmbus_air.hpp).

#include "command.hpp"

#include <mbus/runtime/dongle.hpp>
#include <mbus/transport/pty.hpp>
#include <mbus/wmbus/delivered_telegram.hpp>
#include <mbus/wmbus/receiver_text.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace mbus::cli {
namespace {

namespace asio = boost::asio;

struct receiver_options {
    std::string kind;
    std::vector<std::string> telegrams;
    double every_s{10};
    int rssi{-60};
    unsigned count{0};
    std::string link;
    std::string mode{"T1"};
    std::uint32_t id{0x12345678};
    bool verbose{false};
};

std::chrono::steady_clock::duration seconds(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

int run_text(const receiver_options& o, const std::vector<bytes>& telegrams) {
    asio::io_context io{1};
    asio::signal_set signals(io, SIGINT, SIGTERM);
    bool stopped = false;
    asio::steady_timer timer(io);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (!ec) {
            stopped = true;
            timer.cancel();
        }
    });
    int rc = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            for (unsigned n = 0; !stopped && (o.count == 0 || n < o.count); ++n) {
                if (n > 0) {
                    timer.expires_after(seconds(o.every_s));
                    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                    if (stopped) break;
                }
                const auto& t = telegrams[n % telegrams.size()];
                if (o.kind == "hex") {
                    std::cout << wmbus::hex_line(t) << std::flush;
                    continue;
                }
                wmbus::rtlwmbus_fields f;
                f.mode = o.mode;
                f.when = std::chrono::system_clock::now();
                f.rssi = o.rssi;
                auto line = wmbus::rtlwmbus_line(t, f);
                if (!line) {
                    std::cerr << fmt::format("mbus-sim: telegram {}: {}\n", n % telegrams.size() + 1,
                                             line.error().message());
                    rc = 1;
                    break;
                }
                std::cout << *line << std::flush;
            }
            signals.cancel();
        },
        asio::detached);
    io.run();
    return rc;
}

int run_dongle(const receiver_options& o, runtime::dongle_kind kind, const std::vector<bytes>& telegrams) {
    asio::io_context io{1};
    auto pty = transport::pty::open(io.get_executor(), transport::pty_options{o.link, true});
    if (!pty) {
        std::cerr << "mbus-sim: " << pty.message << '\n';
        return 1;
    }
    const auto mode = wmbus::air_mode_from_name(o.mode).value_or(wmbus::air_mode::t1);
    auto device = runtime::make_dongle_device(kind, o.id, {mode});
    auto log = [&o](const std::string& line) {
        if (o.verbose) std::cerr << "mbus-sim: " << line << '\n';
    };
    runtime::dongle dongle(io.get_executor(), std::move(device), *pty.stream, log);

    asio::steady_timer timer(io);
    bool stopped = false;
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        stopped = true;
        timer.cancel();
        dongle.stop();
    });
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            const auto ec = co_await dongle.serve();
            if (!stopped) std::cerr << "mbus-sim: the pty ended: " << ec.message() << '\n';
            stopped = true;
            timer.cancel();
            signals.cancel();
        },
        asio::detached);
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            // The first telegram after one interval: a reader needs the time to open and set up the stick.
            for (unsigned n = 0; !stopped && (o.count == 0 || n < o.count); ++n) {
                timer.expires_after(seconds(o.every_s));
                co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                if (stopped) break;
                if (auto r = dongle.push(telegrams[n % telegrams.size()], o.rssi, mode); !r)
                    std::cerr << fmt::format("mbus-sim: telegram {} not delivered: {}\n",
                                             n % telegrams.size() + 1, r.error().message());
                else
                    log(fmt::format("pushed telegram {}", n % telegrams.size() + 1));
            }
        },
        asio::detached);

    std::cout << "ready pty=" << pty->slave_path();
    if (!pty->link_path().empty()) std::cout << " link=" << pty->link_path();
    std::cout << " receiver=" << runtime::name(kind) << std::endl;
    io.run();
    const auto& s = dongle.stats();
    std::cerr << fmt::format(
        "mbus-sim: {} requests, {} answers, {} refused, {} junk bytes, {} telegrams pushed\n", s.requests,
        s.answers, s.refused, s.junk, s.pushed);
    return 0;
}

int run(const receiver_options& o) {
    std::vector<bytes> telegrams;
    for (const auto& h : o.telegrams) {
        auto b = from_hex(h);
        if (!b) {
            std::cerr << fmt::format("mbus-sim: --telegram {}: {}\n", h, b.error().message());
            return 2;
        }
        // Receivers deliver telegrams without their block CRCs: checked and removed here once.
        auto plain = wmbus::without_block_crcs(*b);
        if (!plain) {
            std::cerr << fmt::format("mbus-sim: --telegram {}: {}\n", h, plain.error().message());
            return 2;
        }
        telegrams.push_back(std::move(*plain));
    }
    if (o.kind == "rtlwmbus" || o.kind == "hex") {
        if (telegrams.empty()) {
            std::cerr << "mbus-sim: receiver " << o.kind << " needs at least one --telegram\n";
            return 2;
        }
        return run_text(o, telegrams);
    }
    const auto kind = runtime::dongle_from_name(o.kind);
    if (!kind) return 2; // CLI11 checked the name
    return run_dongle(o, *kind, telegrams);
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<receiver_options>();
    auto* app = parent.add_subcommand(
        "receiver",
        "Act as a wireless M-Bus receiver that hears the given telegrams: an iM871A or AMB8465 USB "
        "stick on a pty (prints 'ready pty=...'), or rtl_wmbus / hex lines on stdout");
    app->add_option("kind", o->kind, "im871a, amb8465, rtlwmbus or hex")
        ->required()
        ->check(CLI::IsMember({"im871a", "amb8465", "rtlwmbus", "hex"}));
    app->add_option("--telegram", o->telegrams,
                    "A telegram in hex, L field first, with or without its format A block CRCs (repeatable: "
                    "sent in turn)");
    app->add_option("--every", o->every_s, "Seconds between telegrams")->check(positive);
    app->add_option("--rssi", o->rssi, "Signal strength of every telegram, in dBm");
    app->add_option("--count", o->count, "Stop sending after this many telegrams (0: never)");
    app->add_option("--link", o->link, "For a stick: a stable symlink to the pty, removed on exit");
    app->add_option(
           "--mode", o->mode,
           "The mode the telegrams are sent in: a stick starts listening in it and drops them when a "
           "reader sets a link mode that does not hear it; rtlwmbus: the mode field of each line")
        ->check(CLI::IsMember({"T1", "C1", "S1"}));
    app->add_option("--id", o->id, "The stick's id (iM871A device id, AMB8465 serial number)");
    app->add_flag("--verbose,-v", o->verbose, "Log every request and answer on stderr");
    return {app, [o] { return run(*o); }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
