#pragma once
#include <system_error>

namespace mbus {

// Errors of the helpers in core/ (hex text and the like).
enum class errc {
    invalid_hex = 1,
    odd_hex_digits,
    empty_input,
};

const std::error_category& core_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), core_category()}; }

} // namespace mbus

template <>
struct std::is_error_code_enum<mbus::errc> : std::true_type {};
