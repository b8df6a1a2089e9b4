// The scans against an in-process sim::bus: the bus answers each request the instant it is written
// (its collisions are the wire model's wired-AND), so a silent probe costs one short response
// window and a whole tree search runs in a second or two.

#include "support/async.hpp"

#include <mbus/app/manufacturer.hpp>
#include <mbus/link/stream_parser.hpp>
#include <mbus/master/scan.hpp>
#include <mbus/sim/bus.hpp>
#include <mbus/transport/errc.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <exception>
#include <set>
#include <sstream>

using namespace mbus;
using master::presence;

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

bool is_req_ud2_at_fd(const link::frame& f) {
    return f.kind == link::frame_kind::short_frame && f.a == link::address::selected &&
           (f.c & 0xDFU) == link::c_field::req_ud2;
}

// The master's end of a line whose far end is a sim::bus: write() hands each frame to the bus and
// queues its reply; read_some() returns what is queued (and due), or waits until the caller's
// deadline cancels it (silence). With paced_baud, an answer starts after the bus's response delay
// and its characters follow one another at that rate, as on a wire.
class bus_stream final : public transport::byte_stream {
  public:
    explicit bus_stream(sim::bus& b) : bus_(b), parser_(std::chrono::microseconds(100'000)) {}

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override {
        if (closed_) co_return std::pair{make_error_code(transport::errc::closed), std::size_t{0}};
        const auto until = pending_.empty() ? time_point::max() : pending_.front().due;
        if (until > clock::now()) {
            // The caller's deadline came first (a window or a gap waited out) unless the wait ends by
            // its own time. Counted on the way out: a deadline that comes before the wait has started
            // (a loaded machine) ends this coroutine with an exception, not with an error code.
            struct deadline_counter {
                unsigned& waits;
                bool by_deadline = true;
                ~deadline_counter() {
                    if (by_deadline) ++waits;
                }
            } counter{waits};
            asio::steady_timer wait(co_await asio::this_coro::executor, until);
            auto [ec] = co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return std::pair{std::make_error_code(std::errc::operation_canceled), std::size_t{0}};
            counter.by_deadline = false;
        }
        std::size_t n = 0;
        const auto now = clock::now();
        while (n < buf.size() && !pending_.empty() && pending_.front().due <= now) {
            buf[n++] = pending_.front().b;
            pending_.pop_front();
        }
        co_return std::pair{std::error_code{}, n};
    }

    std::optional<std::size_t> try_read(std::span<byte> buf) override {
        std::size_t n = 0;
        const auto now = clock::now();
        while (n < buf.size() && !pending_.empty() && pending_.front().due <= now) {
            buf[n++] = pending_.front().b;
            pending_.pop_front();
        }
        return n;
    }

    asio::awaitable<std::error_code> write(bytes_view data) override {
        for (auto& e : parser_.feed(data, clock::now())) {
            if (!e.is_frame()) continue;
            requests.push_back(e.f);
            bus_reply_ = bus_.on_frame(e.f, 0, sim::sim_now{clock::now(), std::chrono::system_clock::now()});
            auto wire = junk ? *junk : bus_reply_.wire;
            if (misdirected && is_req_ud2_at_fd(e.f)) {
                wire = *misdirected;
                misdirected.reset();
            }
            if (garble_next && !wire.empty()) {
                wire = *garble_next;
                garble_next.reset();
            }
            auto due = clock::now();
            if (paced_baud != 0) due += bus_reply_.delay;
            for (byte b : wire) {
                if (paced_baud != 0) due += char_time(paced_baud);
                pending_.push_back({b, due});
            }
        }
        co_return std::error_code{};
    }
    std::string describe() const override { return "in-process bus"; }
    void close() override { closed_ = true; }

    std::vector<link::frame> requests;
    std::optional<bytes> junk;        // when set, every request is answered with these bytes instead
    std::optional<bytes> misdirected; // when set, the answer to the next REQ_UD2 at FD, once
    std::optional<bytes> garble_next; // when set, the next answer (not a silence) is these bytes, once
    unsigned paced_baud{0};           // 0: an answer is there at once, whole
    unsigned waits{0};                // reads that ended by the caller's deadline

  private:
    struct due_byte {
        byte b;
        time_point due;
    };
    sim::bus& bus_;
    link::stream_parser parser_;
    sim::bus_reply bus_reply_;
    std::deque<due_byte> pending_;
    bool closed_{false};
};

template <class F>
void run(F&& body) {
    test::run_async(std::forward<F>(body), std::chrono::seconds(60));
}

// In-process answers are queued before the master starts to listen: a few milliseconds suffice.
master::master_options fast() {
    master::master_options o;
    o.timing.response_timeout = 2ms;
    o.timing.gap_timeout = 1ms;
    o.timing.max_reply = 1s;
    o.retries = 1;
    return o;
}

std::uint16_t man(std::string_view letters) { return *app::manufacturer_code(letters); }
const std::uint16_t kam = man("KAM");
const std::uint16_t hyd = man("HYD");

// A meter with one record (volume = its primary address, so that two meters' answers differ).
sim::meter_config meter(byte primary, app::secondary_address id, double skew = 0,
                        app::wildcard_style style = app::wildcard_style::standard) {
    sim::meter_config m;
    m.name = "m" + std::to_string(primary) + "-" + app::id_to_string(id.id);
    m.primary_address = primary;
    m.identity = id;
    m.options.skew_bits = skew;
    m.options.wildcards = style;
    app::record r{app::dib{0x0C, {}}, app::vib{0x13, {}, {}}, {primary, 0x00, 0x00, 0x00}};
    m.records.push_back({sim::raw_record{r}, false});
    return m;
}

app::secondary_address parsed(std::string_view text) {
    auto r = master::parse_secondary(text);
    REQUIRE_MESSAGE(r, text);
    return *r;
}

std::set<std::string> found_addresses(const master::secondary_scan_result& r) {
    std::set<std::string> out;
    for (const auto& m : r.meters)
        out.insert(master::secondary_string(m.address));
    return out;
}
std::set<std::string> bus_addresses(const sim::bus& b) {
    std::set<std::string> out;
    for (std::size_t i = 0; i < b.size(); ++i)
        out.insert(master::secondary_string(b.at(i).app().config().identity));
    return out;
}

master::secondary_scan_result secondary(sim::bus& b, master::secondary_scan_options o = {}) {
    master::secondary_scan_result out;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        out = co_await master::scan_secondary(s, fast(), o);
    });
    INFO(out);
    CHECK(out.complete);
    return out;
}

} // namespace

