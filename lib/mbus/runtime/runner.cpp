#include <mbus/runtime/detail/runner_state.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cmath>

namespace mbus::runtime {

namespace {

std::string bus_name(const scenario::scenario& sc) {
    if (!sc.bus.name.empty()) return sc.bus.name;
    return sc.source.stem().string();
}

// A scenario's immediate timing is the runner's immediate option.
runner_options with_timing(runner_options o, scenario::timing_mode t) {
    if (t == scenario::timing_mode::immediate) o.immediate = true;
    return o;
}

} // namespace

runner::state::state(const asio::any_io_executor& e, const scenario::scenario& sc, runner_options o)
    : ex(e), settings(sc.bus), name(bus_name(sc)), options(with_timing(o, sc.bus.timing)), bus(sc.bus.config),
      wake(e), reply_timer(e), duration_timer(e), idle_timer(e), timeline_timer(e), started(clock::now()),
      started_wall(std::chrono::system_clock::now()), calendar(sc.bus.clock, started), last_input(started),
      tl(sc.events, started), scenario_events(sc.events) {
    bus.reserve(sc.meters.size());
    meter_names.reserve(sc.meters.size());
    for (const auto& m : sc.meters) {
        bus.add(m, started);
        meter_names.push_back(m.name.empty() ? fmt::format("meter{}", meter_names.size()) : m.name);
    }
    // An empty list: every meter is there from the start.
    for (std::size_t i = 0; i < sc.present.size() && i < bus.size(); ++i)
        bus.set_present(i, sc.present[i]);
    // Timeline events start and stop faults and power-cycle meters through the engine, so it is
    // there whenever either is used; otherwise it comes with the first fault added at run time.
    if (!sc.faults.empty() || !sc.events.empty()) {
        auto& f = engine();
        for (const auto& spec : sc.faults)
            f.add(spec); // in scenario order: each draws from the bus seed mixed with its index
    }
}

const std::string& runner::state::meter_name(std::size_t i) const {
    static const std::string unknown = "meter?";
    return i < meter_names.size() ? meter_names[i] : unknown;
}

harness::record runner::state::make_record(harness::record_kind kind, unsigned session, time_point at) const {
    harness::record r;
    stamp(r, kind, session, at);
    return r;
}

void runner::state::stamp(harness::record& r, harness::record_kind kind, unsigned session,
                          time_point at) const {
    r.kind = kind;
    r.session = session;
    // Rounded as the transcript writes them, so that a record read back equals the one emitted.
    r.t = std::round(std::chrono::duration<double>(at - started).count() * 1e6) / 1e6;
    r.wall = std::chrono::floor<std::chrono::milliseconds>(
        started_wall + std::chrono::duration_cast<std::chrono::system_clock::duration>(at - started));
}

void runner::state::publish(const harness::entry& e) {
    kinds.add(e);
    ++dispatching;
    // By index: a sink may subscribe another (it sees the next entry) or unsubscribe any.
    for (std::size_t i = 0, n = sinks.size(); i < n; ++i)
        if (sinks[i].fn) sinks[i].fn(e);
    if (--dispatching == 0) std::erase_if(sinks, [](const auto& s) { return !s.fn; });
}

bool runner::state::words_wanted() const {
    return std::any_of(sinks.begin(), sinks.end(),
                       [](const auto& s) { return s.fn && s.reads == sink_reads::everything; });
}

void runner::state::notice(harness::record_kind kind, unsigned session, time_point at, std::string summary,
                           std::string text, bool error, bytes raw) {
    harness::entry e{std::in_place_type<harness::notice>};
    auto& n = std::get<harness::notice>(e);
    n.line = make_record(kind, session, at);
    n.line.summary = std::move(summary);
    n.line.raw = std::move(raw);
    n.text = std::move(text);
    n.error = error;
    publish(e);
}

void runner::state::event(unsigned session, std::string summary, std::string text, bool error) {
    notice(harness::record_kind::event, session, clock::now(), std::move(summary), std::move(text), error);
}

sim::fault_engine& runner::state::engine() {
    if (!faults) {
        std::vector<std::string> names;
        const auto& slaves = bus; // reading only: at() of a bus that may change reindexes the slave
        for (std::size_t i = 0; i < slaves.size(); ++i)
            names.push_back(slaves.at(i).name());
        faults = std::make_shared<sim::fault_engine>(std::vector<sim::fault_spec>{}, std::move(names),
                                                     settings.config.seed, started);
        bus.set_hooks(faults);
    }
    return *faults;
}

// Timeline events due now, or once `counters.requests` requests have been served.
void runner::state::apply_timeline(const sim::sim_now& now) {
    if (tl.empty()) return;
    for (auto& what : tl.apply_due(now, counters.requests, bus, faults.get()))
        notice(harness::record_kind::event, 0, now.mono, what, "event: " + what);
}

void runner::state::stop(std::string why) {
    if (stopped) return;
    stopped = true;
    reason = std::move(why);
    for (auto& l : listeners)
        l->close();
    // A session whose last answers still wait to be written keeps its stream until its writer has
    // written them (within the write timeout): a stop after the last request still delivers its answer.
    for (auto& s : sessions)
        if (s->out.empty())
            s->stream->close();
        else
            s->out_signal.cancel();
    queue.clear();
    wake.cancel();
    reply_timer.cancel();
    duration_timer.cancel();
    idle_timer.cancel();
    timeline_timer.cancel();
    if (auto hook = std::move(stop_hook)) hook();
}

runner::runner(const asio::any_io_executor& ex, const scenario::scenario& sc, runner_options options)
    : s_(std::make_shared<state>(ex, sc, options)) {
    asio::co_spawn(ex, state::bus_loop(s_), asio::detached);
    if (options.max_duration > duration::zero())
        asio::co_spawn(ex, state::duration_watch(s_), asio::detached);
    if (options.idle_limit > duration::zero()) asio::co_spawn(ex, state::idle_watch(s_), asio::detached);
    if (s_->tl.next_time()) asio::co_spawn(ex, state::timeline_watch(s_), asio::detached);
}

runner::~runner() { s_->stop("runner destroyed"); }

void runner::add(std::unique_ptr<transport::byte_stream> s) { s_->open_session(std::move(s), false); }

void runner::add(std::unique_ptr<transport::listener> l) {
    if (s_->stopped) {
        l->close();
        return;
    }
    auto* raw = l.get();
    s_->listeners.push_back(std::move(l));
    asio::co_spawn(s_->ex, state::accept_loop(s_, raw), asio::detached);
}

std::uint64_t runner::subscribe(sink fn, sink_reads reads) {
    const auto id = s_->next_sink++;
    s_->sinks.push_back({id, std::move(fn), reads});
    return id;
}

void runner::unsubscribe(std::uint64_t id) {
    for (auto& s : s_->sinks)
        if (s.id == id) s.fn = nullptr;
    if (s_->dispatching == 0) std::erase_if(s_->sinks, [](const auto& s) { return !s.fn; });
}

std::uint64_t runner::on_record(std::function<void(const harness::record&)> fn) {
    return subscribe([fn = std::move(fn)](const harness::entry& e) { harness::for_each_record(e, fn); });
}

void runner::add_fault(sim::fault_spec f) {
    const auto what = fmt::format("fault added: {}", fmt::streamed(f));
    s_->engine().add(std::move(f));
    s_->event(0, what, "event: " + what);
}

bool runner::set_fault_active(std::string_view name, bool on) {
    if (!s_->faults || !s_->faults->set_active(name, on)) return false;
    const auto what = fmt::format("fault '{}' {}", name, on ? "on" : "off");
    s_->event(0, what, "event: " + what);
    return true;
}

bool runner::remove_fault(std::string_view name) {
    if (!s_->faults || !s_->faults->remove(name)) return false;
    const auto what = fmt::format("fault '{}' removed", name);
    s_->event(0, what, "event: " + what);
    return true;
}

std::vector<sim::fault_spec> runner::faults() const {
    if (!s_->faults) return {};
    return s_->faults->faults();
}

std::string runner::fire(const sim::timeline_event& e) {
    const auto now = s_->calendar.now();
    auto what = sim::timeline::apply_now(e, now, s_->bus, s_->faults.get());
    s_->notice(harness::record_kind::event, 0, now.mono, what, "event: " + what);
    return what;
}

std::size_t runner::add_meter(sim::meter_config m, bool present) {
    const auto name = m.name;
    const auto i = s_->bus.add(std::move(m), clock::now());
    s_->bus.set_present(i, present);
    s_->meter_names.push_back(name);
    if (s_->faults) s_->faults->add_meter(name);
    const auto what = fmt::format("meter {} added{}", name, present ? "" : " (off the bus)");
    s_->event(0, what, "event: " + what);
    return i;
}

void runner::announce(std::string what) { s_->event(0, what, "event: " + what); }

const std::vector<sim::timeline_event>& runner::events() const { return s_->scenario_events; }

void runner::stop(std::string why) { s_->stop(std::move(why)); }
bool runner::stopping() const { return s_->stopped; }
const std::string& runner::stop_reason() const { return s_->reason; }
void runner::on_stop(std::function<void()> fn) { s_->stop_hook = std::move(fn); }

void runner::on_write(std::function<void(const std::vector<std::string>&)> fn) {
    s_->write_hook = std::move(fn);
}
const harness::counters& runner::kind_counters() const { return s_->kinds; }
const stats& runner::counters() const { return s_->counters; }
duration runner::elapsed() const { return clock::now() - s_->started; }
time_point runner::started() const { return s_->started; }
sim::sim_now runner::now() const { return s_->calendar.now(); }
sim::bus& runner::bus() { return s_->bus; }
const scenario::bus_settings& runner::settings() const { return s_->settings; }
const std::string& runner::name() const { return s_->name; }

} // namespace mbus::runtime
