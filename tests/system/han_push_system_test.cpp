// The real `mbus-sim run` with the shipped HAN scenarios: a reader on the pty and one on TCP listen
// for 12 s and decode what arrives as a HAN reader does (HDLC splitter, frame checks, LLC, APDU,
// objects), and find Kaifa's list 1 every 2 s and list 2 every 10 s with the scenario's values.

#include "support.hpp"
#include "support/han_reader.hpp"
#include "support/temp_dir.hpp"

#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/transport/deadline.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <fmt/format.h>

#include <array>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace mbus;
using namespace mbus::test;

namespace {

// The lists a reader decodes; a pushing meter without faults sends nothing else.
test::han_heard decode(const bytes& wire, const han::keys& k = {}) {
    auto h = test::read_han(wire, k);
    REQUIRE(h.undecodable.empty());
    return h;
}

double value(const han::object_list& l, const char* code) {
    const auto* o = l.find(*han::obis::parse(code));
    REQUIRE_MESSAGE(o, code);
    return *o->value.as_number();
}

// Each make's units as its document states them (a reader's knowledge, written here independently of
// han/meter.hpp): the raw value per ampere and per volt when the frame carries no scaler.
struct make_units {
    const char* make;
    const char* b;               // the OBIS B group ("0" or "1")
    double per_ampere, per_volt; // raw units of a scaler-less frame; Aidon's scaler gives SI
    std::size_t list2_objects;   // the 10 s list with currents and voltages
};

make_units units_of(sim::han_make m) {
    switch (m) {
    case sim::han_make::aidon: return {"Aidon", "0", 1, 1, 13};
    case sim::han_make::kaifa: return {"Kaifa", "0", 1000, 10, 13};
    case sim::han_make::kamstrup: return {"Kamstrup", "1", 100, 1, 13};
    }
    return {};
}

// What the lists of `m` (constant power and voltage in the scenario) must carry; `power_lists` and
// `full_lists` the least number of power-only and full lists expected in the time listened.
void check_lists(const test::han_heard& h, const sim::han_meter_config& m, const char* line,
                 std::size_t power_lists, std::size_t full_lists) {
    INFO(line);
    CHECK(h.bad.empty());
    CHECK(h.junk == 0);
    const auto u8 = units_of(m.identity.make);
    const auto obis = [&](const char* cde) { return fmt::format("1.{}.{}.7.0.255", u8.b, cde); };
    std::size_t l1 = 0, l2 = 0;
    const double p = std::get<sim::constant>(m.power).value;
    const double u = std::get<sim::constant>(m.voltage).value;
    const double amps = p / 3 / (u * m.power_factor);
    // Aidon's frame carries scaler -1 for currents: 0.1 A.
    const double current = m.identity.make == sim::han_make::aidon ? std::round(amps * 10) / 10
                                                                   : std::round(amps * u8.per_ampere);
    for (const auto& l : h.lists) {
        CHECK(l.make() == u8.make);
        const auto* power = l.find(*han::obis::parse(obis("1")));
        REQUIRE(power);
        CHECK(power->number() == doctest::Approx(p));
        if (l.objects.size() == 1) ++l1;
        if (l.objects.size() != u8.list2_objects) continue;
        ++l2;
        CHECK(l.list_identifier() == m.identity.list_version);
        CHECK(l.objects[1].text() == m.identity.id);
        CHECK(l.objects[2].text() == m.identity.type);
        CHECK(l.find(*han::obis::parse(obis("2")))->number() == 0);
        CHECK(l.find(*han::obis::parse(obis("3")))->number() ==
              doctest::Approx(std::round(p * std::tan(std::acos(m.power_factor)))));
        for (const char* c : {"31", "51", "71"})
            CHECK(l.find(*han::obis::parse(obis(c)))->number() == doctest::Approx(current));
        for (const char* c : {"32", "52", "72"})
            CHECK(l.find(*han::obis::parse(obis(c)))->number() ==
                  doctest::Approx(m.identity.make == sim::han_make::aidon ? u : u * u8.per_volt));
    }
    CHECK(l1 >= power_lists);
    CHECK(l2 >= full_lists);
    CHECK(l1 + l2 == h.lists.size());
    std::cout << "han: " << u8.make << " " << line << " heard power-only lists x" << l1 << ", full lists x"
              << l2 << "\n";
}

void check_kaifa(const test::han_heard& h, const sim::han_meter_config& m, const char* line) {
    // 12 s: six slots of 2 s, one or two of them at :x0 (list 2), the rest list 1.
    check_lists(h, m, line, 3, 1);
    CHECK(h.lists.size() >= 5);
}

// The shipped scenario `name` run with a pty and a TCP client, listened to for `how_long`.
struct both_lines {
    sim::han_meter_config meter;
    bytes pty, tcp;
    std::string log; // stderr
};
// A 10 s push takes 2.7-3 s on the wire (581 bytes at 11 bits, Aidon SE): a window of 10 s plus the
// longest push plus slack holds at least one whole push wherever it starts, and never three.
constexpr auto ten_second_push = 16s;

both_lines listen_both(const char* name, duration how_long) {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / name;
    const auto loaded = scenario::load(file);
    REQUIRE(loaded);
    REQUIRE(loaded.value->han_meters.size() == 1);
    both_lines out{loaded.value->han_meters.front(), {}, {}, {}};
    auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
    run_system_test([&]() -> asio::awaitable<void> {
        auto pty = co_await open_pty(sim.ready);
        auto tcp = co_await open_tcp(sim.ready);
        using namespace asio::experimental::awaitable_operators;
        auto r = co_await (listen(*pty, how_long) && listen(*tcp, how_long));
        out.pty = std::move(std::get<0>(r));
        out.tcp = std::move(std::get<1>(r));
    });
    out.log = sim.process->err();
    stop_sim(sim);
    return out;
}

} // namespace

