#include <mbus/runtime/wmbus_air.hpp>

#include <mbus/runtime/dongle.hpp>
#include <mbus/runtime/sim_clock.hpp>
#include <mbus/sim/wmbus_meter.hpp>
#include <mbus/wmbus/im871a.hpp>
#include <mbus/wmbus/receiver_errc.hpp>
#include <mbus/wmbus/receiver_text.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>

#include <chrono>
#include <list>
#include <optional>
#include <ostream>

namespace mbus::runtime {

namespace asio = boost::asio;

namespace {
wmbus::air_mode air_mode_of(sim::wmbus_mode m) {
    switch (m) {
    case sim::wmbus_mode::s1: return wmbus::air_mode::s1;
    case sim::wmbus_mode::c1: return wmbus::air_mode::c1;
    case sim::wmbus_mode::t1: break;
    }
    return wmbus::air_mode::t1;
}
} // namespace

struct wmbus_air::state {
    asio::any_io_executor ex;
    std::vector<sim::wmbus_meter_config> configs;
    scenario::receiver_settings receiver;
    std::function<void(std::string)> log;
    std::unique_ptr<transport::byte_stream> stream;
    std::optional<dongle> stick;
    std::ostream* out{nullptr};
    std::list<asio::steady_timer> timers;
    bool stopped{false};
    std::uint64_t sent{0};
    std::optional<wall_time> clock_start;
    sim_clock calendar;

    void hear(const sim::wmbus_meter& m, const sim::wmbus_transmission& t) {
        ++sent;
        const auto& c = m.config();
        log(fmt::format("{}: {} telegram, access number {}, {} bytes, {} dBm", c.name, sim::name_of(c.mode),
                        t.access_number, t.plain.size(), t.rssi_dbm));
        if (stick) {
            if (auto r = stick->push(t.plain, t.rssi_dbm, air_mode_of(c.mode)); !r)
                log(fmt::format("{}: the receiver did not pass the telegram on: {}{}", c.name,
                                r.error().message(),
                                r.error() == wmbus::receiver_errc::not_listening
                                    ? fmt::format(" (it listens in {}, the meter sends in {})",
                                                  stick->listening(), sim::name_of(c.mode))
                                    : std::string()));
            return;
        }
        if (out == nullptr) return;
        if (receiver.kind == scenario::receiver_kind::hex) {
            *out << wmbus::hex_line(t.plain) << std::flush;
            return;
        }
        wmbus::rtlwmbus_fields f;
        f.mode = std::string(sim::name_of(c.mode));
        f.when = std::chrono::system_clock::now();
        f.rssi = t.rssi_dbm;
        f.current_rssi = t.rssi_dbm;
        if (auto line = wmbus::rtlwmbus_line(t.plain, f))
            *out << *line << std::flush;
        else
            log(fmt::format("{}: {}", c.name, line.error().message()));
    }
};

namespace {

asio::awaitable<void> transmit_loop(std::shared_ptr<wmbus_air::state> s, sim::wmbus_meter m,
                                    asio::steady_timer& timer) {
    while (!s->stopped) {
        timer.expires_at(m.next_due());
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (s->stopped) break;
        const auto now = s->calendar.now();
        // A machine that slept does not make the meter send its missed transmissions in a burst.
        while (m.next_due() + std::chrono::seconds{60} < now.mono)
            (void)m.transmit(now);
        if (auto t = m.transmit(now))
            s->hear(m, *t);
        else
            s->log(fmt::format("{}: telegram not encoded: {}", m.config().name, t.error().message()));
    }
}

asio::awaitable<void> serve_loop(std::shared_ptr<wmbus_air::state> s) {
    const auto ec = co_await s->stick->serve();
    if (!s->stopped) s->log(fmt::format("the receiver's line ended: {}", ec.message()));
}

} // namespace

wmbus_air::wmbus_air(const asio::any_io_executor& ex, std::vector<sim::wmbus_meter_config> meters,
                     scenario::receiver_settings receiver, std::function<void(std::string)> log)
    : s_(std::make_shared<state>()) {
    s_->ex = ex;
    s_->configs = std::move(meters);
    s_->receiver = receiver;
    s_->log = std::move(log);
    if (!s_->log) s_->log = [](const std::string&) {};
}

wmbus_air::~wmbus_air() { stop(); }

namespace {
void start_meters(const std::shared_ptr<wmbus_air::state>& s) {
    s->calendar = sim_clock(s->clock_start, clock::now());
    const auto start = s->calendar.now();
    for (const auto& c : s->configs) {
        auto& timer = s->timers.emplace_back(s->ex);
        asio::co_spawn(s->ex, transmit_loop(s, sim::wmbus_meter(c, start), timer), asio::detached);
    }
}
} // namespace

void wmbus_air::serve(std::unique_ptr<transport::byte_stream> stream) {
    s_->stream = std::move(stream);
    std::vector<wmbus::air_mode> modes;
    for (const auto& c : s_->configs)
        modes.push_back(air_mode_of(c.mode));
    const auto kind =
        s_->receiver.kind == scenario::receiver_kind::amb8465 ? dongle_kind::amb8465 : dongle_kind::im871a;
    auto& log = s_->log;
    s_->stick.emplace(s_->ex, make_dongle_device(kind, s_->receiver.id, modes), *s_->stream,
                      [&log](const std::string& line) { log(line); });
    log(fmt::format("the {} starts listening in {}", name(kind), s_->stick->listening()));
    asio::co_spawn(s_->ex, serve_loop(s_), asio::detached);
    start_meters(s_);
}

void wmbus_air::set_clock(std::optional<wall_time> start) { s_->clock_start = start; }

void wmbus_air::print_to(std::ostream& out) {
    s_->out = &out;
    start_meters(s_);
}

void wmbus_air::stop() {
    if (s_->stopped) return;
    s_->stopped = true;
    for (auto& t : s_->timers)
        t.cancel();
    if (s_->stick) s_->stick->stop();
}

std::uint64_t wmbus_air::transmissions() const { return s_->sent; }

} // namespace mbus::runtime
