#include <mbus/runtime/han_push.hpp>
#include <mbus/runtime/sim_clock.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>

#include <fmt/format.h>

#include <mbus/transport/deadline.hpp>
#include <mbus/transport/errc.hpp>

namespace mbus::runtime {

namespace asio = boost::asio;

struct han_port::state {
    asio::any_io_executor ex;
    std::vector<sim::han_meter> meters;
    std::function<void(std::string)> log;
    han_port_options o;
    struct client {
        std::shared_ptr<transport::byte_stream> stream;
        bool fixed; // pty or serial: never dropped
    };
    std::vector<client> clients;
    std::vector<std::shared_ptr<transport::listener>> listeners;
    std::vector<std::shared_ptr<asio::steady_timer>> timers;
    bool stopped{false};
    std::uint64_t pushes{0};
    std::uint64_t injected{0};
    std::optional<sim::han_fault_engine> faults;
    std::vector<std::string> meter_names;
    time_point started{};
    bool replaying{false};
    sim_clock calendar;

    // A change of the faults, in the log and (as the runner's events) the transcript.
    void changed(const std::string& what) {
        if (o.injected)
            o.injected(what); // the runner logs it as an event
        else
            log(what);
    }
    sim::han_fault_engine& engine() {
        if (!faults) faults.emplace(std::vector<sim::han_fault_spec>{}, meter_names, o.seed, started);
        return *faults;
    }

    static asio::awaitable<void> event_at(std::shared_ptr<state> st, time_point at, std::string fault,
                                          bool on) {
        auto timer = std::make_shared<asio::steady_timer>(st->ex);
        st->timers.push_back(timer);
        timer->expires_at(at);
        co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
        if (st->stopped) co_return;
        const bool known = st->faults && st->faults->set_active(fault, on);
        st->changed(known ? fmt::format("fault '{}' {}", fault, on ? "on" : "off")
                          : fmt::format("event skipped: no HAN fault named '{}'", fault));
    }

    void drop(const std::shared_ptr<transport::byte_stream>& s, std::string_view why) {
        for (auto it = clients.begin(); it != clients.end(); ++it)
            if (it->stream == s) {
                log(fmt::format("{} closed: {}", s->describe(), why));
                s->close();
                clients.erase(it);
                return;
            }
    }

    // Bytes to every client at once.
    static asio::awaitable<void> write_all(std::shared_ptr<state> st, bytes_view part) {
        auto targets = st->clients; // a client may go while we write
        for (auto& c : targets) {
            // A pty nobody reads fills up: its bytes are lost as on a line, without holding the
            // schedule (a few character times), where a TCP client gets the write timeout.
            const auto limit = c.fixed ? std::chrono::duration_cast<duration>(std::chrono::milliseconds{50})
                                       : st->o.write_timeout;
            const auto ok = co_await transport::with_timeout(c.stream->write(part), limit);
            if (!ok || *ok) {
                if (!c.fixed) st->drop(c.stream, ok ? ok->message() : "stalled");
            }
        }
    }

    // The bytes of one push to every client, a few characters at a time at the line rate.
    static asio::awaitable<void> write_paced(std::shared_ptr<state> st, bytes wire) {
        const double char_s = static_cast<double>(st->o.bits_per_char) / static_cast<double>(st->o.baud);
        constexpr std::size_t chunk = 8; // 37 ms at 2400 baud: timers far coarser than a character
        const auto start = clock::now();
        for (std::size_t at = 0; at < wire.size() && !st->stopped; at += chunk) {
            const auto due = start + std::chrono::duration_cast<duration>(
                                         std::chrono::duration<double>(char_s * static_cast<double>(at)));
            if (due > clock::now()) co_await transport::sleep_for(due - clock::now());
            co_await write_all(st, bytes_view(wire).subspan(at, std::min(chunk, wire.size() - at)));
        }
    }

