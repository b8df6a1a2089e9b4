// The real `mbus-sim run scenarios/han-faults.toml --pty`: a reader on the pty decodes what arrives
// with the project's HAN reader (HDLC splitter and checks, LLC, APDU, objects) and meets the
// scenario's faults as a reader on a misbehaving line would: junk between frames, a frame with a
// bad FCS, a list the KFM_001 tables cannot place (the extra object), a cut frame it resynchronises
// after; and between them lists with the meter's values. The log and the transcript name every
// fault injected, and the summary counts them.

#include "support.hpp"

#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>
#include <mbus/transport/deadline.hpp>

#include "support/corpus.hpp"
#include "support/temp_dir.hpp"

#include <array>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

using namespace mbus;
using namespace mbus::test;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("mbus-sim run han-faults.toml: a reader on the pty survives the faults and names them") {
    const auto file = std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios" / "han-faults.toml";
    temp_dir tmp("han-faults");
    const auto transcript = tmp.dir() / "t.jsonl";
    auto sim = start_sim({"run", file.string(), "--pty", "--transcript", transcript.string()});
    bytes wire;
    run_system_test([&]() -> asio::awaitable<void> {
        auto pty = co_await open_pty(sim.ready);
        wire = co_await listen(*pty, 20s);
    });
    stop_sim(sim);
    const auto log = sim.process->err();
    INFO(log);

    std::size_t good = 0, bad_fcs = 0, other_bad = 0, junk = 0, unplaced = 0, lists = 0;
    han::hdlc_splitter split;
    for (const auto& ev : split.feed(wire)) {
        if (const auto* b = std::get_if<han::hdlc_bad_frame>(&ev)) {
            (b->error == han::errc::bad_fcs ? bad_fcs : other_bad)++;
            continue;
        }
        if (std::holds_alternative<han::hdlc_junk>(ev)) {
            ++junk;
            continue;
        }
        const auto& f = std::get<han::hdlc_good_frame>(ev).frame;
        ++good;
        const auto apdu = han::strip_llc(f.information);
        REQUIRE(apdu);
        const auto a = han::decode_apdu(*apdu);
        REQUIRE_MESSAGE(a, a.error().message());
        const auto l = han::objects_of(a->notification.body);
        if (!l) { // a list with one value more than any KFM_001 list
            CHECK(l.error() == han::errc::bad_value);
            ++unplaced;
            continue;
        }
        ++lists;
        CHECK(l->make() == "Kaifa");
        const auto* p = l->find(*han::obis::parse("1.0.1.7.0.255"));
        REQUIRE(p);
        CHECK(p->value.as_number() == 1500);
    }
    std::cout << fmt::format("han faults: {} bytes, {} good frames ({} lists, {} unplaceable), {} bad FCS, "
                             "{} other bad, {} junk\n",
                             wire.size(), good, lists, unplaced, bad_fcs, other_bad, junk);
    // 20 s hold pushes 1..9 at least: junk on 2, 4, 6, 8, a bad FCS on 3, 6, 9, the extra object on 4, 8,
    // push 5 cut (a bad frame once push 6 follows), push 7 not sent; only 1 and 2 are whole lists (push 1
    // may come before the reader opens the pty).
    CHECK(bad_fcs >= 1);
    CHECK(junk >= 1);
    CHECK(unplaced >= 1);
    CHECK(lists >= 1);
    CHECK(other_bad + bad_fcs >= 2);

    // Named in the log and counted in the summary.
    CHECK(count(log, "INJECTED junk [00 FF 00] before the push (fault 'noise')") >= 2);
    CHECK(count(log, "INJECTED bad FCS (fault 'fcs')") >= 1);
    CHECK(count(log, "INJECTED list 1 not sent (fault 'gone')") + count(log, "INJECTED list 2 not sent") >=
          1);
    CHECK(count(log, "(fault 'cut')") >= 1);
    CHECK(log.find("HAN pushes: ") != std::string::npos);
    const auto summary = log.substr(log.find("HAN pushes: "));
    std::size_t pushes = 0, injected = 0;
    REQUIRE(std::sscanf(summary.c_str(), "HAN pushes: %zu, faults injected: %zu", &pushes, &injected) == 2);
    CHECK(pushes >= 7);
    CHECK(injected == count(log, "INJECTED "));
    // And in the transcript, as events.
    const auto t = read_file(transcript);
    CHECK(count(t, "\"kind\":\"event\",\"summary\":\"meter kaifa: INJECTED ") == injected);
}
