#pragma once
// Keys that exclude each other ("give either at or after_requests, not both").

#include <mbus/scenario/detail/reader.hpp>

#include <string>
#include <string_view>

namespace mbus::scenario::detail {

// True when `t` has both keys, reported at the second one as "give either <first> or <second><note>,
// not both" (`note` says more about the second, as " (the VIF as bytes)").
bool both_given(sink& s, const toml::table& t, const std::string& path, std::string_view first,
                std::string_view second, std::string_view note = {});

} // namespace mbus::scenario::detail
