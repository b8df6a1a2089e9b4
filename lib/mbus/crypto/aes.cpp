#include <mbus/crypto/aes.hpp>

#include <memory>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace mbus::crypto {

namespace {

struct cipher_ctx_free {
    void operator()(EVP_CIPHER_CTX* c) const noexcept { EVP_CIPHER_CTX_free(c); }
};
using cipher_ctx = std::unique_ptr<EVP_CIPHER_CTX, cipher_ctx_free>;

int to_int(std::size_t n) { return static_cast<int>(n); }

// One pass of a block or stream mode with padding off; encrypt = 1 or 0.
result<bytes> run(const EVP_CIPHER* cipher, bytes_view key, bytes_view iv, bytes_view in, int encrypt) {
    if (key.size() != key_size) return errc::bad_key_size;
    if (iv.size() != block_size) return errc::bad_iv_size;
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data(), encrypt) != 1)
        return errc::openssl_failure;
    EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
    bytes out(in.size() + block_size);
    int n = 0;
    int tail = 0;
    if (EVP_CipherUpdate(ctx.get(), out.data(), &n, in.data(), to_int(in.size())) != 1 ||
        EVP_CipherFinal_ex(ctx.get(), out.data() + n, &tail) != 1)
        return errc::openssl_failure;
    out.resize(static_cast<std::size_t>(n + tail));
    return out;
}

} // namespace

result<bytes> cbc_encrypt(bytes_view key, bytes_view iv, bytes_view plain) {
    if (plain.size() % block_size != 0) return errc::not_block_aligned;
    return run(EVP_aes_128_cbc(), key, iv, plain, 1);
}

result<bytes> cbc_decrypt(bytes_view key, bytes_view iv, bytes_view cipher) {
    if (cipher.size() % block_size != 0) return errc::not_block_aligned;
    return run(EVP_aes_128_cbc(), key, iv, cipher, 0);
}

result<bytes> ctr_crypt(bytes_view key, bytes_view iv, bytes_view data) {
    return run(EVP_aes_128_ctr(), key, iv, data, 1);
}

result<sealed> gcm_encrypt(bytes_view key, bytes_view iv, bytes_view aad, bytes_view plain,
                           std::size_t tag_size) {
    if (key.size() != key_size) return errc::bad_key_size;
    if (iv.empty()) return errc::bad_iv_size;
    if (tag_size < 4 || tag_size > 16) return errc::bad_tag_size;
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, to_int(iv.size()), nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1)
        return errc::openssl_failure;
    int n = 0;
    if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &n, aad.data(), to_int(aad.size())) != 1)
        return errc::openssl_failure;
    sealed out;
    out.cipher.resize(plain.size() + block_size);
    int len = 0;
    int tail = 0;
    if (EVP_EncryptUpdate(ctx.get(), out.cipher.data(), &len, plain.data(), to_int(plain.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out.cipher.data() + len, &tail) != 1)
        return errc::openssl_failure;
    out.cipher.resize(static_cast<std::size_t>(len + tail));
    out.tag.resize(tag_size);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, to_int(tag_size), out.tag.data()) != 1)
        return errc::openssl_failure;
    return out;
}

result<bytes> gcm_decrypt(bytes_view key, bytes_view iv, bytes_view aad, bytes_view cipher, bytes_view tag) {
    if (key.size() != key_size) return errc::bad_key_size;
    if (iv.empty()) return errc::bad_iv_size;
    if (tag.size() < 4 || tag.size() > 16) return errc::bad_tag_size;
    cipher_ctx ctx(EVP_CIPHER_CTX_new());
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, to_int(iv.size()), nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1)
        return errc::openssl_failure;
    int n = 0;
    if (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &n, aad.data(), to_int(aad.size())) != 1)
        return errc::openssl_failure;
    bytes out(cipher.size() + block_size);
    int len = 0;
    if (EVP_DecryptUpdate(ctx.get(), out.data(), &len, cipher.data(), to_int(cipher.size())) != 1)
        return errc::openssl_failure;
    // OpenSSL takes the expected tag through a non-const pointer but only reads it.
    bytes expected(tag.begin(), tag.end());
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, to_int(expected.size()), expected.data()) != 1)
        return errc::openssl_failure;
    int tail = 0;
    if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &tail) != 1) return errc::authentication_failed;
    out.resize(static_cast<std::size_t>(len + tail));
    return out;
}

result<bytes> cmac(bytes_view key, bytes_view data) {
    if (key.size() != key_size) return errc::bad_key_size;
    struct mac_free {
        void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
    };
    struct mac_ctx_free {
        void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
    };
    std::unique_ptr<EVP_MAC, mac_free> mac(EVP_MAC_fetch(nullptr, "CMAC", nullptr));
    if (!mac) return errc::openssl_failure;
    std::unique_ptr<EVP_MAC_CTX, mac_ctx_free> ctx(EVP_MAC_CTX_new(mac.get()));
    char cipher_name[] = "AES-128-CBC";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher_name, 0),
        OSSL_PARAM_construct_end(),
    };
    bytes out(block_size);
    std::size_t len = 0;
    if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
        EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1)
        return errc::openssl_failure;
    out.resize(len);
    return out;
}

} // namespace mbus::crypto
