#include <mbus/wmbus/errc.hpp>

#include <string>

namespace mbus::wmbus {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.wmbus"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::truncated: return "truncated frame";
        case errc::length_mismatch: return "length does not match the L field";
        case errc::crc_mismatch: return "CRC error";
        case errc::frame_too_long: return "frame too long for the L field";
        case errc::ambiguous_layout:
            return "not a wireless M-Bus frame (format A or B, with or without CRCs)";
        case errc::bad_header: return "header shorter than its CI field announces";
        case errc::unsupported_ci: return "CI field not supported";
        case errc::unsupported_security: return "security mode not supported";
        case errc::key_missing: return "encrypted telegram and no key given";
        case errc::decryption_failed: return "decryption failed (2F2F check): wrong key?";
        case errc::mac_mismatch: return "AFL MAC does not verify: wrong key or altered telegram";
        case errc::ell_crc_mismatch: return "decryption failed (ELL payload CRC): wrong key?";
        case errc::not_block_aligned: return "encrypted part shorter than the configuration word announces";
        }
        return "unknown wmbus error";
    }
};
} // namespace

const std::error_category& wmbus_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::wmbus