TEST_CASE(
    "mbus-sim run han-kaifa.toml pushes lists 1 and 2 with the scenario's values to the pty and to tcp") {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "han-kaifa.toml";
    const auto loaded = scenario::load(file);
    REQUIRE(loaded);
    REQUIRE(loaded.value->han_meters.size() == 1);
    const auto& m = loaded.value->han_meters.front();

    auto sim = start_sim({"run", file.string(), "--pty", "--tcp", "127.0.0.1:0"});
    CHECK(sim.ready.get("meters") == "1");
    bytes on_pty, on_tcp, second_tcp;
    run_system_test([&]() -> asio::awaitable<void> {
        auto pty = co_await open_pty(sim.ready);
        auto tcp = co_await open_tcp(sim.ready);
        auto tcp2 = co_await open_tcp(sim.ready);
        // Bytes from a reader are dropped, not answered.
        const bytes snd_nke{0x10, 0x40, 0xFE, 0x3E, 0x16};
        const auto ec = co_await tcp2->write(snd_nke);
        CHECK_FALSE(ec);
        using namespace asio::experimental::awaitable_operators;
        auto r = co_await (listen(*pty, 12s) && listen(*tcp, 12s) && listen(*tcp2, 12s));
        on_pty = std::move(std::get<0>(r));
        on_tcp = std::move(std::get<1>(r));
        second_tcp = std::move(std::get<2>(r));
    });
    stop_sim(sim);
    check_kaifa(decode(on_pty), m, "pty");
    check_kaifa(decode(on_tcp), m, "tcp");
    check_kaifa(decode(second_tcp), m, "second tcp client");
}

TEST_CASE(
    "mbus-sim run han-aidon.toml pushes Aidon's lists 1 and 2 with the scenario's values to pty and tcp") {
    // 15 s: six 2.5 s slots, one or two at :x0 (list 2).
    const auto got = listen_both("han-aidon.toml", 15s);
    CHECK_MESSAGE(got.log.find("2400 baud 8E1") != std::string::npos, got.log);
    for (const auto& [wire, line] : {std::pair{&got.pty, "pty"}, std::pair{&got.tcp, "tcp"}}) {
        const auto h = decode(*wire);
        check_lists(h, got.meter, line, 3, 1);
        CHECK(h.lists.size() >= 5);
    }
}

