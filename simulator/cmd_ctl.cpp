// mbus-sim ctl: a small client of the control API (docs/http-api.md) for scripts and CI.

#include "command.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mbus::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

// Exit codes: 0 done, 1 the server refused (its reason is printed), 2 usage, 3 cannot connect.
constexpr int exit_ok = 0;
constexpr int exit_refused = 1;
constexpr int exit_usage = 2;
constexpr int exit_connect = 3;

struct ctl_options {
    std::string http;
    std::string token;
    std::string bus;
    bool json{false};
};

struct usage_error {
    std::string what;
};
struct connect_error {
    std::string what;
};

struct response {
    unsigned status{0};
    std::string body;
};

class client {
  public:
    explicit client(const ctl_options& o) : o_(o) {
        auto where = o.http;
        if (where.starts_with("http://")) where.erase(0, 7);
        if (!where.empty() && where.back() == '/') where.pop_back();
        const auto colon = where.rfind(':');
        if (colon == std::string::npos)
            throw usage_error{fmt::format("--http {}: expected HOST:PORT", o.http)};
        host_ = where.substr(0, colon);
        port_ = where.substr(colon + 1);
    }

    response request(http::verb method, const std::string& target, const std::optional<json>& body = {}) {
        beast::tcp_stream stream(io_);
        connect(stream);
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, host_);
        req.set(http::field::user_agent, "mbus-sim ctl");
        if (!o_.token.empty()) req.set(http::field::authorization, "Bearer " + o_.token);
        if (body) {
            req.set(http::field::content_type, "application/json");
            req.body() = body->dump();
        }
        req.prepare_payload();
        stream.expires_after(std::chrono::seconds(30));
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        try {
            http::write(stream, req);
            http::read(stream, buffer, res);
        } catch (const boost::system::system_error& e) {
            throw connect_error{fmt::format("{}:{}: {}", host_, port_, e.code().message())};
        }
        return {res.result_int(), std::move(res.body())};
    }

    // Prints every stream message until the server closes or the process is stopped.
    int watch(const std::string& target) {
        websocket::stream<beast::tcp_stream> ws(io_);
        connect(ws.next_layer());
        ws.next_layer().expires_never();
        try {
            ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
                if (!o_.token.empty()) req.set(http::field::authorization, "Bearer " + o_.token);
            }));
            ws.handshake(host_ + ":" + port_, target);
        } catch (const boost::system::system_error& e) {
            std::cerr << fmt::format("mbus-sim ctl: the stream was refused: {}\n", e.code().message());
            return exit_refused;
        }
        beast::flat_buffer buffer;
        for (;;) {
            boost::system::error_code ec;
            ws.read(buffer, ec);
            if (ec) break;
            std::cout << beast::buffers_to_string(buffer.data()) << std::endl;
            buffer.clear();
        }
        return exit_ok;
    }

  private:
    void connect(beast::tcp_stream& stream) {
        try {
            tcp::resolver resolver(io_);
            stream.expires_after(std::chrono::seconds(5));
            stream.connect(resolver.resolve(host_, port_));
        } catch (const boost::system::system_error& e) {
            throw connect_error{fmt::format("cannot connect to {}:{}: {}", host_, port_, e.code().message())};
        }
    }

    const ctl_options& o_;
    asio::io_context io_;
    std::string host_;
    std::string port_;
};

// A value as the user typed it: JSON when it is JSON (1500, true, {"counter":...}), else text.
json value_of(const std::string& text) {
    auto j = json::parse(text, nullptr, false);
    return j.is_discarded() ? json(text) : j;
}

std::string escape(const std::string& segment) {
    std::string out;
    for (const char c : segment) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~')
            out += c;
        else
            out += fmt::format("%{:02X}", u);
    }
    return out;
}

void need(const std::vector<std::string>& args, std::size_t n, const char* usage) {
    if (args.size() != n) throw usage_error{fmt::format("usage: mbus-sim ctl {}", usage)};
}

std::string text_of(const json& j);

std::string meter_line(const json& m) {
    return fmt::format("{:<20} primary {:>3}  id {}  {} {}  {}{}", m.value("name", ""), m.value("primary", 0),
                       m.value("id", ""), m.value("manufacturer", ""), m["medium"].dump(),
                       m.value("present", true) ? "present" : "absent",
                       m.value("selected", false) ? " selected" : "");
}

