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
// queues its reply; read_some() returns what is queued, or waits until the caller's deadline
// cancels it (silence).
class bus_stream final : public transport::byte_stream {
  public:
    explicit bus_stream(sim::bus& b) : bus_(b), parser_(std::chrono::microseconds(100'000)) {}

    asio::awaitable<std::pair<std::error_code, std::size_t>> read_some(std::span<byte> buf) override {
        if (closed_) co_return std::pair{make_error_code(transport::errc::closed), std::size_t{0}};
        if (pending_.empty()) {
            asio::steady_timer wait(co_await asio::this_coro::executor, time_point::max());
            co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
            co_return std::pair{std::make_error_code(std::errc::operation_canceled), std::size_t{0}};
        }
        const auto n = std::min(buf.size(), pending_.size());
        std::copy_n(pending_.begin(), n, buf.begin());
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
        co_return std::pair{std::error_code{}, n};
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
            pending_.insert(pending_.end(), wire.begin(), wire.end());
        }
        co_return std::error_code{};
    }
    std::string describe() const override { return "in-process bus"; }
    void close() override { closed_ = true; }

    std::vector<link::frame> requests;
    std::optional<bytes> junk;        // when set, every request is answered with these bytes instead
    std::optional<bytes> misdirected; // when set, the answer to the next REQ_UD2 at FD, once

  private:
    sim::bus& bus_;
    link::stream_parser parser_;
    sim::bus_reply bus_reply_;
    bytes pending_;
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
    // Answered addresses take one SND_NKE (a collision is not repeated), silent ones two (retries 1).
    CHECK(r.frames_sent == 3 + 8 * 2);
    const auto sent = std::count_if(log.begin(), log.end(), [](const master::transcript_entry& e) {
        return e.kind == master::transcript_kind::sent && e.raw.size() == 5 && e.raw[1] == 0x40;
    });
    CHECK(sent == 19);
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