TEST_CASE("mbus-sim run han-kamstrup.toml pushes Kamstrup's list 1 every 10 s to pty and tcp") {
    const auto got = listen_both("han-kamstrup.toml", ten_second_push);
    // Kamstrup's HAN line is 8N1: 10 bits a character, which the pacing and a serial device follow.
    CHECK_MESSAGE(got.log.find("2400 baud 8N1") != std::string::npos, got.log);
    for (const auto& [wire, line] : {std::pair{&got.pty, "pty"}, std::pair{&got.tcp, "tcp"}}) {
        const auto h = decode(*wire);
        // Kamstrup's 10 s list is its full list (no power-only list).
        check_lists(h, got.meter, line, 0, 1);
        CHECK(h.lists.size() <= 2);
    }
}

// The per-phase lists (Swedish Aidon, Kamstrup's push 1): every push carries the totals, each phase's
// share, the currents from P = 3 U I cos phi, the voltages and the registers (Wh) at least the start's.
void check_phase_lists(const test::han_heard& h, const sim::han_meter_config& m, const char* line,
                       const char* b, std::size_t objects, double per_ampere, bool scaled) {
    INFO(line);
    CHECK(h.bad.empty());
    CHECK(h.junk == 0);
    const auto code = [&](const char* c, const char* d) { return fmt::format("1.{}.{}.{}.0.255", b, c, d); };
    const auto number = [&](const han::object_list& l, const std::string& c) {
        const auto* o = l.find(*han::obis::parse(c));
        REQUIRE_MESSAGE(o, c);
        const auto x = o->number();
        REQUIRE_MESSAGE(x, c);
        return *x;
    };
    const double p = std::get<sim::constant>(m.power).value;
    const double u = std::get<sim::constant>(m.voltage).value;
    const double amps = p / 3 / (u * m.power_factor);
    for (const auto& l : h.lists) {
        REQUIRE(l.objects.size() == objects);
        CHECK(number(l, code("1", "7")) == doctest::Approx(p));
        CHECK(number(l, code("2", "7")) == 0);
        for (const char* c : {"21", "41", "61"})
            CHECK(number(l, code(c, "7")) == doctest::Approx(std::round(p / 3)));
        for (const char* c : {"31", "51", "71"})
            CHECK(number(l, code(c, "7")) ==
                  doctest::Approx(std::round(amps * per_ampere) / (scaled ? per_ampere : 1.0)));
        for (const char* c : {"32", "52", "72"})
            CHECK(number(l, code(c, "7")) == doctest::Approx(u).epsilon(0.003));
        // Registers in Wh: the start's, and at most the energy of the minute listened since.
        const double wh = number(l, code("1", "8"));
        CHECK(wh >= m.import_wh - 1);
        CHECK(wh <= m.import_wh + p / 60);
    }
    CHECK(h.lists.size() >= 1);
    CHECK(h.lists.size() <= 2);
    std::cout << "han: " << m.name << " " << line << " heard lists x" << h.lists.size() << "\n";
}

TEST_CASE("mbus-sim run han-sweden.toml pushes Aidon's Swedish list every 10 s to pty and tcp") {
    const auto got = listen_both("han-sweden.toml", ten_second_push);
    CHECK_MESSAGE(got.log.find("2400 baud 8E1") != std::string::npos, got.log);
    for (const auto& [wire, line] : {std::pair{&got.pty, "pty"}, std::pair{&got.tcp, "tcp"}}) {
        const auto h = decode(*wire);
        // Aidon's frame carries the scalers: currents in 0.1 A come out in A.
        check_phase_lists(h, got.meter, line, "0", 27, 10, true);
        for (const auto& l : h.lists) {
            const auto* clock = l.find(*han::obis::parse("0.0.1.0.0.255"));
            REQUIRE(clock);
            CHECK(clock->value.octets_value()->size() == 12);
        }
    }
}