TEST_CASE("secondary addresses print and parse as libmbus writes them") {
    const app::secondary_address a{0x71234501, kam, 0x40, 0x0D};
    // id as written, KAM 0x2C2D in wire order (2D 2C), version 40, medium 0D.
    CHECK(master::secondary_string(a) == "712345012D2C400D");
    CHECK(parsed("712345012D2C400D") == a);
    CHECK(parsed("712345012d2c400d") == a);
    CHECK(parsed("71234501") == app::secondary_address{0x71234501, 0xFFFF, 0xFF, 0xFF});
    CHECK(master::secondary_string(master::any_address()) == "FFFFFFFFFFFFFFFF");
    CHECK(parsed("1234FFFF") == app::secondary_address{0x1234FFFF, 0xFFFF, 0xFF, 0xFF});
    CHECK_FALSE(master::parse_secondary("7123450"));
    CHECK_FALSE(master::parse_secondary("71234501X"));
    CHECK_FALSE(master::parse_secondary("7123450G2D2C400D"));
    CHECK_FALSE(master::parse_secondary(""));
}

TEST_CASE("primary scan finds every address and a duplicate address as a collision") {
    sim::bus b;
    b.add(meter(1, {0x00000001, kam, 1, 7}));
    b.add(meter(5, {0x00000005, kam, 1, 7}));
    b.add(meter(5, {0x00000105, kam, 1, 7}, 3)); // three bit times late: the two E5s garble
    b.add(meter(9, {0x00000009, hyd, 1, 7}));
    master::primary_scan_result r;
    std::vector<master::transcript_entry> log;
    master::primary_scan_options o;
    o.first = 0;
    o.last = 10;
    o.transcript = [&](const master::transcript_entry& e) { log.push_back(e); };
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        r = co_await master::scan_primary(s, fast(), o);
    });
    INFO(r);
    CHECK(r.complete);
    REQUIRE(r.found.size() == 3);
    CHECK(r.found[0] == master::address_found{1, presence::one, master::reply_kind::ack, {0xE5}});
    CHECK(r.found[1].address == 5);
    CHECK(r.found[1].answer == presence::collision);
    CHECK(r.found[1].raw != bytes{0xE5});
    CHECK(r.found[2] == master::address_found{9, presence::one, master::reply_kind::ack, {0xE5}});
    CHECK(r.collisions() == 1);
    CHECK(r.addresses == 11);
    // Silent addresses and clean answers take one SND_NKE, the garbled answer at 5 is repeated
    // (retries 1) and garbles again.
    CHECK(r.frames_sent == 8 + 1 + 1 + 2);
    const auto sent = std::count_if(log.begin(), log.end(), [](const master::transcript_entry& e) {
        return e.kind == master::transcript_kind::sent && e.raw.size() == 5 && e.raw[1] == 0x40;
    });
    CHECK(sent == 12);
    std::ostringstream text;
    text << r;
    CHECK(text.str().find("address   5: collision") != std::string::npos);
    const auto j = master::to_json(r);
    CHECK(j["found"].size() == 3);
    CHECK(j["found"][1]["presence"] == "collision");
    CHECK(j["found"][0]["raw"] == "E5");
    CHECK(j["error"].is_null());
}

