#pragma once
// The runner's log on stderr, a subscriber of its entries (harness/exchange.hpp): every line it
// writes is formatted here, from what the runner decoded once, so the format lives in one place. One
// line per event, prefixed with the seconds since the run started and, for a stream, its session
// number (each pty, serial device and TCP connection is one session). A request is logged with its
// answer, once the exchange is over:
//
//   [    0.000] scenario demo (<built-in demo>): 1 meters, fast timing, strict baud off
//   [    0.001] #1 open pty /dev/pts/5 (/tmp/mbus0)
//   [    0.001] listening on tcp 127.0.0.1:5000
//   [    0.412] #1 line 2400 baud raw
//   [    0.413] #1 > SND_NKE a=3 fcb=0 fcv=0
//   [    0.436] #1 < ACK from demo
//   [    0.501] #1 > REQ_UD2 a=3 fcb=0 fcv=1
//   [    0.530] #1 < RSP_UD a=3 ci=72 len=18 [id=12345678 man=TST ver=1 medium=water records=1] from demo
//   [    0.600] #1 > REQ_UD2 a=9 fcb=0 fcv=1
//   [    0.600] #1 - no answer
//   [    0.700] #1 < COLLISION 27 bytes from a,b, intact: a: ? 27 bytes (bad checksum)
//   [    0.800] #1 ! junk 3 bytes: not a frame start (E5, 10 or 68)
//   [    0.850] #1 preamble 4 x 00
//   [    0.851] #1 > REQ_UD2 a=5 fcb=0 fcv=1
//   [    0.852] #1 ! INJECTED meter a: no answer (fault 'drop')
//   [    0.852] #1 - no answer (fault injected)
//   [    0.950] event: meter b leaves the bus
//   [    0.900] #2 open tcp 127.0.0.1:5000 <- 127.0.0.1:40212
//   [    1.000] #2 closed: connection closed
//   [    1.100] error: #1 cannot write the answer: Connection timed out
//   [    2.000] stopping: SIGTERM
//   [    2.001] stopped (SIGTERM) after 2.0 s: 3 requests (2 answered, 1 silent, 0 collisions), ...
//   [    2.001] SND_NKE: 1 received, 1 answered, 0 repeated, 0 collided, 0 ignored
//
// Markers after the session: '>' a request from the master (stamped with the arrival of its last
// byte), '<' what the master received (stamped when the last byte was written), '-' a request
// nobody answered, '!' junk or a fault the simulator injected (marked INJECTED). --verbose adds lines
// indented by 12 spaces under a frame: its bytes in hex, the line rate, the answer's timing and what each
// meter did. --quiet keeps only "error:" lines.

#include <iosfwd>
#include <string>
#include <string_view>

#include <mbus/core/time.hpp>
#include <mbus/harness/counters.hpp>
#include <mbus/harness/exchange.hpp>
#include <mbus/runtime/stats.hpp>

namespace mbus::runtime {

enum class verbosity : std::uint8_t {
    quiet,   // errors only
    normal,  // every frame in and out, junk, sessions, line changes, the summary
    verbose, // and hex bytes, timing and what each meter did
};

class logger {
  public:
    // `origin`: the runner's start, so that entries (stamped relative to it) and other lines agree.
    // `prefix`: put before each line's text when several buses share one log ("heat-meters ").
    explicit logger(std::ostream& out, verbosity level = verbosity::normal, time_point origin = clock::now(),
                    std::string prefix = {});

    verbosity level() const { return level_; }
    time_point origin() const { return origin_; }

    // An entry of the runner: a sink (runner::subscribe).
    void write(const harness::entry& e);
    void operator()(const harness::entry& e) { write(e); }

    void info(std::string_view text);
    void error(std::string_view text);
    void summary(std::string_view why, const stats& s, duration elapsed);
    // The counters per request kind: one line for each kind that was received.
    void kinds(const harness::counters& c);

  private:
    void exchange(const harness::exchange& x);
    void line(std::string_view text, double t);
    void line(std::string_view text, time_point at);
    void detail(std::string_view text);

    std::ostream& out_;
    verbosity level_;
    time_point origin_;
    std::string prefix_;
};

} // namespace mbus::runtime