TEST_CASE("mbus-sim run han-kamstrup-dk.toml pushes Kamstrup's DLMS push 1 every 10 s to pty and tcp") {
    const auto got = listen_both("han-kamstrup-dk.toml", ten_second_push);
    CHECK_MESSAGE(got.log.find("2400 baud 8N1") != std::string::npos, got.log);
    for (const auto& [wire, line] : {std::pair{&got.pty, "pty"}, std::pair{&got.tcp, "tcp"}}) {
        const auto h = decode(*wire);
        // No scalers in Kamstrup's frames: currents in 0.01 A, power factors in 0.01.
        check_phase_lists(h, got.meter, line, "1", 33, 100, false);
        for (const auto& l : h.lists) {
            CHECK(l.list_identifier() == "Kamstrup_V0001");
            CHECK(value(l, "1.1.0.0.1.255") == 34374909);
            CHECK(value(l, "1.1.13.7.0.255") == std::round(got.meter.power_factor * 100));
            // The phases' registers share the total.
            const double total = value(l, "1.1.1.8.0.255");
            for (const char* c : {"1.1.21.8.0.255", "1.1.41.8.0.255", "1.1.61.8.0.255"})
                CHECK(std::abs(3 * value(l, c) - total) <= 3);
        }
    }
}

TEST_CASE("mbus-sim run han-encrypted.toml pushes general-glo-ciphering that opens with its keys") {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "han-encrypted.toml";
    const auto loaded = scenario::load(file);
    REQUIRE(loaded);
    const auto& m = loaded.value->han_meters.at(0);
    REQUIRE(m.cipher);
    auto sim = start_sim({"run", file.string(), "--tcp", "127.0.0.1:0"});
    bytes got;
    run_system_test([&]() -> asio::awaitable<void> {
        auto tcp = co_await open_tcp(sim.ready);
        got = co_await listen(*tcp, 5s);
    });
    stop_sim(sim);
    han::hdlc_splitter split;
    std::vector<std::uint32_t> counters;
    for (const auto& ev : split.feed(got)) {
        const auto* good = std::get_if<han::hdlc_good_frame>(&ev);
        REQUIRE(good);
        const auto apdu = han::strip_llc(good->frame.information);
        REQUIRE(apdu);
        CHECK(han::decode_apdu(*apdu).error() == han::errc::ciphered);
        const auto g = han::decode_glo_ciphered(*apdu);
        REQUIRE(g);
        counters.push_back(g->frame_counter);
        CHECK(g->system_title == m.cipher->system_title);
        const auto a = han::decode_apdu(*apdu, {m.cipher->key, m.cipher->auth_key});
        REQUIRE_MESSAGE(a, a.error().message());
        const auto l = han::objects_of(a->notification.body);
        REQUIRE(l);
        // sine 2000 +- 1000 W
        const double p = value(*l, "1.0.1.7.0.255");
        CHECK(p >= 1000);
        CHECK(p <= 3000);
    }
    REQUIRE(counters.size() >= 2);
    for (std::size_t i = 1; i < counters.size(); ++i)
        CHECK(counters[i] == counters[i - 1] + 1);
}

TEST_CASE("[bus] clock brings the hour: Aidon's hourly list 3 with the meter clock and the registers") {
    std::ifstream in(std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "han-aidon.toml");
    std::stringstream text;
    text << "[bus]\nclock = 2026-12-06T09:59:57\n" << in.rdbuf();
    const test::temp_scenario sc("han-hourly", text.str());
    auto sim = start_sim({"run", sc.path().string(), "--tcp", "127.0.0.1:0"});
    bytes wire;
    run_system_test([&]() -> asio::awaitable<void> {
        auto tcp = co_await open_tcp(sim.ready);
        wire = co_await listen(*tcp, 7s);
    });
    stop_sim(sim);
    const auto h = decode(wire);
    CHECK(h.bad.empty());
    const auto clock_code = *han::obis::parse("0.0.1.0.0.255");
    const auto import_code = *han::obis::parse("1.0.1.8.0.255");
    std::size_t hourly = 0;
    for (const auto& l : h.lists) {
        const auto* clock = l.find(clock_code);
        const auto* import = l.find(import_code);
        if (clock == nullptr || import == nullptr) continue;
        ++hourly;
        // The list of the hour, stamped at the hour, with the register as it stood then.
        CHECK_MESSAGE(clock->text().starts_with("2026-12-06T10:00:00"), clock->text());
        REQUIRE(import->number());
        CHECK(*import->number() > 0);
    }
    CHECK(hourly == 1);
}
