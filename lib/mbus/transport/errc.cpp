#include <mbus/transport/errc.hpp>

#include <string>

namespace mbus::transport {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.transport"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::closed: return "connection closed";
        case errc::unsupported_baud: return "unsupported baud rate";
        case errc::not_a_tty: return "not a serial device";
        case errc::link_in_the_way: return "exists and is not a symbolic link";
        case errc::bad_endpoint: return "not a host:port address";
        case errc::no_parity: return "the device ignores parity";
        }
        return "unknown transport error";
    }
};
} // namespace

const std::error_category& transport_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::transport