    // A replay: each chunk whole at its time from the start of its pass (the capture's own pace,
    // scaled by the speed), pass after pass when it loops. Deadlines from the start, not from the last
    // write, so that a slow write does not stretch the replay.
    static asio::awaitable<void> replay_loop(std::shared_ptr<state> st, capture::replay_config r) {
        auto timer = std::make_shared<asio::steady_timer>(st->ex);
        st->timers.push_back(timer);
        const auto at = capture::offsets(r);
        const auto per = capture::scaled(r, capture::period(r));
        if (r.start == capture::replay_start::first_reader) {
            st->log(fmt::format("{}: waiting for the first TCP reader", r.name));
            while (!st->stopped && std::none_of(st->clients.begin(), st->clients.end(),
                                                [](const client& c) { return !c.fixed; })) {
                timer->expires_after(std::chrono::milliseconds{10});
                co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
            }
            if (st->stopped) co_return;
        }
        auto pass_start = clock::now();
        for (std::uint64_t pass = 1; !st->stopped; ++pass) {
            for (std::size_t i = 0; i < r.chunks.size() && !st->stopped; ++i) {
                timer->expires_at(pass_start + capture::scaled(r, at[i]));
                co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
                if (st->stopped) co_return;
                ++st->pushes;
                co_await write_all(st, r.chunks[i].data);
            }
            st->log(fmt::format("{}: pass {} done, {} chunks ({} bytes) to {} reader{}", r.name, pass,
                                r.chunks.size(), capture::total_bytes(r), st->clients.size(),
                                st->clients.size() == 1 ? "" : "s"));
            if (!r.loop) co_return;
            // A capture shorter than a timer tick still waits a little between passes.
            pass_start += std::max<duration>(per, std::chrono::milliseconds{1});
        }
    }

    result<sim::han_push_outcome> shape(std::size_t i, const sim::han_push& p) {
        if (!faults) return sim::han_push_outcome{true, {}, p.wire, {}, {}, {}};
        const auto& m = meters[i];
        return sim::apply_han_faults(*faults, faults->decide(i, p.at), p,
                                     {m.config().identity, m.config().cipher, p.frame_counter});
    }

    static asio::awaitable<void> meter_loop(std::shared_ptr<state> st, std::size_t i) {
        auto timer = std::make_shared<asio::steady_timer>(st->ex);
        st->timers.push_back(timer);
        while (!st->stopped) {
            auto& m = st->meters[i];
            timer->expires_at(m.next_due());
            co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
            if (st->stopped) break;
            const auto due = m.poll(st->calendar.now());
            if (!due) {
                st->log(fmt::format("{}: cannot build its list: {}", m.config().name, due.error().message()));
                continue;
            }
            for (const auto& p : *due) {
                ++st->pushes;
                const auto name = m.config().name;
                auto out = st->shape(i, p);
                if (!out) {
                    st->log(fmt::format("{}: cannot apply its faults: {}", name, out.error().message()));
                    continue;
                }
                for (const auto& what : out->injected) {
                    ++st->injected;
                    const auto text = fmt::format("meter {}: INJECTED {}", name, what);
                    if (st->o.injected)
                        st->o.injected(text); // which logs it
                    else
                        st->log(text);
                }
                // Whatever the meter does after this push, it does once the push is made.
                auto& meter = st->meters[i];
                if (out->clock_jump) meter.shift_clock(*out->clock_jump);
                if (out->reboot) meter = sim::rebooted(meter, {clock::now(), *out->reboot});
                if (!out->sent) continue;
                if (out->delay > duration::zero()) {
                    timer->expires_after(out->delay);
                    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
                    if (st->stopped) break;
                }
                st->log(fmt::format("{}: list {} ({} bytes) to {} reader{}", name, p.list, out->wire.size(),
                                    st->clients.size(), st->clients.size() == 1 ? "" : "s"));
                co_await write_paced(st, std::move(out->wire));
            }
        }
    }

    // What a reader sends is dropped; reading tells when it goes.
    // A pty whose reader went away reports errors until the next one opens it: it stays.
    static asio::awaitable<void> drain(std::shared_ptr<state> st, std::shared_ptr<transport::byte_stream> s,
                                       bool fixed) {
        std::array<byte, 256> buf{};
        while (!st->stopped) {
            const auto [ec, n] = co_await s->read_some(buf);
            if (!ec) continue;
            if (!fixed) {
                st->drop(s, ec.message());
                co_return;
            }
            if (ec == transport::errc::closed) co_return;
            co_await transport::sleep_for(std::chrono::milliseconds{100});
        }
    }

