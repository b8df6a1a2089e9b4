#include <mbus/link/errc.hpp>

#include <string>

namespace mbus::link {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.link"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::need_more: return "incomplete frame: more bytes needed";
        case errc::bad_start: return "not a frame start (E5, 10 or 68)";
        case errc::length_mismatch: return "long frame length bytes differ or are below 3";
        case errc::bad_second_start: return "long frame fourth byte is not 68";
        case errc::bad_checksum: return "checksum mismatch";
        case errc::bad_stop: return "stop byte is not 16";
        case errc::too_long: return "long frame with more than 252 data bytes";
        case errc::gap_timeout: return "inter-byte gap dropped a partial frame";
        }
        return "unknown link error";
    }
};
} // namespace

const std::error_category& link_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::link
