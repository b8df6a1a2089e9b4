// harness/exchange: the records each entry contributes to a transcript, in order, and fate names.

#include <doctest/doctest.h>

#include <mbus/harness/exchange.hpp>

#include <chrono>

#include <string>
#include <vector>

using namespace mbus;
using namespace mbus::harness;

namespace {

record with_summary(record_kind k, std::string summary) {
    record r;
    r.kind = k;
    r.summary = std::move(summary);
    return r;
}

exchange exchange_ending(fate f) {
    exchange x;
    x.number = 7;
    x.bus = "plant";
    x.request = with_summary(record_kind::request, "REQ_UD2 a=5");
    x.end = f;
    switch (f) {
    case fate::answered: x.outcome = with_summary(record_kind::reply, "RSP_UD a=5"); break;
    case fate::silent: x.outcome = with_summary(record_kind::silence, "no answer"); break;
    case fate::gone: x.outcome = with_summary(record_kind::event, "master gone"); break;
    case fate::write_failed: x.outcome = with_summary(record_kind::event, "write failed"); break;
    case fate::stopped: x.outcome = with_summary(record_kind::event, ""); break;
    }
    return x;
}

std::vector<std::string> summaries(const entry& e) {
    std::vector<std::string> out;
    for_each_record(e,
                    [&out](const record& r) { out.push_back(std::string(name(r.kind)) + ": " + r.summary); });
    return out;
}

} // namespace

TEST_CASE("fates have their log names") {
    CHECK(name(fate::answered) == "answered");
    CHECK(name(fate::silent) == "silent");
    CHECK(name(fate::gone) == "gone");
    CHECK(name(fate::write_failed) == "write failed");
    CHECK(name(fate::stopped) == "stopped");
}

TEST_CASE("an exchange gives its request then its outcome") {
    using v = std::vector<std::string>;
    CHECK(summaries(exchange_ending(fate::answered)) == v{"request: REQ_UD2 a=5", "reply: RSP_UD a=5"});
    CHECK(summaries(exchange_ending(fate::silent)) == v{"request: REQ_UD2 a=5", "silence: no answer"});
    CHECK(summaries(exchange_ending(fate::gone)) == v{"request: REQ_UD2 a=5", "event: master gone"});
    CHECK(summaries(exchange_ending(fate::write_failed)) == v{"request: REQ_UD2 a=5", "event: write failed"});
}

TEST_CASE("a stopped exchange gives its request only") {
    CHECK(summaries(exchange_ending(fate::stopped)) == std::vector<std::string>{"request: REQ_UD2 a=5"});
}

TEST_CASE("a notice gives its line only") {
    const notice n{with_summary(record_kind::junk, "not a frame start"), "#1 junk FF 12", true};
    CHECK(summaries(entry{n}) == std::vector<std::string>{"junk: not a frame start"});
}

TEST_CASE("reset makes an exchange new and keeps its records' storage") {
    using namespace std::chrono_literals;
    auto x = exchange_ending(fate::write_failed);   // every field set away from its default
    x.request.raw = {0x10, 0x5B, 0x05, 0x60, 0x16}; // REQ_UD2 to 5: start, C, A, CS, stop
    x.outcome.meters = {"heat-1"};
    x.notes = {"heat-1: selected"};
    x.intact_from = "heat-1";
    x.chosen_delay = 4600us;
    x.since_request = 5ms;
    x.on_wire = 1ms;
    x.paced = true;
    x.baud = 2400;
    x.error = "broken pipe";
    const auto* raw = x.request.raw.data();
    const auto* meters = x.outcome.meters.data();
    reset(x);
    CHECK(x == exchange{});
    x.request.raw.push_back(0xE5);
    x.outcome.meters.emplace_back("heat-2");
    CHECK(x.request.raw.data() == raw);
    CHECK(x.outcome.meters.data() == meters);
}
