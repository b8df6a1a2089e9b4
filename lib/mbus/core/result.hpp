#pragma once
// A small stand-in for std::expected<T, std::error_code> (not in GCC 12's C++20 mode), with the same
// member names so that moving to std::expected later is a rename.

#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace mbus {

struct unexpected {
    std::error_code code;
    template <class E>
    requires std::is_error_code_enum_v<E> unexpected(E e) : code(make_error_code(e)) {}
    unexpected(std::error_code c) : code(c) {}
};

template <class T>
class [[nodiscard]] result {
  public:
    using value_type = T;
    result(const T& v) : v_(v) {}
    result(T&& v) : v_(std::move(v)) {}
    result(unexpected u) : v_(u.code) {}
    template <class E>
    requires std::is_error_code_enum_v<E> result(E e) : v_(std::error_code(make_error_code(e))) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    std::error_code error() const { return has_value() ? std::error_code{} : std::get<1>(v_); }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

  private:
    std::variant<T, std::error_code> v_;
};

// result<void>: success or an error code.
template <>
class [[nodiscard]] result<void> {
  public:
    result() = default;
    result(unexpected u) : ec_(u.code) {}
    template <class E>
    requires std::is_error_code_enum_v<E> result(E e) : ec_(make_error_code(e)) {}
    bool has_value() const noexcept { return !ec_; }
    explicit operator bool() const noexcept { return has_value(); }
    std::error_code error() const { return ec_; }

  private:
    std::error_code ec_;
};

} // namespace mbus