// What a person reads; --json prints the server's JSON instead.
std::string text_of(const json& j) {
    if (j.is_array()) {
        std::string out;
        for (const auto& x : j)
            out += text_of(x) + "\n";
        if (!out.empty()) out.pop_back();
        return out;
    }
    if (!j.is_object()) return j.dump();
    if (j.contains("records") && j.contains("primary")) {
        auto out = meter_line(j);
        for (const auto& r : j["records"])
            out += fmt::format("\n  [{}] {:<24} {} {}{}", r.value("index", 0),
                               r["name"].is_string() ? r["name"].get<std::string>() : r.value("quantity", ""),
                               r["value"].dump(), r.value("unit", ""),
                               r["generator"].is_null() ? "" : "  " + r["generator"].dump());
        return out;
    }
    if (j.contains("kind") && j.contains("active"))
        return fmt::format("{:<16} {:<14} {:<4} {}", j.value("name", ""), j.value("kind", ""),
                           j.value("active", false) ? "on" : "off",
                           j["meter"].is_string() ? j["meter"].get<std::string>() : "(every meter)");
    if (j.contains("lines") && j.contains("meters"))
        return fmt::format("{:<20} {} meters, {} requests, {}", j.value("name", ""), j.value("meters", 0),
                           j.value("requests", 0), j["lines"].dump());
    if (j.contains("action") && j.contains("index"))
        return fmt::format("[{}] {}", j.value("index", 0), j.value("text", ""));
    return j.dump(2);
}

