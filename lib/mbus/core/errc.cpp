#include <mbus/core/errc.hpp>

#include <string>

namespace mbus {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.core"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::invalid_hex: return "invalid hex digit";
        case errc::odd_hex_digits: return "odd number of hex digits";
        case errc::empty_input: return "no bytes in input";
        }
        return "unknown core error";
    }
};
} // namespace

const std::error_category& core_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus
