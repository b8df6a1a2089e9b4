#pragma once
// What a REQ_UD2 readout brings back: each RSP_UD as received and decoded.

#include <iosfwd>
#include <optional>
#include <system_error>
#include <vector>

#include <mbus/app/telegram.hpp>
#include <mbus/link/frame.hpp>

namespace mbus::master {

struct telegram {
    link::frame frame;                  // the RSP_UD as it came
    std::optional<app::user_data> data; // its user data decoded; nullopt when it did not decode
    std::error_code decode_error;       // why it did not (app::errc)

    // The last record is DIF 1F: the meter has more telegrams for the next REQ_UD2 (FCB toggled).
    bool more_follows() const;
    // The CI 72 / 7A / 78 records, or nullptr for other user data.
    const app::variable_data* variable() const;
    friend bool operator==(const telegram&, const telegram&) = default;
};
std::ostream& operator<<(std::ostream& os, const telegram& t);

// Decodes the user data of an RSP_UD frame.
telegram make_telegram(link::frame f);

// Every telegram of one readout. `error` says why it stopped early (empty when the last telegram
// ended without DIF 1F): the telegrams before the failure are kept, as a master's log would show them.
struct readout {
    std::vector<telegram> telegrams;
    std::error_code error;
    explicit operator bool() const noexcept { return !error; }
    friend bool operator==(const readout&, const readout&) = default;
};
std::ostream& operator<<(std::ostream& os, const readout& r);

} // namespace mbus::master