int run(const ctl_options& o, std::vector<std::string> args) {
    if (args.empty())
        throw usage_error{"give a verb: buses, meters, meter, set, status, alarm, off, on, "
                          "power-cycle, fault, faults, fire, counters, transcript, watch"};
    client c(o);
    const auto verb = args.front();
    args.erase(args.begin());

    const auto print = [&](const response& r) {
        if (r.status >= 400) {
            auto j = json::parse(r.body, nullptr, false);
            std::string reason = r.body;
            if (!j.is_discarded() && j.contains("error")) {
                const auto& e = j["error"];
                reason = e.value("reason", std::string());
                if (const auto f = e.value("field", std::string()); !f.empty()) reason = f + ": " + reason;
            }
            std::cerr << fmt::format("mbus-sim ctl: {} (HTTP {})\n", reason, r.status);
            return exit_refused;
        }
        if (r.body.empty()) return exit_ok;
        if (o.json) {
            std::cout << r.body << (r.body.ends_with('\n') ? "" : "\n");
            return exit_ok;
        }
        auto j = json::parse(r.body, nullptr, false);
        std::cout << (j.is_discarded() ? r.body : text_of(j)) << (r.body.ends_with('\n') ? "" : "\n");
        return exit_ok;
    };

    if (verb == "buses") {
        need(args, 0, "buses");
        return print(c.request(http::verb::get, "/api/v1/buses"));
    }
    // Everything else is about one bus: the one named, else the only one.
    auto bus = o.bus;
    if (bus.empty()) {
        const auto r = c.request(http::verb::get, "/api/v1/buses");
        if (r.status >= 400) return print(r);
        const auto list = json::parse(r.body, nullptr, false);
        if (list.is_discarded() || !list.is_array() || list.empty())
            throw connect_error{"the server did not list its buses"};
        if (list.size() > 1) throw usage_error{"the server runs several buses: give --bus NAME"};
        bus = list.front().value("name", "");
    }
    const auto base = "/api/v1/buses/" + escape(bus);
    const auto meter = [&](const std::string& m) { return base + "/meters/" + escape(m); };

    if (verb == "meters") {
        need(args, 0, "meters");
        return print(c.request(http::verb::get, base + "/meters"));
    }
    if (verb == "meter") {
        need(args, 1, "meter METER");
        return print(c.request(http::verb::get, meter(args[0])));
    }
    if (verb == "set") {
        need(args, 3, "set METER RECORD VALUE (RECORD: an index from 0 or a name such as energy)");
        const auto v = value_of(args[2]);
        const json body = v.is_object() ? json{{"generator", v}} : json{{"value", v}};
        return print(c.request(http::verb::put, meter(args[0]) + "/records/" + escape(args[1]), body));
    }
    if (verb == "status") {
        need(args, 2, "status METER BYTE");
        return print(c.request(http::verb::patch, meter(args[0]), json{{"status", value_of(args[1])}}));
    }
    if (verb == "alarm") {
        need(args, 2, "alarm METER on|off");
        if (args[1] != "on" && args[1] != "off") throw usage_error{"usage: mbus-sim ctl alarm METER on|off"};
        return print(c.request(http::verb::patch, meter(args[0]), json{{"alarm", args[1] == "on"}}));
    }
    if (verb == "off" || verb == "on") {
        need(args, 1, "on|off METER");
        return print(
            c.request(http::verb::post, meter(args[0]) + "/presence", json{{"present", verb == "on"}}));
    }
    if (verb == "power-cycle") {
        need(args, 1, "power-cycle METER");
        return print(c.request(http::verb::post, meter(args[0]) + "/power-cycle", json::object()));
    }
    if (verb == "faults") {
        need(args, 0, "faults");
        return print(c.request(http::verb::get, base + "/faults"));
    }
    if (verb == "fault") {
        if (args.empty()) throw usage_error{"usage: mbus-sim ctl fault add|on|off|rm ..."};
        const auto sub = args.front();
        args.erase(args.begin());
        if (sub == "add") {
            json body = json::object();
            std::vector<std::string> rest;
            for (std::size_t i = 0; i < args.size(); ++i) {
                if (args[i] == "--meter" && i + 1 < args.size())
                    body["meter"] = args[++i];
                else if (args[i].starts_with("--meter="))
                    body["meter"] = args[i].substr(8);
                else
                    rest.push_back(args[i]);
            }
            if (rest.empty())
                throw usage_error{"usage: mbus-sim ctl fault add [--meter METER] KIND [key=value...]"};
            body["kind"] = rest.front();
            for (std::size_t i = 1; i < rest.size(); ++i) {
                const auto eq = rest[i].find('=');
                if (eq == std::string::npos || eq == 0)
                    throw usage_error{fmt::format("fault add: '{}' is not key=value", rest[i])};
                body[rest[i].substr(0, eq)] = value_of(rest[i].substr(eq + 1));
            }
            return print(c.request(http::verb::post, base + "/faults", body));
        }
        need(args, 1, "fault on|off|rm NAME");
        const auto target = base + "/faults/" + escape(args[0]);
        if (sub == "on" || sub == "off")
            return print(c.request(http::verb::patch, target, json{{"active", sub == "on"}}));
        if (sub == "rm") return print(c.request(http::verb::delete_, target));
        throw usage_error{fmt::format("fault {}: expected add, on, off or rm", sub)};
    }
    if (verb == "fire") {
        need(args, 1, "fire INDEX");
        return print(
            c.request(http::verb::post, base + "/events/" + escape(args[0]) + "/fire", json::object()));
    }
    if (verb == "counters") {
        need(args, 0, "counters");
        return print(c.request(http::verb::get, base + "/counters"));
    }
    if (verb == "transcript") {
        std::string since = "0";
        if (args.size() == 2 && args[0] == "--since")
            since = args[1];
        else if (args.size() == 1 && args[0].starts_with("--since="))
            since = args[0].substr(8);
        else
            need(args, 0, "transcript [--since N]");
        const auto r = c.request(http::verb::get, base + "/transcript?since=" + escape(since));
        if (r.status >= 400) return print(r);
        std::cout << r.body << std::flush; // JSON lines either way
        return exit_ok;
    }
    if (verb == "watch") {
        need(args, 0, "watch");
        return c.watch(base + "/stream");
    }
    throw usage_error{fmt::format("unknown verb '{}'", verb)};
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<ctl_options>();
    auto* app = parent.add_subcommand(
        "ctl",
        "Change a running simulator through its control API (run --http): verbs buses, meters, meter M, "
        "set M RECORD VALUE, status M N, alarm M on|off, off M, on M, power-cycle M, fault add [--meter M] "
        "KIND [key=value...], fault on|off|rm NAME, faults, fire INDEX, counters, transcript [--since N], "
        "watch");
    const char* env = std::getenv("MBUS_SIM_HTTP");
    o->http = env != nullptr && *env != '\0' ? env : "127.0.0.1:8080";
    app->add_option("--http", o->http,
                    "The simulator's control API, HOST:PORT (default: $MBUS_SIM_HTTP, else "
                    "127.0.0.1:8080)")
        ->check(not_empty);
    app->add_option("--token", o->token, "Send Authorization: Bearer TOKEN (run --http-token)")
        ->check(not_empty);
    app->add_option("--bus", o->bus, "The bus (default: the only one)")->check(not_empty);
    app->add_flag("--json", o->json, "Print the server's JSON as it is");
    // The verb and its arguments (fault add takes options of its own): everything after the verb.
    app->prefix_command();
    return {app, [o, app] {
                try {
                    return run(*o, app->remaining());
                } catch (const usage_error& e) {
                    std::cerr << "mbus-sim ctl: " << e.what << '\n';
                    return exit_usage;
                } catch (const connect_error& e) {
                    std::cerr << "mbus-sim ctl: " << e.what << '\n';
                    return exit_connect;
                }
            }};
}

[[maybe_unused]] const bool registered = add_command(&setup);

} // namespace
} // namespace mbus::cli