TEST_CASE("secondary scan of two neighbours fixes one digit per level") {
    sim::bus b;
    b.add(meter(1, {0x12345678, kam, 1, 7}));
    b.add(meter(2, {0x12345679, kam, 1, 7}, 2));
    std::vector<master::transcript_entry> log;
    master::secondary_scan_options o;
    o.transcript = [&](const master::transcript_entry& e) { log.push_back(e); };
    const auto r = secondary(b, o);
    CHECK(found_addresses(r) == bus_addresses(b));
    REQUIRE(r.meters.size() == 2);
    CHECK(r.meters[0].address == app::secondary_address{0x12345678, kam, 1, 7});
    CHECK(r.meters[0].primary == 1);
    CHECK(r.meters[0].identified);
    CHECK(r.meters[0].mask == app::secondary_address{0x12345678, 0xFFFF, 0xFF, 0xFF});
    CHECK(r.meters[1].primary == 2);
    // The root, then one collision per fixed digit down to 1234567F; ten probes per level.
    REQUIRE(r.collisions.size() == 8);
    CHECK(master::secondary_string(r.collisions[0].mask) == "FFFFFFFFFFFFFFFF");
    CHECK(master::secondary_string(r.collisions[7].mask) == "1234567FFFFFFFFF");
    CHECK(r.selects == 1 + 7 * 10 + 10);
    CHECK(r.requests == 2);
    CHECK(r.frames_sent == r.selects + r.requests + 2); // and SND_NKE to FD and FF first
    CHECK(r.unresolved.empty());
    // Every probe passed through the hook.
    const auto selects = std::count_if(log.begin(), log.end(), [](const master::transcript_entry& e) {
        return e.kind == master::transcript_kind::sent && e.frame && e.frame->ci == app::ci::select;
    });
    CHECK(selects == static_cast<long>(r.selects));
    CHECK(std::any_of(log.begin(), log.end(), [](const master::transcript_entry& e) {
        return e.kind == master::transcript_kind::junk;
    }));
}

TEST_CASE("secondary scan finds meters with long shared prefixes with CI 52 and 56") {
    for (const byte ci : {app::ci::select, app::ci::select_msb}) {
        INFO("ci ", int{ci});
        sim::bus b;
        b.add(meter(11, {0x71234501, kam, 0x40, 0x0D}));
        b.add(meter(12, {0x71234502, kam, 0x40, 0x0D}, 2));
        b.add(meter(13, {0x71234510, kam, 0x40, 0x0D}, 4.5));
        b.add(meter(14, {0x71234511, kam, 0x40, 0x0D}, 1));
        b.add(meter(21, {0x71234520, hyd, 0x2F, 0x04}, 3));
        b.add(meter(31, {0x41713800, hyd, 0x2F, 0x04}));
        master::secondary_scan_options o;
        o.ci = ci;
        const auto r = secondary(b, o);
        CHECK(found_addresses(r) == bus_addresses(b));
        std::set<int> primaries;
        for (const auto& m : r.meters)
            primaries.insert(m.primary.value_or(-1));
        CHECK(primaries == std::set<int>{11, 12, 13, 14, 21, 31});
        CHECK(r.collisions.size() >= 7); // at least root, 7FFF.., 71FF.., ..., 712345FF..
        CHECK(r.unresolved.empty());
    }
}

TEST_CASE("secondary scan sees through E5s that line up by the collided REQ_UD2") {
    // No skew: both E5s arrive in the same instant and look like one; the RSP_UDs differ and garble.
    sim::bus b;
    b.add(meter(1, {0x30303030, kam, 1, 7}));
    b.add(meter(2, {0x30303031, kam, 1, 7}));
    const auto r = secondary(b);
    CHECK(found_addresses(r) == bus_addresses(b));
    REQUIRE_FALSE(r.collisions.empty());
    CHECK(r.collisions[0].source == master::collision_source::request);
}

