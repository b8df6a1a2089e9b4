#include <mbus/crypto/errc.hpp>

#include <string>

namespace mbus::crypto {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.crypto"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::bad_key_size: return "key is not 16 bytes (AES-128)";
        case errc::bad_iv_size: return "initialisation vector has the wrong size";
        case errc::not_block_aligned: return "data is not a whole number of 16-byte blocks";
        case errc::bad_tag_size: return "authentication tag size is not 4..16 bytes";
        case errc::authentication_failed:
            return "authentication tag does not verify (wrong key or altered data)";
        case errc::openssl_failure: return "OpenSSL refused the operation";
        }
        return "unknown crypto error";
    }
};
} // namespace

const std::error_category& crypto_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::crypto
