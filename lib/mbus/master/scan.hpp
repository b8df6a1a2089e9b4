#pragma once
// Finding the meters on a line: the primary scan (SND_NKE to every address) and the secondary scan
// (a wildcard tree search over CI 52/56 selects), with what they met on the way, as values that
// print for people (operator<<) and as JSON (scan_json.cpp).
//
// The secondary scan. A select is answered by nothing, one clean E5 (one meter matches) or a
// collision (garbled bytes, bytes after an E5). Starting from the all-wildcard mask, a collision
// fixes the next identification digit (most significant first, 0-9; 0-E with `hex`) and probes each
// child; a meter alone in its subtree is read with REQ_UD2 at FD, whose RSP_UD gives its whole
// identity and its primary address. Identical E5s that arrive in the same instant look like one
// (protocol.md): a REQ_UD2 that collides therefore counts as a collision too, and the search goes on.
//
// When all eight digits are fixed and meters still collide, the search goes into manufacturer,
// version and medium. EN 13757-3 lets a master leave those open only whole (FFFF, FF, FF), but some
// meters take F nibbles there too: nibble probes come first (16 per nibble); when they account for
// fewer than two meters although the parent collided, the meters do not take nibble wildcards in
// that field, and whole values are tried: versions and media 00..FE, manufacturers from the ones
// already seen in this scan, then options.manufacturers, then a built-in list of common codes
// (there is no full registry in lib/mbus/app; 26^3 codes would take hours). A field whose candidates
// still account for fewer than two meters is left open and the next field is tried; meters that
// agree in all eight bytes cannot be told apart and are reported as an unresolved collision with
// the mask, which is all a real master sees.
//
// The same accounting rule ("the children explain fewer than two meters") sends a --hex scan down
// the F branch of an identification digit (F is both a digit and the wildcard there), and lets a
// decimal scan step over a digit position that holds a hex digit.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <mbus/app/secondary_address.hpp>
#include <mbus/app/telegram.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/result.hpp>
#include <mbus/core/time.hpp>
#include <mbus/master/master.hpp>
#include <mbus/master/reply.hpp>
#include <mbus/master/transcript.hpp>
#include <mbus/transport/byte_stream.hpp>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json_fwd.hpp>