TEST_CASE("the thorough scan finds meters whose aligned answers look like one") {
    // Same instant, and 30303030's bits are a subset of 30303031's in every byte that differs
    // (id, address 48 = 0x30 and 49 = 0x31, status 0 and 4): the wired-AND of both RSP_UDs is the
    // first meter's RSP_UD, checksum included.
    sim::bus b;
    auto a = meter(48, {0x30303030, kam, 0x40, 0x0D});
    auto c = meter(49, {0x30303031, kam, 0x40, 0x0D});
    a.records.clear();
    c.records.clear();
    c.status = 0x04;
    b.add(a);
    b.add(c);
    const auto plain = secondary(b);
    CHECK(plain.meters.size() == 1);
    CHECK(plain.selects == 1);
    master::secondary_scan_options o;
    o.thorough = true;
    const auto thorough = secondary(b, o);
    CHECK(found_addresses(thorough) == bus_addresses(b));
}

TEST_CASE("secondary scan tells apart one id with different manufacturers") {
    sim::bus b;
    b.add(meter(41, {0x71234599, kam, 0x30, 0x04}));
    b.add(meter(42, {0x71234599, hyd, 0x30, 0x04}, 4));
    b.add(meter(43, {0x71234598, hyd, 0x30, 0x04}, 2));
    const auto r = secondary(b);
    CHECK(found_addresses(r) == bus_addresses(b));
    // The whole id collided, and the search went into the manufacturer field.
    CHECK(std::any_of(r.collisions.begin(), r.collisions.end(), [](const master::collision_met& c) {
        return master::secondary_string(c.mask) == "71234599FFFFFFFF";
    }));
    bool whole_value = false;
    for (const auto& m : r.meters)
        if (m.address.id == 0x71234599) whole_value |= m.mask.manufacturer == m.address.manufacturer;
    CHECK(whole_value);
    CHECK(r.unresolved.empty());
}

TEST_CASE("secondary scan tells apart one id with different versions or media") {
    SUBCASE("version") {
        sim::bus b;
        b.add(meter(1, {0x55555555, kam, 0x01, 0x07}));
        b.add(meter(2, {0x55555555, kam, 0x02, 0x07}, 3));
        const auto r = secondary(b);
        CHECK(found_addresses(r) == bus_addresses(b));
        CHECK(r.unresolved.empty());
    }
    SUBCASE("medium") {
        sim::bus b;
        b.add(meter(1, {0x55555555, kam, 0x01, 0x06}));
        b.add(meter(2, {0x55555555, kam, 0x01, 0x07}, 3));
        const auto r = secondary(b);
        CHECK(found_addresses(r) == bus_addresses(b));
        CHECK(r.unresolved.empty());
    }
}

TEST_CASE("meters that take nibble wildcards everywhere are told apart cheaply") {
    const auto nibbles = app::wildcard_style::nibbles_everywhere;
    sim::bus standard;
    standard.add(meter(1, {0x55555555, kam, 0x01, 0x06}));
    standard.add(meter(2, {0x55555555, kam, 0x01, 0x07}, 3));
    sim::bus nibble;
    nibble.add(meter(1, {0x55555555, kam, 0x01, 0x06}, 0, nibbles));
    nibble.add(meter(2, {0x55555555, kam, 0x01, 0x07}, 3, nibbles));
    const auto a = secondary(standard);
    const auto n = secondary(nibble);
    CHECK(found_addresses(a) == bus_addresses(standard));
    CHECK(found_addresses(n) == bus_addresses(nibble));
    // Standard meters make the search try whole values (manufacturers, 255 versions, 255 media);
    // nibble meters are found nibble by nibble.
    // Nibbles: the root, 8 id levels of 10, 15 per nibble of manufacturer, version and medium.
    CHECK(n.selects == 1 + 80 + 8 * 15);
    CHECK(a.selects > n.selects + 300);
}

TEST_CASE("a nibble meter and a standard meter with one id are both found") {
    sim::bus b;
    b.add(meter(1, {0x66666666, kam, 0x01, 0x07}, 0, app::wildcard_style::nibbles_everywhere));
    b.add(meter(2, {0x66666666, hyd, 0x01, 0x07}, 3));
    const auto r = secondary(b);
    CHECK(found_addresses(r) == bus_addresses(b));
}

