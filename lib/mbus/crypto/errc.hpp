#pragma once
#include <system_error>

namespace mbus::crypto {

// What a cipher call can report: the caller's mistake (a key or IV of the wrong size, a block cipher
// without padding given a partial block) or the data's (a GCM tag that does not verify).
enum class errc {
    bad_key_size = 1,
    bad_iv_size,
    not_block_aligned,
    bad_tag_size,
    authentication_failed,
    openssl_failure,
};

const std::error_category& crypto_category() noexcept;
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), crypto_category()}; }

} // namespace mbus::crypto

template <>
struct std::is_error_code_enum<mbus::crypto::errc> : std::true_type {};