namespace mbus::master {

// ---- secondary addresses as people write them ----

// "12345678" + manufacturer + version + medium as 16 hex characters (app/secondary_address.hpp).
using app::secondary_string;
// Parses that form, or 8 identification digits alone (the rest then FFFF FF FF). F/f wildcards are
// allowed anywhere; other characters are not. Errors: errc::invalid_argument.
result<app::secondary_address> parse_secondary(std::string_view text);
// The all-wildcard mask FFFFFFFF FFFF FF FF.
app::secondary_address any_address();

// ---- what both scans share ----

// What a scan put on the line, for the physical bound.
struct line_use {
    unsigned requests{0};         // frames sent that wait for an answer (all but those to FF)
    std::size_t request_bytes{0}; // every byte sent
    std::size_t answer_bytes{0};  // every byte received
    friend bool operator==(const line_use&, const line_use&) = default;
};
std::ostream& operator<<(std::ostream& os, const line_use& u);

// The time these exchanges take on a wire at `baud` (0: 2400) for a master that waits out the
// EN 13757-2 response window once per request: the requests' characters (11 bits each) and a window
// of 330 bit times + 50 ms after each. The answers are not counted (each starts inside its window).
// A master on a real wire that ends no window early needs at least this; on a pty or a socket the
// requests take no time on the way, and a scan can end below it.
duration physical_bound(const line_use& u, unsigned baud);

// Where a scan is, reported before each probe (for a progress line).
struct scan_progress {
    std::string probing;       // "address 17", "mask 10000012FFFFFFFF"
    std::size_t found{0};      // addresses that answered (primary), meters found (secondary)
    std::size_t collisions{0}; // collisions met so far
    unsigned probes{0};        // probes sent so far (repeats included)
    duration elapsed{0};
    // The time still to go. Primary: the addresses left at the mean cost of one so far. Secondary:
    // the probes already due (the untried siblings of every mask on the way down) at the mean cost
    // of a probe, a lower bound, as a tree search cannot know what the answers will open up.
    duration left{0};
    bool left_at_least{false}; // `left` is a lower bound (the secondary scan)
};
using progress_hook = std::function<void(const scan_progress&)>;

// Asked before each probe; true ends the scan there (complete = false, stop_reason "interrupted").
using cancel_check = std::function<bool()>;

// ---- primary scan ----

struct address_found {
    byte address{0};
    presence answer{presence::one}; // one or collision
    reply_kind kind{reply_kind::ack};
    bytes raw; // what came back, for a collision the garbled bytes
    friend bool operator==(const address_found&, const address_found&) = default;
};
std::ostream& operator<<(std::ostream& os, const address_found& a);

struct primary_scan_options {
    byte first{0};
    byte last{link::address::max_primary};
    // Stop when this much time has passed (0: no limit); the result then says `complete = false`.
    duration max_duration{0};
    // Repeats of a probe that got no answer. A silent address is silent: 0 waits the response
    // window once per address. A garbled answer is repeated master_options::retries times.
    unsigned retries_on_silence{0};
    transcript_hook transcript; // every frame sent and received, as it happens
    progress_hook progress;
    std::function<void(const address_found&)> on_found; // each address that answered, as it does
    cancel_check cancelled;
    friend bool operator==(const primary_scan_options& a, const primary_scan_options& b) {
        return a.first == b.first && a.last == b.last && a.max_duration == b.max_duration &&
               a.retries_on_silence == b.retries_on_silence;
    }
};

struct primary_scan_result {
    std::vector<address_found> found; // addresses that answered, in order
    unsigned addresses{0};            // addresses probed
    unsigned frames_sent{0};          // SND_NKE frames, repeats included
    line_use use;
    duration elapsed{0};
    bool complete{true};     // false: a transport error, the time limit or cancelled() stopped it
    std::error_code error;   // the transport error, if one stopped it
    std::string stop_reason; // why it stopped early, in words (empty when complete)
    std::size_t collisions() const;
    friend bool operator==(const primary_scan_result&, const primary_scan_result&) = default;
};
std::ostream& operator<<(std::ostream& os, const primary_scan_result& r); // the text report

// SND_NKE to first..last, each once unless the answer was garbled (repeated up to mo.retries times:
// noise garbles once, two meters at one address garble every time, and what stays garbled is a
// collision) or options.retries_on_silence asks for repeats on silence. An exchange ends when a
// complete answer is in (timing::settle), so a scan waits one response window per silent address.
asio::awaitable<primary_scan_result> scan_primary(transport::byte_stream& io, const master_options& mo,
                                                  const primary_scan_options& options = {});

// ---- secondary scan ----

struct meter_found {
    app::secondary_address address;   // from the RSP_UD's CI 72 header; else the mask
    std::optional<byte> primary;      // the RSP_UD's A field
    app::secondary_address mask;      // the select that found it alone
    bool identified{true};            // false: no CI 72 header came back (or no RSP_UD): address = mask
    std::string manufacturer() const; // "KAM"
    friend bool operator==(const meter_found&, const meter_found&) = default;
};
std::ostream& operator<<(std::ostream& os, const meter_found& m);

struct secondary_scan_options {
    byte ci{app::ci::select};                    // 52 (fields LSB first) or 56 (MSB first)
    bool hex{false};                             // identification digits 0-F instead of 0-9
    bool reset_first{true};                      // SND_NKE to FD (one attempt) and FF first, as libmbus does
    app::secondary_address start{any_address()}; // the subtree to search
    std::vector<std::uint16_t> manufacturers;    // more candidates for the whole-value search
    duration max_duration{0};                    // 0: no limit
    // A line that garbles every answer (noise, a broken converter) would make every subtree a
    // collision: the search stops after this many selects and says so.
    unsigned max_selects{20000};
    // Meters whose E5s and RSP_UDs arrive in the same instant wire-AND into one clean-looking
    // answer when one meter's bits are a subset of the other's (two neighbouring ids, status 0 and
    // 4): the master then sees one meter where there are two. With `thorough`, a meter found alone
    // at a mask with open id digits is not trusted: the search goes on below that mask down to
    // whole ids (about 10 more selects per open digit). Off: as libmbus, a clean E5 and RSP_UD
    // mean one meter.
    bool thorough{false};
    // Repeats of a select that got no answer (0: silence is "no match"; a collision is never
    // repeated, it is what the search acts on).
    unsigned retries_on_silence{0};
    transcript_hook transcript;
    progress_hook progress;
    // Each meter as it is found (with `thorough`, once the search below its mask has confirmed it).
    std::function<void(const meter_found&)> on_found;
    cancel_check cancelled;
    friend bool operator==(const secondary_scan_options& a, const secondary_scan_options& b) {
        return a.ci == b.ci && a.hex == b.hex && a.reset_first == b.reset_first && a.start == b.start &&
               a.manufacturers == b.manufacturers && a.max_duration == b.max_duration &&
               a.max_selects == b.max_selects && a.thorough == b.thorough &&
               a.retries_on_silence == b.retries_on_silence;
    }
};

enum class collision_source : std::uint8_t {
    select,  // the select was answered by garbled bytes or bytes after an E5
    request, // the select looked clean, the REQ_UD2 at FD collided (identical E5s lined up)
};
std::string_view name(collision_source s);

struct collision_met {
    app::secondary_address mask;
    collision_source source{collision_source::select};
    reply_kind kind{reply_kind::garbled};
    friend bool operator==(const collision_met&, const collision_met&) = default;
};
std::ostream& operator<<(std::ostream& os, const collision_met& c);

// A collision the search could not take apart: meters identical in all eight bytes, or values no
// candidate list holds.
struct unresolved_collision {
    app::secondary_address mask;
    std::string reason;
    friend bool operator==(const unresolved_collision&, const unresolved_collision&) = default;
};

struct secondary_scan_result {
    std::vector<meter_found> meters;       // sorted by secondary address; one entry per address
    std::vector<collision_met> collisions; // in the order met
    std::vector<unresolved_collision> unresolved;
    unsigned selects{0};     // select probes sent
    unsigned requests{0};    // REQ_UD2 frames sent (repeats included)
    unsigned frames_sent{0}; // every frame, SND_NKE included
    line_use use;
    duration elapsed{0};
    bool complete{true};
    std::error_code error;
    std::string stop_reason;
    friend bool operator==(const secondary_scan_result&, const secondary_scan_result&) = default;
};
std::ostream& operator<<(std::ostream& os, const secondary_scan_result& r); // the text report

asio::awaitable<secondary_scan_result> scan_secondary(transport::byte_stream& io, const master_options& mo,
                                                      const secondary_scan_options& options = {});

// The manufacturer codes tried when a field search needs whole values and nothing seen so far
// explains a collision: the makers libmbus names products for, and other common M-Bus makers.
const std::vector<std::uint16_t>& common_manufacturers();

// ---- JSON (scan_json.cpp) ----
// primary:   {"scan": "primary", "complete": true, "error": null | "...", "addresses": 251,
//             "frames_sent": 260, "elapsed_ms": 1234.5,   (error: why it stopped early)
//             "found": [{"address": 5, "presence": "one" | "collision", "reply": "ack", "raw": "E5"}]}
// secondary: {"scan": "secondary", "complete": true, "error": null, "selects": 40, "requests": 12,
//             "frames_sent": 54, "elapsed_ms": 2345.6,
//             "meters": [{"secondary_address": "303030302D2C400D", "id": "30303030",
//                         "manufacturer": "KAM", "manufacturer_code": "2C2D", "version": 64,
//                         "medium": 13, "medium_name": "heat_cooling", "primary_address": 48 | null,
//                         "identified": true, "mask": "3030FFFFFFFFFFFF"}],
//             "collisions": [{"mask": "FFFFFFFFFFFFFFFF", "source": "select", "reply": "garbled"}],
//             "unresolved": [{"mask": "...", "reason": "..."}]}
nlohmann::json to_json(const primary_scan_result& r);
nlohmann::json to_json(const secondary_scan_result& r);
nlohmann::json to_json(const meter_found& m);

} // namespace mbus::master
