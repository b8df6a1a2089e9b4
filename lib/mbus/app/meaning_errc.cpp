#include <mbus/app/meaning_errc.hpp>

#include <string>

namespace mbus::app {

namespace {
class category final : public std::error_category {
  public:
    const char* name() const noexcept override { return "mbus.app.meaning"; }
    std::string message(int ev) const override {
        switch (static_cast<meaning_errc>(ev)) {
        case meaning_errc::unknown_quantity: return "unknown quantity";
        case meaning_errc::unknown_unit: return "unknown unit";
        case meaning_errc::unit_mismatch: return "the unit does not measure this quantity";
        case meaning_errc::no_vif_code: return "no VIF code for this quantity, unit and exponent";
        case meaning_errc::wrong_data_size: return "data length does not match the data type";
        case meaning_errc::bad_lvar: return "reserved or inconsistent LVAR";
        case meaning_errc::dib_out_of_range: return "storage, tariff or subunit needs more than 10 DIFE";
        case meaning_errc::vife_out_of_range: return "VIFE code above 7F";
        case meaning_errc::missing_vife: return "VIF FD or FB without its VIFE";
        case meaning_errc::not_a_data_record: return "not a data record (DIF 0F, 1F or 2F)";
        case meaning_errc::invalid_manufacturer: return "manufacturer must be three letters A-Z";
        case meaning_errc::invalid_id: return "identification number must be eight decimal digits";
        case meaning_errc::unknown_medium: return "unknown medium";
        }
        return "unknown meaning error";
    }
};
} // namespace

const std::error_category& meaning_category() noexcept {
    static const category c;
    return c;
}

} // namespace mbus::app