TEST_CASE("hex identification numbers need the hex scan") {
    SUBCASE("digits A to E") {
        sim::bus b;
        b.add(meter(1, {0x1234567A, kam, 1, 7}));
        b.add(meter(2, {0x1234567B, kam, 1, 7}, 3));
        b.add(meter(3, {0x1234560C, kam, 1, 7}, 5));
        b.add(meter(4, {0x12345601, kam, 1, 7}, 1));
        master::secondary_scan_options o;
        o.hex = true;
        const auto r = secondary(b, o);
        CHECK(found_addresses(r) == bus_addresses(b));
        CHECK(r.unresolved.empty());
    }
    SUBCASE("a digit F is found down the F branch") {
        // F is a digit in 12F45678 and the wildcard in a select: only 12FFFFFF.. reaches it. The
        // children 0-E of 12 explain one meter although 12 collided, so the search goes on with
        // the third digit left open.
        sim::bus b;
        b.add(meter(1, {0x1234567A, kam, 1, 7}));
        b.add(meter(2, {0x12F45678, kam, 1, 7}, 3));
        master::secondary_scan_options o;
        o.hex = true;
        const auto r = secondary(b, o);
        CHECK(found_addresses(r) == bus_addresses(b));
    }
    SUBCASE("a decimal scan finds a hex meter only when it is alone in its subtree") {
        sim::bus b;
        b.add(meter(1, {0x1234567A, kam, 1, 7}));
        b.add(meter(2, {0x12345601, kam, 1, 7}, 3));
        const auto r = secondary(b);
        CHECK(found_addresses(r) == bus_addresses(b));
        CHECK(r.meters[1].mask.id == 0x1234567F);
    }
}

TEST_CASE("meters identical in all eight bytes are an unresolved collision") {
    SUBCASE("nibble meters") {
        sim::bus b;
        const app::secondary_address same{0x77777777, kam, 0x01, 0x07};
        b.add(meter(1, same, 0, app::wildcard_style::nibbles_everywhere));
        b.add(meter(2, same, 3, app::wildcard_style::nibbles_everywhere));
        const auto r = secondary(b);
        CHECK(r.meters.empty());
        REQUIRE(r.unresolved.size() == 1);
        CHECK(r.unresolved[0].mask == same);
    }
    SUBCASE("standard meters") {
        sim::bus b;
        const app::secondary_address same{0x77777777, hyd, 0x01, 0x07};
        b.add(meter(1, same));
        b.add(meter(2, same, 3));
        b.add(meter(3, {0x77777778, hyd, 0x01, 0x07}, 1));
        const auto r = secondary(b);
        REQUIRE(r.meters.size() == 1);
        CHECK(r.meters[0].address.id == 0x77777778);
        REQUIRE(r.unresolved.size() == 1);
        CHECK(r.unresolved[0].mask == same);
        const auto j = master::to_json(r);
        CHECK(j["unresolved"][0]["mask"] == "7777777724230107"); // HYD 0x2324 in wire order
    }
}

TEST_CASE("secondary scan of an empty line and of a single meter") {
    sim::bus empty;
    const auto none = secondary(empty);
    CHECK(none.meters.empty());
    CHECK(none.collisions.empty());
    CHECK(none.selects == 1);
    sim::bus one;
    one.add(meter(7, {0x00000042, kam, 1, 7}));
    const auto r = secondary(one);
    REQUIRE(r.meters.size() == 1);
    CHECK(r.meters[0].primary == 7);
    CHECK(r.meters[0].mask == master::any_address());
    CHECK(r.selects == 1);
    CHECK(r.requests == 1);
}

TEST_CASE("secondary scan below a start mask probes only that subtree") {
    sim::bus b;
    b.add(meter(1, {0x12340001, kam, 1, 7}));
    b.add(meter(2, {0x12340002, kam, 1, 7}, 2));
    b.add(meter(3, {0x99990001, kam, 1, 7}, 4));
    master::secondary_scan_options o;
    o.start = *master::parse_secondary("1234FFFF");
    const auto r = secondary(b, o);
    CHECK(found_addresses(r) == std::set<std::string>{"123400012D2C0107", "123400022D2C0107"});
    CHECK(r.selects == 1 + 3 * 10 + 10);
}

TEST_CASE("secondary scan asks again when a telegram from a meter the select does not match comes back") {
    // What a late answer to an earlier request looks like: a whole telegram, from another meter.
    sim::bus other;
    other.add(meter(9, {0x99990001, kam, 1, 7}));
    const auto stray = other
                           .on_frame(link::frame::short_frame(link::c_field::req_ud2, 9), 0,
                                     sim::sim_now{clock::now(), std::chrono::system_clock::now()})
                           .wire;
    REQUIRE(stray.size() > 20);
    sim::bus b;
    b.add(meter(1, {0x12345678, kam, 1, 7}));
    master::secondary_scan_result r;
    std::size_t at_fd = 0;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        s.misdirected = stray;
        master::secondary_scan_options o;
        o.start = *master::parse_secondary("1234FFFF");
        r = co_await master::scan_secondary(s, fast(), o);
        for (const auto& f : s.requests)
            at_fd += is_req_ud2_at_fd(f) ? 1U : 0U;
    });
    INFO(r);
    CHECK(r.complete);
    CHECK(found_addresses(r) == std::set<std::string>{"123456782D2C0107"});
    CHECK(r.meters.at(0).primary == 1);
    CHECK(at_fd == 2);
}

