#pragma once
// The control API's requests and answers without sockets (docs/http-api.md): a method, a target and
// a body in, a status, a content type and a body out. Changes are applied to the runners at once, on
// their io_context, so that each takes effect at the next request a bus serves; each is published by
// its runner as a notice. server.hpp puts this on HTTP and WebSocket.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mbus/control/feed.hpp>
#include <mbus/runtime/han_push.hpp>
#include <mbus/runtime/runner.hpp>

namespace mbus::control {

struct bus_info {
    runtime::runner* runner{nullptr};
    std::vector<std::string> lines;      // where masters reach it: "/dev/pts/5", "tcp:127.0.0.1:5000"
    std::string scenario_file;           // model paths of POSTed meters are relative to its folder
    runtime::han_port* han{nullptr};     // a HAN port's meters: .../faults takes han_* kinds for them
    std::vector<std::string> han_meters; // their names
};

struct http_reply {
    unsigned status{200};
    std::string content_type{"application/json"};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// {"error":{"status":404,"field":"meter","reason":"..."}}
http_reply error_reply(unsigned status, std::string field, std::string reason);

class api {
  public:
    explicit api(std::vector<bus_info> buses);

    http_reply handle(std::string_view method, std::string_view target, std::string_view body);

    // The feed of the bus a stream target (/api/v1/buses/{bus}/stream) names; otherwise null with
    // `error` set (404 for an unknown bus or path).
    std::shared_ptr<feed> stream_feed(std::string_view target, http_reply& error);
    // Lets go of the runners (before they go away): every feed stops following its bus.
    void detach();

    std::size_t size() const { return buses_.size(); }

  private:
    struct bus {
        bus_info info;
        std::shared_ptr<feed> records;
    };
    bus* find_bus(std::string_view name, http_reply& error);
    http_reply bus_request(bus& b, std::string_view method, const std::vector<std::string>& rest,
                           std::string_view query, std::string_view body);
    http_reply meter_request(bus& b, std::size_t meter, std::string_view method,
                             const std::vector<std::string>& rest, std::string_view body);
    http_reply fault_request(bus& b, std::string_view method, const std::vector<std::string>& rest,
                             std::string_view body);

    std::vector<bus> buses_;
};

// The path's segments, percent-decoded; nullopt for a bad escape. The query is split off first.
std::optional<std::vector<std::string>> split_path(std::string_view path);

} // namespace mbus::control