    static asio::awaitable<void> accept_loop(std::shared_ptr<state> st,
                                             std::shared_ptr<transport::listener> l) {
        while (!st->stopped) {
            auto [ec, s] = co_await l->accept();
            if (ec) co_return;
            if (st->clients.size() >= st->o.max_clients) {
                s->close();
                continue;
            }
            std::shared_ptr<transport::byte_stream> shared(std::move(s));
            st->log(fmt::format("{} opened", shared->describe()));
            st->clients.push_back({shared, false});
            asio::co_spawn(st->ex, drain(st, shared, false), asio::detached);
        }
    }
};

han_port::han_port(const asio::any_io_executor& ex, std::vector<sim::han_meter_config> meters,
                   std::function<void(std::string)> log, han_port_options o)
    : s_(std::make_shared<state>()) {
    s_->ex = ex;
    s_->log = std::move(log);
    s_->o = o;
    s_->calendar = sim_clock(s_->o.clock, clock::now());
    const auto now = s_->calendar.now();
    std::vector<std::string> names;
    for (auto& c : meters) {
        names.push_back(c.name);
        s_->meters.emplace_back(std::move(c), now);
    }
    s_->meter_names = names;
    s_->started = now.mono;
    if (!s_->o.faults.empty())
        s_->faults.emplace(std::move(s_->o.faults), std::move(names), s_->o.seed, now.mono);
    for (std::size_t i = 0; i < s_->meters.size(); ++i)
        asio::co_spawn(ex, state::meter_loop(s_, i), asio::detached);
}

han_port::han_port(const asio::any_io_executor& ex, capture::replay_config replay,
                   std::function<void(std::string)> log, han_port_options o)
    : s_(std::make_shared<state>()) {
    s_->ex = ex;
    s_->log = std::move(log);
    s_->o = std::move(o);
    s_->replaying = true;
    asio::co_spawn(ex, state::replay_loop(s_, std::move(replay)), asio::detached);
}

bool han_port::add_fault(sim::han_fault_spec f) {
    if (s_->replaying) return false;
    const auto what = fmt::format("fault added: '{}' ({}{})", f.name, sim::name(f.action),
                                  f.meter.empty() ? std::string() : ", meter " + f.meter);
    s_->engine().add(std::move(f));
    s_->changed(what);
    return true;
}

bool han_port::set_fault_active(std::string_view name, bool on) {
    if (!s_->faults || !s_->faults->set_active(name, on)) return false;
    s_->changed(fmt::format("fault '{}' {}", name, on ? "on" : "off"));
    return true;
}

bool han_port::remove_fault(std::string_view name) {
    if (!s_->faults || !s_->faults->remove(name)) return false;
    s_->changed(fmt::format("fault '{}' removed", name));
    return true;
}

std::vector<sim::han_fault_spec> han_port::faults() const {
    if (!s_->faults) return {};
    return s_->faults->faults();
}

void han_port::schedule(std::vector<sim::timeline_event> events) {
    for (auto& e : events) {
        const auto* f = std::get_if<sim::events::fault>(&e.what);
        if (f == nullptr) continue;
        const auto* at = std::get_if<sim::events::at_time>(&e.when);
        if (at == nullptr) {
            s_->changed(
                fmt::format("event skipped: fault '{}' after requests (nobody asks a HAN meter)", f->name));
            continue;
        }
        asio::co_spawn(s_->ex, state::event_at(s_, s_->started + at->since_start, f->name, f->active),
                       asio::detached);
    }
}

han_port::~han_port() { stop(); }

void han_port::add(std::unique_ptr<transport::byte_stream> s) {
    std::shared_ptr<transport::byte_stream> shared(std::move(s));
    s_->clients.push_back({shared, true});
    asio::co_spawn(s_->ex, state::drain(s_, shared, true), asio::detached);
}

void han_port::add(std::unique_ptr<transport::listener> l) {
    std::shared_ptr<transport::listener> shared(std::move(l));
    s_->listeners.push_back(shared);
    asio::co_spawn(s_->ex, state::accept_loop(s_, shared), asio::detached);
}

void han_port::stop() {
    if (s_->stopped) return;
    s_->stopped = true;
    for (auto& t : s_->timers)
        t->cancel();
    for (auto& l : s_->listeners)
        l->close();
    for (auto& c : s_->clients)
        c.stream->close();
}

std::uint64_t han_port::pushes() const { return s_->pushes; }
std::uint64_t han_port::injected() const { return s_->injected; }

} // namespace mbus::runtime
