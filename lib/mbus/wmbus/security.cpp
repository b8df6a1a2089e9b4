#include <mbus/wmbus/security.hpp>

#include <mbus/crypto/aes.hpp>

namespace mbus::wmbus {

bytes mode5_iv(bytes_view address8, std::uint8_t access_number) {
    bytes iv(address8.begin(), address8.end());
    iv.resize(crypto::block_size, access_number);
    return iv;
}

result<bytes> derive_key(bytes_view key, byte dc, bytes_view counter4, bytes_view id4) {
    bytes input{dc};
    input.insert(input.end(), counter4.begin(), counter4.end());
    input.insert(input.end(), id4.begin(), id4.end());
    input.resize(crypto::block_size, 0x07);
    return crypto::cmac(key, input);
}

bytes ell_iv(bytes_view address8, std::uint8_t cc, bytes_view session4) {
    bytes iv(address8.begin(), address8.end());
    iv.push_back(static_cast<byte>(cc & ~0x12U));
    iv.insert(iv.end(), session4.begin(), session4.end());
    iv.resize(crypto::block_size, 0x00);
    return iv;
}

result<bytes> encrypt_padded(bytes_view key, bytes_view iv, bytes_view plain) {
    bytes padded(plain.begin(), plain.end());
    padded.resize((plain.size() + crypto::block_size - 1) / crypto::block_size * crypto::block_size, filler);
    return crypto::cbc_encrypt(key, iv, padded);
}

} // namespace mbus::wmbus
