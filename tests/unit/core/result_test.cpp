// core/result: the std::expected stand-in: a value or an error code, with the same member names.

#include <mbus/core/errc.hpp>
#include <mbus/core/result.hpp>
#include <mbus/link/errc.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <string>

using namespace mbus;

TEST_CASE("result holds a value") {
    result<std::string> r = std::string("KAM");
    REQUIRE(r.has_value());
    CHECK(static_cast<bool>(r));
    CHECK(*r == "KAM");
    CHECK(r->size() == 3);
    CHECK(r.value() == "KAM");
    CHECK(r.error() == std::error_code{}); // no error while it holds a value
    CHECK(r.value_or("none") == "KAM");
    r->append("!");
    CHECK(*r == "KAM!");
}

TEST_CASE("result holds an error from an errc or an error code") {
    result<int> from_enum = errc::invalid_hex;
    CHECK_FALSE(from_enum.has_value());
    CHECK_FALSE(static_cast<bool>(from_enum));
    CHECK(from_enum.error() == errc::invalid_hex);
    CHECK(from_enum.error().category() == core_category());
    CHECK(from_enum.value_or(7) == 7);

    result<int> from_code = unexpected(std::make_error_code(std::errc::timed_out));
    CHECK(from_code.error() == std::errc::timed_out);
    result<int> from_layer = unexpected(link::errc::bad_stop);
    CHECK(from_layer.error() == link::errc::bad_stop);
    CHECK(from_layer.error() != errc::invalid_hex);
}

TEST_CASE("result moves its value out") {
    result<std::unique_ptr<int>> r = std::make_unique<int>(5);
    auto p = std::move(r).value();
    REQUIRE(p);
    CHECK(*p == 5);
}

TEST_CASE("result void is success or an error") {
    const result<void> ok;
    CHECK(ok.has_value());
    CHECK(ok.error() == std::error_code{});
    const result<void> bad = link::errc::need_more;
    CHECK_FALSE(bad);
    CHECK(bad.error() == link::errc::need_more);
    CHECK(bad.error().message() == "incomplete frame: more bytes needed");
    const result<void> os = unexpected(std::make_error_code(std::errc::broken_pipe));
    CHECK(os.error() == std::errc::broken_pipe);
}
