// The helpers behind the "one struct per kind" variants: names derived from the alternatives, and
// lookups by name.

#include <doctest/doctest.h>

#include <mbus/core/variant.hpp>

#include <string>

using namespace mbus;

namespace {

struct apple {
    static constexpr std::string_view name = "apple";
    int seeds{5};
    friend bool operator==(const apple&, const apple&) = default;
};
struct pear {
    static constexpr std::string_view name = "pear";
    friend bool operator==(const pear&, const pear&) = default;
};
using fruit = std::variant<apple, pear>;

bool same(std::string_view a, std::string_view b) { return a == b; }

} // namespace

TEST_CASE("variant names come from the alternatives in order") {
    static_assert(alternative_names<fruit>().size() == 2);
    CHECK(alternative_names<fruit>()[0] == "apple");
    CHECK(alternative_names<fruit>()[1] == "pear");
    CHECK(alternative_name(fruit{pear{}}) == "pear");
}

TEST_CASE("variant lookup by name gives the alternative at its defaults") {
    CHECK(alternative_named<fruit>("apple", same) == fruit{apple{}});
    CHECK(alternative_named<fruit>("pear", same) == fruit{pear{}});
    CHECK_FALSE(alternative_named<fruit>("plum", same));
    CHECK_FALSE(alternative_named<fruit>("Apple", same)); // the comparison decides about case
}

TEST_CASE("variant every alternative once and an overload set per kind") {
    const auto all = every_alternative<fruit>();
    REQUIRE(all.size() == 2);
    CHECK(all[0] == fruit{apple{}});
    CHECK(all[1] == fruit{pear{}});
    const auto describe = [](const fruit& f) {
        return std::visit(overloaded{
                              [](const apple& a) { return std::to_string(a.seeds) + " seeds"; },
                              [](const pear&) { return std::string("a pear"); },
                          },
                          f);
    };
    CHECK(describe(apple{3}) == "3 seeds");
    CHECK(describe(pear{}) == "a pear");
}
