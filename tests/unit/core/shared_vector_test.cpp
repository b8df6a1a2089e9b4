// Copies share one list until one of them changes it; the others keep what they had.

#include <doctest/doctest.h>

#include <mbus/core/shared_vector.hpp>

#include <string>
#include <vector>

using namespace mbus;

TEST_CASE("shared_vector copies share until one changes") {
    shared_vector<std::string> a{"volume", "energy"};
    auto b = a;
    CHECK(b.shares_with(a));
    CHECK(b == a);
    CHECK(b.size() == 2);
    CHECK(b[1] == "energy");

    b.push_back("power"); // b takes a list of its own; a keeps its two
    CHECK_FALSE(b.shares_with(a));
    CHECK(a.get() == std::vector<std::string>{"volume", "energy"});
    CHECK(b.get() == std::vector<std::string>{"volume", "energy", "power"});
    CHECK(a != b);

    auto c = a;
    c.edit()[0] = "flow";
    CHECK(a.front() == "volume");
    CHECK(c.front() == "flow");

    // Reading a copy does not copy the list.
    const auto d = a;
    std::size_t letters = 0;
    for (const auto& s : d)
        letters += s.size();
    CHECK(letters == 12);
    CHECK(d.shares_with(a));
}

TEST_CASE("shared_vector empty and equal by content") {
    shared_vector<int> none;
    CHECK(none.empty());
    CHECK(none.begin() == none.end());
    CHECK(none == shared_vector<int>{std::vector<int>{}});
    none.emplace_back(3);
    CHECK(none == shared_vector<int>{3}); // two lists with the same items are equal
    none.clear();
    CHECK(none.empty());
    CHECK_FALSE(none.shares_with(shared_vector<int>{}));
}
