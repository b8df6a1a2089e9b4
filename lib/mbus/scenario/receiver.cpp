#include <mbus/scenario/scenario.hpp>

namespace mbus::scenario {

std::string_view name_of(receiver_kind k) {
    switch (k) {
    case receiver_kind::im871a: return "im871a";
    case receiver_kind::amb8465: return "amb8465";
    case receiver_kind::rtlwmbus: return "rtlwmbus";
    case receiver_kind::hex: return "hex";
    }
    return "?";
}

} // namespace mbus::scenario
