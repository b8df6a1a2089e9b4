#include <mbus/runtime/wmbus_air.hpp>

#include <mbus/runtime/dongle.hpp>
#include <mbus/runtime/sim_clock.hpp>
#include <mbus/sim/wmbus_fault.hpp>
#include <mbus/sim/wmbus_meter.hpp>
#include <mbus/wmbus/im871a.hpp>
#include <mbus/wmbus/receiver_errc.hpp>
#include <mbus/wmbus/receiver_text.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <mbus/transport/deadline.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <list>
#include <optional>
#include <ostream>
#include <utility>

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

struct wmbus_air::state : std::enable_shared_from_this<wmbus_air::state> {
    asio::any_io_executor ex;
    std::vector<sim::wmbus_meter_config> configs;
    scenario::receiver_settings receiver;
    std::function<void(std::string)> log;
    std::function<void(std::string)> injected_line;
    std::unique_ptr<transport::byte_stream> stream;
    std::optional<dongle> stick;
    std::ostream* out{nullptr};
    std::list<asio::steady_timer> timers;
    std::vector<sim::wmbus_meter> meters;
    std::optional<sim::wmbus_fault_engine> faults;
    bool stopped{false};
    std::uint64_t sent{0};
    std::optional<wall_time> clock_start;
    sim_clock calendar;
    std::uint64_t injected{0};
    std::uint64_t collided{0};

    // TCP clients of a text receiver: each with the lines not yet written, one writer at a time.
    struct line_client {
        std::shared_ptr<transport::byte_stream> stream;
        std::string queued;
        bool writing{false};
    };
    static constexpr std::size_t max_queued = 64 * 1024; // some minutes of lines: a reader that stopped
    static constexpr duration write_timeout = std::chrono::seconds{2};
    std::list<std::shared_ptr<line_client>> line_clients;
    std::shared_ptr<transport::listener> listener;

    // A telegram on the air: what the receiver gets if nothing overlaps it.
    struct on_air {
        std::size_t meter{0};
        sim::air_slot slot;
        std::uint8_t access_number{0};
        bytes air;
        bytes plain;
        std::optional<std::size_t> crc_block;
        std::optional<std::size_t> cut; // wm_truncate: the telegram bytes that arrived
        bool landed{false};             // its land() ran: only then may it be forgotten
    };
    std::list<on_air> flying;

    void hear(const on_air& a) {
        ++sent;
        const auto& c = configs[a.meter];
        log(fmt::format("{}: {} telegram, access number {}, {} bytes, {} dBm", c.name, sim::name_of(c.mode),
                        a.access_number, a.plain.size(), a.slot.rssi_dbm));
        if (stick) {
            // A stick checks the block CRCs and hands over only telegrams that pass.
            if (a.crc_block) {
                log(fmt::format("{}: the receiver drops access number {}: CRC error in block {}", c.name,
                                a.access_number, *a.crc_block));
                return;
            }
            // A cut-off reception: the frame ends before L says, so its last block's CRC cannot match.
            if (a.cut) {
                log(fmt::format(
                    "{}: the receiver drops access number {}: the frame ends after {} of {} bytes "
                    "(its last block's CRC cannot match)",
                    c.name, a.access_number, *a.cut, std::size_t{a.plain.front()} + 1));
                return;
            }
            if (auto r = stick->push(a.plain, a.slot.rssi_dbm, air_mode_of(c.mode)); !r)
                log(fmt::format("{}: the receiver did not pass the telegram on: {}{}", c.name,
                                r.error().message(),
                                r.error() == wmbus::receiver_errc::not_listening
                                    ? fmt::format(" (it listens in {}, the meter sends in {})",
                                                  stick->listening(), sim::name_of(c.mode))
                                    : std::string()));
            return;
        }
        if (out == nullptr && listener == nullptr) return;
        if (receiver.kind == scenario::receiver_kind::hex) {
            // Hex lines carry no verdict: a telegram with a CRC error, or cut off, goes out with its
            // CRCs as they arrived, for the reader to check.
            emit(wmbus::hex_line(a.crc_block || a.cut ? a.air : a.plain));
            return;
        }
        wmbus::rtlwmbus_fields f;
        f.mode = std::string(sim::name_of(c.mode));
        f.crc_ok = !a.crc_block && !a.cut;
        f.when = std::chrono::system_clock::now();
        f.rssi = a.slot.rssi_dbm;
        f.current_rssi = a.slot.rssi_dbm;
        if (auto line = wmbus::rtlwmbus_line(a.plain, f))
            emit(*line);
        else
            log(fmt::format("{}: {}", c.name, line.error().message()));
    }