TEST_CASE("scans on a line that answers everything with junk end and say so") {
    sim::bus b;
    b.add(meter(1, {0x12345678, kam, 1, 7}));
    master::secondary_scan_result r;
    master::primary_scan_result p;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        s.junk = bytes{0xFD, 0x68, 0x01}; // garbage, a cut-off frame
        master::secondary_scan_options o;
        o.max_selects = 300;
        r = co_await master::scan_secondary(s, fast(), o);
        master::primary_scan_options po;
        po.last = 20;
        p = co_await master::scan_primary(s, fast(), po);
    });
    CHECK_FALSE(r.complete);
    CHECK(r.selects == 300);
    CHECK(r.meters.empty());
    CHECK(r.stop_reason.find("select limit") != std::string::npos);
    CHECK(master::to_json(r)["error"] == r.stop_reason);
    CHECK(p.complete);
    CHECK(p.found.size() == 21);
    CHECK(p.collisions() == 21);
}

TEST_CASE("scans stop on a closed line with its error") {
    sim::bus b;
    b.add(meter(1, {0x12345678, kam, 1, 7}));
    master::secondary_scan_result r;
    master::primary_scan_result p;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        s.close();
        r = co_await master::scan_secondary(s, fast());
        p = co_await master::scan_primary(s, fast());
    });
    CHECK_FALSE(r.complete);
    CHECK(r.error == transport::errc::closed);
    CHECK_FALSE(p.complete);
    CHECK(p.error == transport::errc::closed);
    CHECK(p.addresses == 0);
}

TEST_CASE("secondary scan result as json and text") {
    sim::bus b;
    b.add(meter(48, {0x30303030, kam, 0x40, 0x0D}));
    b.add(meter(61, {0x41713800, hyd, 0x2F, 0x04}, 3));
    const auto r = secondary(b);
    const auto j = nlohmann::json::parse(master::to_json(r).dump());
    CHECK(j["scan"] == "secondary");
    CHECK(j["complete"] == true);
    REQUIRE(j["meters"].size() == 2);
    CHECK(j["meters"][0]["secondary_address"] == "303030302D2C400D");
    CHECK(j["meters"][0]["id"] == "30303030");
    CHECK(j["meters"][0]["manufacturer"] == "KAM");
    CHECK(j["meters"][0]["version"] == 0x40);
    CHECK(j["meters"][0]["medium"] == 0x0D);
    CHECK(j["meters"][0]["primary_address"] == 48);
    CHECK(j["meters"][1]["manufacturer"] == "HYD");
    CHECK(j["collisions"][0]["mask"] == "FFFFFFFFFFFFFFFF");
    CHECK(j["selects"] == r.selects);
    std::ostringstream text;
    text << r;
    CHECK(text.str().find("303030302D2C400D  id 30303030  KAM  version 0x40") != std::string::npos);
    CHECK(text.str().find("primary 61") != std::string::npos);
}

namespace {

unsigned count_kind(const std::vector<master::transcript_entry>& log, master::transcript_kind k) {
    return static_cast<unsigned>(std::count_if(
        log.begin(), log.end(), [k](const master::transcript_entry& e) { return e.kind == k; }));
}

} // namespace

TEST_CASE("primary scan sends one SND_NKE per silent address and waits only for silence") {
    sim::bus b;
    b.add(meter(3, {0x00000003, kam, 1, 7}));
    b.add(meter(9, {0x00000009, kam, 1, 7}));
    for (const unsigned on_silence : {0U, 2U}) {
        INFO("retries on silence ", on_silence);
        master::primary_scan_result r;
        std::vector<master::transcript_entry> log;
        unsigned waits = 0;
        std::size_t requests = 0;
        run([&]() -> asio::awaitable<void> {
            bus_stream s(b);
            master::primary_scan_options o;
            o.last = 15;
            o.retries_on_silence = on_silence;
            o.transcript = [&](const master::transcript_entry& e) { log.push_back(e); };
            r = co_await master::scan_primary(s, fast(), o);
            waits = s.waits;
            requests = s.requests.size();
        });
        INFO(r);
        CHECK(r.complete);
        REQUIRE(r.found.size() == 2);
        // 14 silent addresses, each 1 + on_silence SND_NKE; the two meters one each.
        CHECK(requests == 2 + 14 * (1 + on_silence));
        CHECK(r.frames_sent == requests);
        CHECK(r.use.requests == requests);
        CHECK(r.use.request_bytes == 5 * requests);
        CHECK(r.use.answer_bytes == 2);
        // The deadline ended a read only where nothing came: a complete E5 ends its exchange at once.
        CHECK(waits == 14 * (1 + on_silence));
        CHECK(count_kind(log, master::transcript_kind::timeout) == waits);
    }
}

