#include <mbus/master/errc.hpp>

#include <string>

namespace mbus::master {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.master"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::timeout: return "no reply within the response window";
        case errc::collision: return "collision: garbled reply or more than one answer";
        case errc::unexpected_reply: return "reply of an unexpected kind";
        case errc::too_many_telegrams: return "multi-telegram readout exceeded the telegram limit";
        case errc::invalid_argument: return "invalid argument for the request";
        }
        return "unknown master error";
    }
};
} // namespace

const std::error_category& master_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::master