    // One line to stdout or to every TCP client's queue.
    void emit(const std::string& line);

    void report(const std::string& what) {
        ++injected;
        if (injected_line)
            injected_line(what);
        else
            log(what);
    }
};

namespace {

using state = wmbus_air::state;

void drop_client(const std::shared_ptr<state>& s, const std::shared_ptr<state::line_client>& c,
                 std::string_view why) {
    const auto it = std::find(s->line_clients.begin(), s->line_clients.end(), c);
    if (it == s->line_clients.end()) return;
    s->log(fmt::format("{} closed: {}", c->stream->describe(), why));
    c->stream->close();
    s->line_clients.erase(it);
}

// Writes a client's queue out, line after line as they come, until it is empty.
asio::awaitable<void> write_lines(std::shared_ptr<state> s, std::shared_ptr<state::line_client> c) {
    while (!s->stopped && !c->queued.empty()) {
        const auto text = std::exchange(c->queued, std::string());
        const bytes_view data(reinterpret_cast<const byte*>(text.data()), text.size());
        const auto ok = co_await transport::with_timeout(c->stream->write(data), state::write_timeout);
        if (!ok || *ok) {
            c->writing = false;
            drop_client(s, c, ok ? ok->message() : "stalled");
            co_return;
        }
    }
    c->writing = false;
}

// Readers send nothing; what they send is read and dropped, and their going away noticed.
asio::awaitable<void> drain_client(std::shared_ptr<state> s, std::shared_ptr<state::line_client> c) {
    std::array<byte, 256> buf{};
    while (!s->stopped) {
        const auto [ec, n] = co_await c->stream->read_some(buf);
        if (ec) {
            drop_client(s, c, ec.message());
            co_return;
        }
    }
}

asio::awaitable<void> accept_lines(std::shared_ptr<state> s) {
    while (!s->stopped) {
        auto [ec, stream] = co_await s->listener->accept();
        if (ec) co_return;
        auto c = std::make_shared<state::line_client>();
        c->stream = std::move(stream);
        s->log(fmt::format("{} opened", c->stream->describe()));
        s->line_clients.push_back(c);
        asio::co_spawn(s->ex, drain_client(s, c), asio::detached);
    }
}

// When the telegram's time on air is over: heard, unless another overlapped it.
asio::awaitable<void> land(std::shared_ptr<state> s, std::list<state::on_air>::iterator it) {
    asio::steady_timer timer(s->ex);
    timer.expires_at(it->slot.start + it->slot.length);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (s->stopped) co_return;
    it->landed = true;
    std::vector<sim::air_slot> slots{it->slot};
    std::vector<std::string> others;
    for (auto o = s->flying.begin(); o != s->flying.end(); ++o) {
        if (o == it) continue;
        const bool overlap = o->slot.start < it->slot.start + it->slot.length &&
                             it->slot.start < o->slot.start + o->slot.length;
        if (!overlap) continue;
        slots.push_back(o->slot);
        others.push_back(fmt::format("{} ({} dBm)", s->configs[o->meter].name, o->slot.rssi_dbm));
    }
    const bool heard = sim::resolve_collisions(slots, s->receiver.capture_db).front();
    if (heard) {
        s->hear(*it);
    } else {
        ++s->collided;
        std::string with;
        for (const auto& o : others)
            with += (with.empty() ? "" : ", ") + o;
        s->log(fmt::format("{}: access number {} ({} dBm) lost in a collision with {} (capture margin {} dB)",
                           s->configs[it->meter].name, it->access_number, it->slot.rssi_dbm, with,
                           s->receiver.capture_db));
    }
    // Kept while a later telegram may still overlap it: gone once the longest frame could not.
    const auto now = clock::now();
    s->flying.remove_if([&](const state::on_air& a) {
        return a.landed && a.slot.start + a.slot.length + std::chrono::seconds{2} < now;
    });
}

// `sent_bytes`: the frame as the meter sent it (a cut reception was on the air in full).
void launch(const std::shared_ptr<state>& s, std::size_t meter, time_point start, std::uint8_t access_number,
            int rssi, std::size_t sent_bytes, bytes air, bytes plain, std::optional<std::size_t> crc_block,
            std::optional<std::size_t> cut) {
    state::on_air a;
    a.meter = meter;
    a.slot = {start, sim::time_on_air(s->configs[meter].mode, sent_bytes), rssi};
    a.access_number = access_number;
    a.air = std::move(air);
    a.plain = std::move(plain);
    a.crc_block = crc_block;
    a.cut = cut;
    s->flying.push_back(std::move(a));
    asio::co_spawn(s->ex, land(s, std::prev(s->flying.end())), asio::detached);
}

// Meter i's transmission due now, or, for a wm_collision of another meter, the one it would send
// next moved to `moved_to` (its own faults still apply, but not another collision: one level).
void transmit_one(const std::shared_ptr<state>& s, std::size_t i, const sim::sim_now& now,
                  std::optional<time_point> moved_to = std::nullopt) {
    auto& m = s->meters[i];
    const auto& c = m.config();
    const auto at = m.next_due();
    auto fired = s->faults ? s->faults->decide(i, at) : std::vector<std::size_t>{};
    // A collision moves the other meter's next transmission onto this one only when that one is due
    // within the other's interval anyway: a meter is not made to send more often than it does.
    std::erase_if(fired, [&](std::size_t f) {
        const auto* col = std::get_if<sim::wmbus_faults::collision>(&s->faults->faults()[f].action);
        if (col == nullptr) return false;
        if (moved_to) return true; // one level: the moved transmission does not move a third
        const auto other = s->faults->meter_index(col->with);
        if (!other || *other == i) return true;
        const auto& o = s->meters[*other];
        const auto lead = std::chrono::duration<double>(o.next_due() - (at + col->offset)).count();
        if (lead <= o.config().interval_max_s) return false;
        s->log(fmt::format("{}: no collision with {} on access number {} (fault '{}'): its next transmission "
                           "is {:.1f} s away, beyond its interval",
                           c.name, col->with, m.access_number(), s->faults->faults()[f].name, lead));
        return true;
    });
    const auto key = s->faults ? sim::wrong_key_of(*s->faults, fired, c) : std::nullopt;
    auto t = moved_to ? m.transmit_at(*moved_to, now, key) : m.transmit(now, key);
    if (!t) {
        s->log(fmt::format("{}: telegram not encoded: {}", c.name, t.error().message()));
        return;
    }
    if (fired.empty()) {
        const auto size = t->air.size();
        launch(s, i, t->at, t->access_number, t->rssi_dbm, size, std::move(t->air), std::move(t->plain),
               std::nullopt, std::nullopt);
        return;
    }
    auto out = sim::apply_wmbus_faults(*s->faults, fired, c, *t);
    for (const auto& what : out.injected)
        s->report(fmt::format("meter {}: INJECTED {}", c.name, what));
    if (out.drift_ppm) m.drift_next(*out.drift_ppm, at);
    if (out.sent)
        launch(s, i, t->at, t->access_number, t->rssi_dbm, out.sent_bytes, std::move(out.air),
               std::move(out.plain), out.crc_block, out.cut);
    if (moved_to) return;
    for (const auto& [other, offset] : out.collide_with)
        if (other != i) transmit_one(s, other, now, t->at + offset);
}

asio::awaitable<void> transmit_loop(std::shared_ptr<state> s, std::size_t i, asio::steady_timer& timer) {
    while (!s->stopped) {
        timer.expires_at(s->meters[i].next_due());
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (s->stopped) break;
        // A wm_collision of another meter may have sent this one's due transmission early: the
        // schedule has moved on while the timer slept.
        if (clock::now() < s->meters[i].next_due()) continue;
        const auto now = s->calendar.now();
        // A machine that slept does not make the meter send its missed transmissions in a burst.
        while (s->meters[i].next_due() + std::chrono::seconds{60} < now.mono)
            (void)s->meters[i].transmit(now);
        transmit_one(s, i, now);
    }
}

asio::awaitable<void> serve_loop(std::shared_ptr<state> s) {
    const auto ec = co_await s->stick->serve();
    if (!s->stopped) s->log(fmt::format("the receiver's line ended: {}", ec.message()));
}

} // namespace

wmbus_air::wmbus_air(const asio::any_io_executor& ex, std::vector<sim::wmbus_meter_config> meters,
                     scenario::receiver_settings receiver, std::function<void(std::string)> log,
                     std::vector<sim::wmbus_fault_spec> faults, std::uint64_t seed,
                     std::function<void(std::string)> injected)
    : s_(std::make_shared<state>()) {
    s_->ex = ex;
    s_->configs = std::move(meters);
    s_->receiver = receiver;
    s_->log = std::move(log);
    if (!s_->log) s_->log = [](const std::string&) {};
    s_->injected_line = std::move(injected);
    if (!faults.empty()) {
        std::vector<std::string> names;
        for (const auto& c : s_->configs)
            names.push_back(c.name);
        s_->faults.emplace(std::move(faults), std::move(names), seed, clock::now());
    }
}

wmbus_air::~wmbus_air() { stop(); }

namespace {
void start_meters(const std::shared_ptr<wmbus_air::state>& s) {
    s->calendar = sim_clock(s->clock_start, clock::now());
    const auto start = s->calendar.now();
    s->meters.clear();
    s->meters.reserve(s->configs.size());
    for (const auto& c : s->configs)
        s->meters.emplace_back(c, start);
    for (std::size_t i = 0; i < s->configs.size(); ++i) {
        auto& timer = s->timers.emplace_back(s->ex);
        asio::co_spawn(s->ex, transmit_loop(s, i, timer), asio::detached);
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

void wmbus_air::state::emit(const std::string& line) {
    if (out != nullptr) *out << line << std::flush;
    const auto self = shared_from_this();
    for (auto it = line_clients.begin(); it != line_clients.end();) {
        const auto c = *it++; // drop_client may erase it
        if (c->queued.size() + line.size() > max_queued) {
            drop_client(self, c, fmt::format("more than {} bytes of lines not read", max_queued));
            continue;
        }
        c->queued += line;
        if (!c->writing) {
            c->writing = true;
            asio::co_spawn(ex, write_lines(self, c), asio::detached);
        }
    }
}

void wmbus_air::serve_lines(std::unique_ptr<transport::listener> l) {
    s_->listener = std::move(l);
    s_->log(fmt::format("{}: {} lines to every client", s_->listener->describe(),
                        scenario::name_of(s_->receiver.kind)));
    asio::co_spawn(s_->ex, accept_lines(s_), asio::detached);
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
    if (s_->listener) s_->listener->close();
    for (auto& c : s_->line_clients)
        c->stream->close();
}

std::uint64_t wmbus_air::transmissions() const { return s_->sent; }
std::uint64_t wmbus_air::injected() const { return s_->injected; }
std::uint64_t wmbus_air::collided() const { return s_->collided; }
std::size_t wmbus_air::line_clients() const { return s_->line_clients.size(); }

} // namespace mbus::runtime
