#pragma once
// Helpers for the "one struct per kind" variants (faults, expectations): an overload set for
// std::visit, and the list of kind names derived from the variant itself, so that adding a kind
// updates every "expected one of" message without a hand-kept list or count.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace mbus {

// std::visit(overloaded{[](const a&) {...}, [](const b&) {...}}, v): no catch-all, so a kind
// without a handler fails to compile.
template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;

// Each alternative's `static constexpr std::string_view name`, in the variant's order.
template <class Variant>
constexpr auto alternative_names() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::string_view, sizeof...(I)>{std::variant_alternative_t<I, Variant>::name...};
    }
    (std::make_index_sequence<std::variant_size_v<Variant>>{});
}

// One default-constructed value of each alternative, in the variant's order: to ask every kind
// something (its keys, its description) without a list of kinds.
template <class Variant>
std::array<Variant, std::variant_size_v<Variant>> every_alternative() {
    return []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<Variant, sizeof...(I)>{Variant(std::in_place_index<I>)...};
    }
    (std::make_index_sequence<std::variant_size_v<Variant>>{});
}

// The name of the alternative a variant holds.
template <class Variant>
constexpr std::string_view alternative_name(const Variant& v) {
    return std::visit([](const auto& x) { return std::remove_cvref_t<decltype(x)>::name; }, v);
}

// A default-constructed alternative whose name equals `text` under `same` (e.g. a case-blind
// comparison); nullopt when no alternative has that name.
template <class Variant, class Same>
std::optional<Variant> alternative_named(std::string_view text, Same same) {
    std::optional<Variant> out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((!out && same(text, std::variant_alternative_t<I, Variant>::name)
              ? void(out.emplace(std::in_place_index<I>))
              : void()),
         ...);
    }
    (std::make_index_sequence<std::variant_size_v<Variant>>{});
    return out;
}

} // namespace mbus
