#pragma once
// The runner's state, shared by the coroutines that serve one bus: sessions (session.cpp), the bus
// loop (serve.cpp), writing answers (answer_writer.cpp) and the watches (watches.cpp).

#include <mbus/link/stream_parser.hpp>
#include <mbus/runtime/runner.hpp>
#include <mbus/runtime/sim_clock.hpp>
#include <mbus/sim/fault.hpp>
#include <mbus/sim/timeline.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace mbus::runtime {

struct session {
    unsigned id{0};
    std::unique_ptr<transport::byte_stream> stream;
    link::stream_parser parser;
    bool from_listener{false}; // a connection: closed when idle, when its master does not read, at the cap
    std::size_t held{0};       // bytes fed to the parser and not yet covered by an event
    std::size_t queued{0};     // its requests waiting in the bus queue
    bool closed{false};
    // Why the runner closed it (empty: the master or a stop did), for the closing notice.
    std::string closing_why;
    bool closing_error{false};

    // Whole answers waiting to be written, and the writer parked until there are some.
    bytes out;
    bool writing{false}; // the writer has bytes in flight: later ones must queue behind them
    asio::steady_timer out_signal;

    // The idle watch wakes once per idle period and looks at the last byte's time, rather than a
    // timer started and cancelled around every read.
    time_point last_byte;
    asio::steady_timer idle;

    session(unsigned i, std::unique_ptr<transport::byte_stream> s, std::chrono::microseconds gap,
            bool listener, const asio::any_io_executor& ex)
        : id(i), stream(std::move(s)), parser(gap), from_listener(listener),
          out_signal(ex, asio::steady_timer::time_point::max()), last_byte(clock::now()), idle(ex) {}
};

struct request {
    std::shared_ptr<session> from;
    link::frame frame;
    bytes raw;                     // as it came, for echoes and the transcript
    time_point end;                // arrival of its last byte: answer delays count from here
    unsigned line_baud{0};         // the session's rate when it arrived
    std::size_t preamble_zeros{0}; // 0x00 bytes right before it
};

struct runner::state : std::enable_shared_from_this<runner::state> {
    state(const asio::any_io_executor& e, const scenario::scenario& sc, runner_options o);

    asio::any_io_executor ex;
    scenario::bus_settings settings;
    std::string name;
    runner_options options;
    sim::bus bus;
    stats counters;
    harness::counters kinds;

    std::vector<std::shared_ptr<session>> sessions;
    std::size_t connections{0}; // sessions from listeners now open
    std::vector<std::unique_ptr<transport::listener>> listeners;
    unsigned next_id{1};

    std::deque<request> queue;
    asio::steady_timer wake; // parked at time_point::max(); cancelled when the queue gets a request
    bool serving{false};     // the queue is being served (by the bus loop or a reader: drain())
    asio::steady_timer reply_timer;
    asio::steady_timer duration_timer;
    asio::steady_timer idle_timer;
    asio::steady_timer timeline_timer;

    time_point started;
    wall_time started_wall;
    sim_clock calendar; // the meters' wall time ([bus] clock)
    time_point last_input;
    bool stopped{false};
    std::string reason;
    std::function<void()> stop_hook;
    std::function<void(const std::vector<std::string>&)> write_hook; // runner::on_write

    // Subscribers; a removed one is nulled during a dispatch and erased after it.
    struct subscriber {
        std::uint64_t id;
        sink fn;
        sink_reads reads;
    };
    std::vector<subscriber> sinks;
    std::uint64_t next_sink{1};
    unsigned dispatching{0};

    std::shared_ptr<sim::fault_engine> faults;
    std::vector<std::string> meter_names;
    sim::timeline tl;
    std::vector<sim::timeline_event> scenario_events; // as the scenario lists them

