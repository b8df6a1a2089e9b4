#pragma once
// The medium (device type) byte of the header and of secondary addresses: EN 13757-3 codes
// 00-3F as the 2013 table names them (00-19 also on m-bus.com and in libmbus); 40-FF reserved.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <mbus/core/result.hpp>

namespace mbus::app {

namespace medium_code {
inline constexpr std::uint8_t other = 0x00;
inline constexpr std::uint8_t oil = 0x01;
inline constexpr std::uint8_t electricity = 0x02;
inline constexpr std::uint8_t gas = 0x03;
inline constexpr std::uint8_t heat_outlet = 0x04;
inline constexpr std::uint8_t steam = 0x05;
inline constexpr std::uint8_t warm_water = 0x06;
inline constexpr std::uint8_t water = 0x07;
inline constexpr std::uint8_t heat_cost_allocator = 0x08;
inline constexpr std::uint8_t compressed_air = 0x09;
inline constexpr std::uint8_t cooling_outlet = 0x0A;
inline constexpr std::uint8_t cooling_inlet = 0x0B;
inline constexpr std::uint8_t heat_inlet = 0x0C;
inline constexpr std::uint8_t heat_cooling = 0x0D;
inline constexpr std::uint8_t bus_system = 0x0E;
inline constexpr std::uint8_t unknown = 0x0F;
inline constexpr std::uint8_t hot_water = 0x15;
inline constexpr std::uint8_t cold_water = 0x16;
inline constexpr std::uint8_t dual_water = 0x17;
inline constexpr std::uint8_t pressure = 0x18;
inline constexpr std::uint8_t ad_converter = 0x19;
} // namespace medium_code

// "Heat (outlet)", "Cold water", ..., "Reserved" for unassigned codes.
std::string_view medium_description(std::uint8_t code);
// snake_case name for scenario files and JSON: "heat_outlet", "cold_water"; "reserved_0x10" style
// for unassigned codes.
std::string medium_name(std::uint8_t code);
// From a snake_case name, a description (any case), or "0x07" / "7". Also "heat" = heat_outlet,
// "cooling" = cooling_outlet. Errors: meaning_errc::unknown_medium.
result<std::uint8_t> medium_from_name(std::string_view name);
std::vector<std::string> close_medium_names(std::string_view name, std::size_t max = 5);

} // namespace mbus::app
