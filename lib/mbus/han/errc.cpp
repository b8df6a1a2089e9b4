#include <mbus/han/errc.hpp>

#include <string>

namespace mbus::han {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.han"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::bad_flag: return "HDLC frame does not start and end with the flag 7E";
        case errc::bad_format: return "HDLC format field is not frame format type 3 (A0..A7)";
        case errc::bad_length: return "HDLC length field does not match the frame";
        case errc::bad_address: return "HDLC address longer than 4 bytes or cut short";
        case errc::bad_hcs: return "HDLC header check sequence (HCS) does not match";
        case errc::bad_fcs: return "HDLC frame check sequence (FCS) does not match";
        case errc::truncated: return "bytes end inside a frame, APDU or COSEM value";
        case errc::bad_llc: return "information field does not start with the LLC header E6 E7 00";
        case errc::unknown_apdu:
            return "APDU is neither a data notification (0F) nor general-glo-ciphering (DB)";
        case errc::bad_datetime: return "APDU date-time is not 00, 0C + 12 bytes or 09 0C + 12 bytes";
        case errc::unknown_data_type: return "unknown COSEM data type tag";
        case errc::too_deep: return "COSEM arrays and structures nested too deep";
        case errc::trailing_bytes: return "bytes after the notification body";
        case errc::ciphered: return "APDU is ciphered (general-glo-ciphering): give --key and --auth-key";
        case errc::bad_security:
            return "security control byte not handled (30: encrypted and authenticated, 20: encrypted)";
        case errc::bad_system_title: return "system title is not 8 bytes";
        case errc::bad_value: return "value does not fit its COSEM type";
        }
        return "unknown HAN error";
    }
};
} // namespace

const std::error_category& han_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::han