    // runner.cpp
    harness::record make_record(harness::record_kind kind, unsigned session, time_point at) const;
    // make_record's kind, session and times written into `r`, its other fields left as they are.
    void stamp(harness::record& r, harness::record_kind kind, unsigned session, time_point at) const;
    void publish(const harness::entry& e);
    bool words_wanted() const; // a subscriber reads summaries, decoded replies and notes
    void notice(harness::record_kind kind, unsigned session, time_point at, std::string summary,
                std::string text, bool error = false, bytes raw = {});
    void event(unsigned session, std::string summary, std::string text, bool error = false);
    sim::fault_engine& engine();
    void apply_timeline(const sim::sim_now& now);
    void stop(std::string why);
    const std::string& meter_name(std::size_t i) const;

    // session.cpp
    std::shared_ptr<session> open_session(std::unique_ptr<transport::byte_stream> stream, bool from_listener);
    void close_session(session& s, std::string why, bool error);
    // Requests go to the queue; the bus loop is woken unless the caller drains the queue itself.
    // Takes the requests' frames and bytes out of `events` (left to be cleared).
    void handle(const std::shared_ptr<session>& s, std::vector<link::stream_event>& events,
                bool caller_drains = false);
    static asio::awaitable<void> read_loop(std::shared_ptr<state> st, std::shared_ptr<session> s);
    static asio::awaitable<void> accept_loop(std::shared_ptr<state> st, transport::listener* l);
    static asio::awaitable<void> write_loop(std::shared_ptr<state> st, std::shared_ptr<session> s);
    static asio::awaitable<void> idle_loop(std::shared_ptr<state> st, std::shared_ptr<session> s);

    // serve.cpp
    static asio::awaitable<void> bus_loop(std::shared_ptr<state> st);
    // Serves the queue, one request at a time, until it is empty or the bus stops.
    asio::awaitable<void> drain();
    // drain() for immediate timing, where serving never waits: plain calls, no coroutine frames.
    void drain_now();
    request next_request();
    void served(); // after each request: the --max-requests stop
    asio::awaitable<void> serve(request req);
    void serve_now(request req); // serve() where nothing waits (immediate timing)
    // serve_now's entry and bus reply, kept from one request to the next so that the vectors every
    // exchange fills (the request's bytes, the meters that took it, those that answered, the bus's
    // answers and events) keep their capacity: seven allocations and frees less per request. Serving
    // is never nested (serving), so one of each is enough.
    harness::entry spare{std::in_place_type<harness::exchange>};
    sim::bus_reply spare_reply;
    // The pieces of an exchange shared by both: the request asked of the bus (its record and the
    // outcome's facts filled in, counters counted; the bus's answer into `reply`, overwritten), then
    // the entry settled and published.
    void ask_bus(request& req, harness::exchange& x, bool words, sim::bus_reply& reply);
    void settle(harness::exchange& x, harness::fate f, harness::record_kind kind, time_point at) const;
    void publish_silence(harness::entry& entry);
    bool publish_if_gone(harness::entry& entry, const session& s); // true: the session has ended
    void publish_written(harness::entry& entry, sim::bus_reply& reply, std::error_code ec, time_point first,
                         bool words);

    // answer_writer.cpp
    asio::awaitable<bool> wait_until(time_point at);
    // Hands bytes to the session's output without waiting: errc::closed when the session has ended,
    // std::errc::no_buffer_space when its master has not read what waits there already.
    std::error_code deliver(session& s, bytes_view data);
    asio::awaitable<std::error_code> write_paced(session& s, bytes_view wire, unsigned baud);
    asio::awaitable<std::error_code> write_answer(session& s, const sim::bus_reply& reply, bool paced);
    // write_answer where nothing waits (not paced; gaps skipped, as immediate timing does).
    std::error_code write_now(session& s, const sim::bus_reply& reply);

    // watches.cpp
    static asio::awaitable<void> timeline_watch(std::shared_ptr<state> st);
    static asio::awaitable<void> duration_watch(std::shared_ptr<state> st);
    static asio::awaitable<void> idle_watch(std::shared_ptr<state> st);
};

} // namespace mbus::runtime