TEST_CASE("primary scan repeats a garbled answer and takes the clean one after it") {
    sim::bus b;
    b.add(meter(3, {0x00000003, kam, 1, 7}));
    master::primary_scan_result r;
    std::vector<link::frame> requests;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        s.garble_next = bytes{0xA5, 0xC4}; // noise on the first answer only
        master::primary_scan_options o;
        o.first = 0;
        o.last = 5;
        r = co_await master::scan_primary(s, fast(), o);
        requests = s.requests;
    });
    INFO(r);
    REQUIRE(r.found.size() == 1);
    CHECK(r.found[0] == master::address_found{3, presence::one, master::reply_kind::ack, {0xE5}});
    // 0, 1, 2, 3 (garbled), 3 again (clean), 4, 5.
    REQUIRE(requests.size() == 7);
    CHECK(requests[3].a == 3);
    CHECK(requests[4].a == 3);
}

TEST_CASE("primary scan on a wire-like line stays within the physical bound") {
    // The bus answers after its response delay, each character one character time after the last,
    // at 38400 baud (a short window keeps the test short). The master's timing is a serial port's:
    // each request leaves at the rate and every window is listened to the end. Counted: one
    // request and one window per address. Timed, only as a generous upper bound: the bound with
    // the master's own window (the standard's plus its margin), twice over, plus a second.
    constexpr unsigned baud = 38400;
    sim::bus b;
    b.add(meter(3, {0x00000003, kam, 1, 7}));
    master::primary_scan_result r;
    unsigned waits = 0;
    auto mo = fast();
    mo.timing = master::timing::for_line(transport::carrier::uart, baud);
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        s.paced_baud = baud;
        master::primary_scan_options o;
        o.last = 15;
        r = co_await master::scan_primary(s, mo, o);
        waits = s.waits;
    });
    INFO(r);
    REQUIRE(r.found.size() == 1);
    CHECK(r.found[0].address == 3);
    CHECK(r.use.requests == 16);
    CHECK(waits == 16); // every window to its end, the answered one too
    const auto bound = master::physical_bound(r.use, baud);
    const auto own_windows = r.use.requests * (mo.timing.response_timeout - (330 * bit_time(baud) + 50ms));
    MESSAGE("16 addresses at ", baud, " baud: ", std::chrono::duration<double>(r.elapsed).count(),
            " s, bound ", std::chrono::duration<double>(bound).count(), " s, with the master's margin ",
            std::chrono::duration<double>(bound + own_windows).count(), " s");
    CHECK(r.elapsed >= bound); // the windows are waited out: never less than the bound
    CHECK(r.elapsed <= 2 * (bound + own_windows) + 1s);
}

TEST_CASE("physical bound counts request characters and one window per request") {
    master::line_use u;
    u.requests = 251;
    u.request_bytes = 251 * 5;
    // 5 characters of 11 bits at 2400 baud: 22.9 ms; window 330 bit times + 50 ms: 187.5 ms.
    const auto b = master::physical_bound(u, 2400);
    CHECK(b > 52'800ms);
    CHECK(b < 52'850ms);
    CHECK(master::physical_bound(u, 0) == b);
    u.answer_bytes = 1000; // answers are not counted
    CHECK(master::physical_bound(u, 2400) == b);
}

TEST_CASE("primary scan reports progress and each address as it answers") {
    sim::bus b;
    b.add(meter(3, {0x00000003, kam, 1, 7}));
    b.add(meter(9, {0x00000009, kam, 1, 7}));
    std::vector<std::string> events;
    std::vector<master::scan_progress> reports;
    master::primary_scan_result r;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        master::primary_scan_options o;
        o.last = 11;
        o.progress = [&](const master::scan_progress& p) {
            reports.push_back(p);
            events.push_back(p.probing);
        };
        o.on_found = [&](const master::address_found& a) {
            events.push_back("found " + std::to_string(a.address));
        };
        r = co_await master::scan_primary(s, fast(), o);
    });
    REQUIRE(reports.size() == 12);
    CHECK(reports.front().probing == "address 0");
    CHECK(reports.back().probing == "address 11");
    CHECK(reports.back().found == 2);
    CHECK(reports.back().probes == 11);
    CHECK_FALSE(reports.back().left_at_least);
    // Each address as soon as it answered, before the next probe.
    const auto at = [&](const std::string& e) {
        return std::find(events.begin(), events.end(), e) - events.begin();
    };
    CHECK(at("found 3") == at("address 3") + 1);
    CHECK(at("found 9") == at("address 9") + 1);
    CHECK(at("address 4") == at("found 3") + 1);
}

