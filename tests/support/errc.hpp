#pragma once
// For the tests of a layer's errc: every code with its message, the category's name, and what an
// unknown value says, checked the same way for each layer.

#include <doctest/doctest.h>

#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace mbus::test {

template <class E>
struct errc_message {
    E code;
    std::string message;
};

// `all` lists every enumerator in order from 1: the codes are numbered without gaps (logs and the
// JSON report carry the numbers), and each has its own message.
template <class E>
void check_errc(const std::string& category_name, const std::vector<errc_message<E>>& all,
                const std::string& unknown_message) {
    static_assert(std::is_error_code_enum_v<E>);
    REQUIRE_FALSE(all.empty());
    const std::error_code first = all.front().code;
    CHECK(std::string(first.category().name()) == category_name);
    for (std::size_t i = 0; i < all.size(); ++i) {
        const std::error_code ec = all[i].code;
        INFO("code ", ec.value());
        CHECK(ec.value() == static_cast<int>(i + 1));
        CHECK(&ec.category() == &first.category());
        CHECK(ec.message() == all[i].message);
        CHECK(ec == all[i].code); // compares with the enum directly
        CHECK(static_cast<bool>(ec));
        for (std::size_t j = 0; j < i; ++j)
            CHECK(ec.message() != all[j].message);
    }
    CHECK(first.category().message(0) == unknown_message);
    CHECK(first.category().message(static_cast<int>(all.size() + 1)) == unknown_message);
    // Not equal to the same number in another category.
    CHECK(first != std::error_code(first.value(), std::generic_category()));
}

} // namespace mbus::test
