// control/feed.hpp: sequence numbers, what GET transcript?since=N keeps, and a subscriber's bounded
// queue that drops and says how many.

#include <mbus/control/feed.hpp>
#include <mbus/scenario/demo.hpp>

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace mbus;

namespace {

harness::record event(std::string summary) {
    harness::record r;
    r.kind = harness::record_kind::event;
    r.summary = std::move(summary);
    return r;
}

nlohmann::json parse(const control::line_ptr& l) { return nlohmann::json::parse(*l); }

} // namespace

TEST_CASE("feed numbers records and keeps the last ones") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r, 3);
    for (int i = 0; i < 5; ++i)
        f.add(event("e" + std::to_string(i)));
    CHECK(f.next_seq() == 5);
    const auto kept = f.since(0);
    REQUIRE(kept.size() == 3); // 2, 3, 4
    CHECK(parse(kept[0])["seq"] == 2);
    CHECK(parse(kept[0])["summary"] == "e2");
    CHECK(f.since(4).size() == 1);
    CHECK(f.since(5).empty());
    // The runner's own notices reach it too.
    r.announce("hello");
    CHECK(parse(f.since(5).at(0))["summary"] == "hello");
}

TEST_CASE("feed subscriber drops beyond its limit and says how many before the next record") {
    boost::asio::io_context io;
    runtime::runner r(io.get_executor(), scenario::builtin_demo());
    control::feed f(r);
    int wakes = 0;
    auto s = f.subscribe(2, [&] { ++wakes; });
    for (int i = 0; i < 5; ++i)
        f.add(event("e" + std::to_string(i)));
    CHECK(wakes == 1); // only when it stopped being empty
    auto got = s->take();
    REQUIRE(got.size() == 3);
    CHECK(parse(got[0]) == nlohmann::json{{"kind", "dropped"}, {"count", 3}});
    CHECK(parse(got[1])["summary"] == "e0");
    CHECK(parse(got[2])["summary"] == "e1");
    CHECK(s->empty());
    f.add(event("e5"));
    got = s->take();
    REQUIRE(got.size() == 1); // no dropped notice without a loss
    CHECK(parse(got[0])["seq"] == 5);
    f.unsubscribe(s);
    CHECK(f.subscribers() == 0);
}
