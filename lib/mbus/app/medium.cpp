#include <mbus/app/meaning_errc.hpp>
#include <mbus/app/medium.hpp>
#include <mbus/core/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace mbus::app {

namespace {

struct medium_row {
    std::uint8_t code;
    std::string_view name;
    std::string_view words;
};

// clang-format off
constexpr std::array mediums{
    medium_row{0x00, "other", "Other"},
    medium_row{0x01, "oil", "Oil"},
    medium_row{0x02, "electricity", "Electricity"},
    medium_row{0x03, "gas", "Gas"},
    medium_row{0x04, "heat_outlet", "Heat (outlet)"},
    medium_row{0x05, "steam", "Steam"},
    medium_row{0x06, "warm_water", "Warm water (30-90 C)"},
    medium_row{0x07, "water", "Water"},
    medium_row{0x08, "heat_cost_allocator", "Heat cost allocator"},
    medium_row{0x09, "compressed_air", "Compressed air"},
    medium_row{0x0A, "cooling_outlet", "Cooling load meter (outlet)"},
    medium_row{0x0B, "cooling_inlet", "Cooling load meter (inlet)"},
    medium_row{0x0C, "heat_inlet", "Heat (inlet)"},
    medium_row{0x0D, "heat_cooling", "Heat / cooling load meter"},
    medium_row{0x0E, "bus_system", "Bus / system component"},
    medium_row{0x0F, "unknown", "Unknown medium"},
    medium_row{0x14, "calorific_value", "Calorific value"},
    medium_row{0x15, "hot_water", "Hot water (90 C and above)"},
    medium_row{0x16, "cold_water", "Cold water"},
    medium_row{0x17, "dual_water", "Dual register (hot/cold) water meter"},
    medium_row{0x18, "pressure", "Pressure"},
    medium_row{0x19, "ad_converter", "A/D converter"},
    medium_row{0x1A, "smoke_detector", "Smoke detector"},
    medium_row{0x1B, "room_sensor", "Room sensor"},
    medium_row{0x1C, "gas_detector", "Gas detector"},
    medium_row{0x20, "breaker", "Breaker (electricity)"},
    medium_row{0x21, "valve", "Valve (gas or water)"},
    medium_row{0x25, "customer_unit", "Customer unit (display device)"},
    medium_row{0x28, "waste_water", "Waste water"},
    medium_row{0x29, "garbage", "Garbage"},
    medium_row{0x2A, "carbon_dioxide", "Carbon dioxide"},
    medium_row{0x31, "communication_controller", "Communication controller"},
    medium_row{0x32, "unidirectional_repeater", "Unidirectional repeater"},
    medium_row{0x33, "bidirectional_repeater", "Bidirectional repeater"},
    medium_row{0x36, "radio_converter_system", "Radio converter (system side)"},
    medium_row{0x37, "radio_converter_meter", "Radio converter (meter side)"},
};
// clang-format on

} // namespace

std::string_view medium_description(std::uint8_t code) {
    for (const auto& m : mediums)
        if (m.code == code) return m.words;
    return "Reserved";
}

std::string medium_name(std::uint8_t code) {
    for (const auto& m : mediums)
        if (m.code == code) return std::string(m.name);
    return fmt::format("reserved_0x{:02X}", code);
}

result<std::uint8_t> medium_from_name(std::string_view n) {
    const auto l = lower(n);
    if (l == "heat") return medium_code::heat_outlet;
    if (l == "cooling") return medium_code::cooling_outlet;
    for (const auto& m : mediums)
        if (m.name == l || lower(m.words) == l) return m.code;
    std::string_view digits = l;
    int base = 10;
    if (digits.starts_with("0x")) {
        digits.remove_prefix(2);
        base = 16;
    } else if (digits.starts_with("reserved_0x")) {
        digits.remove_prefix(11);
        base = 16;
    }
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (!digits.empty() && ec == std::errc{} && end == digits.data() + digits.size() && v <= 0xFF)
        return static_cast<std::uint8_t>(v);
    return meaning_errc::unknown_medium;
}

std::vector<std::string> close_medium_names(std::string_view n, std::size_t max) {
    const auto l = lower(n);
    std::vector<std::string> out;
    for (const auto& m : mediums) {
        if (out.size() >= max) break;
        const std::string name(m.name);
        if (name.find(l) != std::string::npos || l.find(name) != std::string::npos ||
            (l.size() >= 3 && name.compare(0, 3, l, 0, 3) == 0))
            out.push_back(name);
    }
    return out;
}

} // namespace mbus::app
