#include <mbus/wmbus/receiver_errc.hpp>

#include <string>

namespace mbus::wmbus {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.wmbus.receiver"; }
    std::string message(int ev) const override {
        switch (static_cast<receiver_errc>(ev)) {
        case receiver_errc::junk: return "bytes before a start of frame";
        case receiver_errc::reserved_bit: return "reserved bit set in the HCI control field";
        case receiver_errc::unknown_endpoint: return "unknown HCI endpoint";
        case receiver_errc::bad_crc: return "CRC mismatch (HCI frame or data link block)";
        case receiver_errc::bad_checksum: return "XOR checksum mismatch";
        case receiver_errc::unknown_request: return "request not supported by this device";
        case receiver_errc::bad_parameters: return "request parameters too short or out of range";
        case receiver_errc::telegram_length: return "telegram length does not fit its L field or the frame";
        case receiver_errc::bad_line: return "line is neither rtl_wmbus output nor hex";
        case receiver_errc::not_listening:
            return "the receiver does not listen in the mode the telegram was sent in";
        }
        return "unknown receiver error";
    }
};
} // namespace

const std::error_category& receiver_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::wmbus