TEST_CASE("scans end where cancelled and keep what they found") {
    sim::bus b;
    b.add(meter(3, {0x00000003, kam, 1, 7}));
    b.add(meter(2, {0x12345678, kam, 1, 7}));
    b.add(meter(4, {0x12345679, kam, 1, 7}, 3));
    master::primary_scan_result p;
    master::secondary_scan_result r;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        unsigned asked = 0;
        master::primary_scan_options po;
        po.cancelled = [&] { return ++asked > 6; }; // after 6 addresses
        p = co_await master::scan_primary(s, fast(), po);
        unsigned selects = 0;
        master::secondary_scan_options so;
        so.on_found = [&](const master::meter_found&) { selects = 1000; };
        so.cancelled = [&] { return ++selects > 1000; }; // at the first probe after the first meter
        r = co_await master::scan_secondary(s, fast(), so);
    });
    CHECK_FALSE(p.complete);
    CHECK(p.stop_reason == "interrupted");
    CHECK(p.addresses == 6);
    REQUIRE(p.found.size() == 3); // 2, 3 and 4 of 0..5
    CHECK(p.found[1].address == 3);
    CHECK(master::to_json(p)["complete"] == false);
    CHECK(master::to_json(p)["error"] == "interrupted");
    CHECK_FALSE(r.complete);
    CHECK(r.stop_reason == "interrupted");
    CHECK(r.meters.size() == 1);
    std::ostringstream text;
    text << r;
    CHECK(text.str().find("incomplete: interrupted") != std::string::npos);
}

TEST_CASE("secondary scan waits only for silence and garbage and names each meter once as found") {
    sim::bus b;
    for (unsigned i = 1; i <= 12; ++i) // ids 10000001 .. 10000012 (BCD)
        b.add(meter(static_cast<byte>(i), {0x10000000 + (i / 10) * 16 + i % 10, kam, 1, 7}, i % 3));
    master::secondary_scan_result r;
    std::vector<master::transcript_entry> log;
    std::vector<std::string> announced;
    std::vector<master::scan_progress> reports;
    unsigned waits = 0;
    run([&]() -> asio::awaitable<void> {
        bus_stream s(b);
        master::secondary_scan_options o;
        o.transcript = [&](const master::transcript_entry& e) { log.push_back(e); };
        o.on_found = [&](const master::meter_found& m) {
            announced.push_back(master::secondary_string(m.address));
        };
        o.progress = [&](const master::scan_progress& p) { reports.push_back(p); };
        r = co_await master::scan_secondary(s, fast(), o);
        waits = s.waits;
    });
    INFO(r);
    CHECK(found_addresses(r) == bus_addresses(b));
    CHECK(std::set<std::string>(announced.begin(), announced.end()) == found_addresses(r));
    CHECK(announced.size() == r.meters.size());
    CHECK(reports.size() == r.selects);
    CHECK(reports.front().probing == "mask FFFFFFFFFFFFFFFF");
    CHECK(reports.back().left_at_least);
    // A silent select waits the window, a garbled answer the gap; a clean E5 or RSP_UD nothing.
    const auto silent = count_kind(log, master::transcript_kind::timeout);
    CHECK(waits >= silent);
    CHECK(waits <= silent + r.collisions.size());
    CHECK(waits < silent + r.collisions.size() + r.requests); // the old master waited after each answer
}

TEST_CASE("secondary scan repeats silent selects only when asked") {
    sim::bus b;
    b.add(meter(1, {0x12345678, kam, 1, 7}));
    b.add(meter(2, {0x12345679, kam, 1, 7}, 2));
    master::secondary_scan_options o;
    o.start = *master::parse_secondary("1234FFFF");
    const auto once = secondary(b, o);
    o.retries_on_silence = 1;
    const auto twice = secondary(b, o);
    CHECK(found_addresses(once) == found_addresses(twice));
    // 1234FFFF, 12340-9, 123450-9, ... 1234567F: the silent selects are sent twice.
    const auto silent = once.selects - once.collisions.size() - once.meters.size();
    CHECK(twice.use.requests == once.use.requests + silent);
}
