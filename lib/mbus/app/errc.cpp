#include <mbus/app/errc.hpp>

#include <string>

namespace mbus::app {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.app"; }
    // The first messages are libmbus's own (mbus_frame_data_parse), so that tools comparing our
    // errors with libmbus's see the same words.
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::header_too_short: return "Variable header too short.";
        case errc::premature_end_at_dif: return "Premature end of record at DIF.";
        case errc::premature_end_at_vif: return "Premature end of record at VIF.";
        case errc::premature_end_at_plain_vif: return "Premature end of record at variable length VIF.";
        case errc::premature_end_at_data: return "Premature end of record at data.";
        case errc::too_many_dife: return "Too many DIFE.";
        case errc::too_many_vife: return "Too many VIFE.";
        case errc::plain_vif_too_long: return "Too long variable length VIF.";
        case errc::fixed_data_wrong_size: return "Invalid length for fixed data.";
        case errc::unsupported_ci: return "Unknown control information";
        case errc::value_out_of_range: return "value out of range for the data type";
        case errc::invalid_value: return "value of a kind the data type cannot hold";
        case errc::no_data: return "Got zero data_size.";
        case errc::wrong_direction: return "Wrong direction in frame (master to slave)";
        case errc::no_xml: return "Failed to generate XML representation of MBUS frame";
        }
        return "unknown application layer error";
    }
};
} // namespace

const std::error_category& app_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::app
