#include <mbus/app/libmbus_tables.hpp>

#include <mbus/app/manufacturer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <vector>

namespace mbus::app::libmbus {

namespace {

constexpr std::uint16_t man(const char (&s)[4]) {
    return static_cast<std::uint16_t>((s[0] - 64) * 32 * 32 + (s[1] - 64) * 32 + (s[2] - 64));
}

constexpr std::uint8_t medium_electricity = 0x02;
constexpr std::uint8_t medium_unknown = 0x0F;

// Powers of ten as the literals libmbus's tables hold (1.0e-3 and so on): std::pow need not round
// the same way, and a last-bit difference shows in "%f" output.
double p10(int e) {
    static constexpr std::array<double, 24> table{1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5,
                                                  1e-4,  1e-3,  1e-2,  1e-1, 1e0,  1e1,  1e2,  1e3,
                                                  1e4,   1e5,   1e6,   1e7,  1e8,  1e9,  1e10, 1e11};
    return table[static_cast<std::size_t>(e + 12)];
}

std::string by_version(std::uint8_t version, std::initializer_list<std::pair<int, const char*>> table) {
    for (const auto& [v, name] : table)
        if (v == version) return name;
    return {};
}

} // namespace

std::string product_name(std::uint16_t m, std::uint8_t version, std::uint8_t medium, std::uint32_t id) {
    const auto id_msb = static_cast<std::uint8_t>(id >> 24);
    // The order is libmbus's: ELS appears once here although libmbus lists it in one branch.
    switch (m) {
    case man("ABB"): return by_version(version, {{0x02, "ABB Delta-Meter"}, {0x20, "ABB B21 113-100"}});
    case man("ACW"):
        return by_version(version, {{0x09, "Itron CF Echo 2"},
                                    {0x0A, "Itron CF 51"},
                                    {0x0B, "Itron CF 55"},
                                    {0x0E, "Itron BM +m"},
                                    {0x0F, "Itron CF 800"},
                                    {0x14, "Itron CYBLE M-Bus 1.4"}});
    case man("AMT"):
        if (version >= 0xC0) return "Aquametro CALEC ST";
        if (version >= 0x80) return "Aquametro CALEC MB";
        if (version >= 0x40) return "Aquametro SAPHIR";
        return "Aquametro AMTRON";
    case man("BEC"):
        if (medium == medium_electricity)
            return by_version(version, {{0x00, "Berg DCMi"}, {0x07, "Berg BLMi"}});
        if (medium == medium_unknown) return by_version(version, {{0x71, "Berg BMB-10S0"}});
        return {};
    case man("EFE"):
        if (version == 0x00) return medium == 0x06 ? "Engelmann WaterStar" : "Engelmann / Elster SensoStar 2";
        return by_version(version, {{0x01, "Engelmann SensoStar 2C"}});
    case man("ELS"):
        return by_version(version,
                          {{0x02, "Elster TMP-A"}, {0x0A, "Elster Falcon"}, {0x2F, "Elster F96 Plus"}});
    case man("ELV"):
        if (version >= 0x14 && version <= 0x1D) return "Elvaco CMa10";
        if (version >= 0x32 && version <= 0x3B) return "Elvaco CMa11";
        return {};
    case man("EMH"): return by_version(version, {{0x00, "EMH DIZ"}});
    case man("EMU"):
        if (medium == medium_electricity) return by_version(version, {{0x10, "EMU Professional 3/75 M-Bus"}});
        return {};
    case man("GAV"):
        if (medium != medium_electricity) return {};
        if (version >= 0x2D && version <= 0x30) return "Carlo Gavazzi EM24";
        if (version == 0x39 || version == 0x3A) return "Carlo Gavazzi EM21";
        return by_version(version, {{0x40, "Carlo Gavazzi EM33"}});
    case man("GMC"): return by_version(version, {{0xE6, "GMC-I A230 EMMOD 206"}});
    case man("KAM"):
        return by_version(version, {{0x01, "Kamstrup 382 (6850-005)"}, {0x08, "Kamstrup Multical 601"}});
    case man("SLB"):
        return by_version(version,
                          {{0x02, "Allmess Megacontrol CF-50"}, {0x06, "CF Compact / Integral MK MaXX"}});
    case man("HYD"):
        return by_version(version, {{0x28, "ABB F95 Typ US770"}, {0x2F, "Hydrometer Sharky 775"}});
    case man("JAN"):
        if (medium == medium_electricity) return by_version(version, {{0x09, "Janitza UMG 96S"}});
        return {};
    case man("LUG"):
        return by_version(version, {{0x02, "Landis & Gyr Ultraheat 2WR5"},
                                    {0x03, "Landis & Gyr Ultraheat 2WR6"},
                                    {0x04, "Landis & Gyr Ultraheat UH50"},
                                    {0x07, "Landis & Gyr Ultraheat T230"}});
    case man("LSE"): return by_version(version, {{0x99, "Siemens WFH21"}});
    case man("NZR"): return by_version(version, {{0x01, "NZR DHZ 5/63"}, {0x50, "NZR IC-M2"}});
    case man("RAM"): return by_version(version, {{0x03, "Rossweiner ETK/ETW Modularis"}});
    case man("REL"):
        return by_version(version, {{0x08, "Relay PadPuls M1"},
                                    {0x12, "Relay PadPuls M4"},
                                    {0x20, "Relay Padin 4"},
                                    {0x30, "Relay AnDi 4"},
                                    {0x40, "Relay PadPuls M2"}});
    case man("RKE"): return by_version(version, {{0x69, "Ista sensonic II mbus"}});
    case man("SBC"):
        return by_version(
            id_msb, {{0x10, "Saia-Burgess ALE3"}, {0x19, "Saia-Burgess ALE3"}, {0x11, "Saia-Burgess AWD3"}});
    case man("SEO"):
    case man("GTE"):
        return by_version(id_msb, {{0x30, "Sensoco PT100"},
                                   {0x41, "Sensoco 2-NTC"},
                                   {0x45, "Sensoco Laser Light"},
                                   {0x48, "Sensoco ADIO"},
                                   {0x51, "Sensoco THU"},
                                   {0x61, "Sensoco THU"},
                                   {0x80, "Sensoco PulseCounter for E-Meter"}});
    case man("SEN"):
        return by_version(version, {{0x08, "Sensus PolluCom E"},
                                    {0x19, "Sensus PolluCom E"},
                                    {0x0B, "Sensus PolluTherm"},
                                    {0x0E, "Sensus PolluStat E"}});
    case man("SON"): return by_version(version, {{0x0D, "Sontex Supercal 531"}});
    case man("SPX"): return by_version(version, {{0x31, "Sensus PolluTherm"}, {0x34, "Sensus PolluTherm"}});
    case man("SVM"):
        return by_version(version,
                          {{0x08, "Elster F2 / Deltamess F2"}, {0x09, "Elster F4 / Kamstrup SVM F22"}});
    case man("TCH"): return by_version(version, {{0x26, "Techem m-bus S"}, {0x40, "Techem ultra S3"}});
    case man("WZG"): return by_version(version, {{0x03, "Modularis ETW-EAX"}});
    case man("ZRM"): return by_version(version, {{0x81, "Minol Minocal C2"}, {0x82, "Minol Minocal WR3"}});
    default: return {};
    }
}

std::string manufacturer(std::uint16_t code) { return manufacturer_letters(code); }

std::string medium(std::uint8_t m) {
    switch (m) {
    case 0x00: return "Other";
    case 0x01: return "Oil";
    case 0x02: return "Electricity";
    case 0x03: return "Gas";
    case 0x04: return "Heat: Outlet";
    case 0x05: return "Steam";
    case 0x06: return "Warm water (30-90\u00B0C)";
    case 0x07: return "Water";
    case 0x08: return "Heat Cost Allocator";
    case 0x09: return "Compressed Air";
    case 0x0A: return "Cooling load meter: Outlet";
    case 0x0B: return "Cooling load meter: Inlet";
    case 0x0C: return "Heat: Inlet";
    case 0x0D: return "Heat / Cooling load meter";
    case 0x0E: return "Bus/System";
    case 0x0F: return "Unknown Medium";
    case 0x10: return "Irrigation Water";
    case 0x11: return "Water Logger";
    case 0x12: return "Gas Logger";
    case 0x13: return "Gas Converter";
    case 0x14: return "Calorific value";
    case 0x15: return "Hot water (>90\u00B0C)";
    case 0x16: return "Cold water";
    case 0x17: return "Dual water";
    case 0x18: return "Pressure";
    case 0x19: return "A/D Converter";
    case 0x1A: return "Smoke Detector";
    case 0x1B: return "Ambient Sensor";
    case 0x1C: return "Gas Detector";
    case 0x20: return "Breaker: Electricity";
    case 0x21: return "Valve: Gas or Water";
    case 0x25: return "Customer Unit: Display Device";
    case 0x28: return "Waste Water";
    case 0x29: return "Garbage";
    case 0x30: return "Service Unit";
    case 0x36: return "Radio Converter: System";
    case 0x37: return "Radio Converter: Meter";
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x26:
    case 0x27:
    case 0x2A:
    case 0x2B:
    case 0x2C:
    case 0x2D:
    case 0x2E:
    case 0x2F:
    case 0x31:
    case 0x32:
    case 0x33:
    case 0x34:
    case 0x38:
    case 0x39:
    case 0x3A:
    case 0x3B:
    case 0x3C:
    case 0x3D:
    case 0x3E:
    case 0x3F: return "Reserved";
    default: return fmt::format("Unknown medium (0x{:02x})", m);
    }
}

std::string_view fixed_medium_name(unsigned code) {
    static constexpr std::array<std::string_view, 16> names{"Other",
                                                            "Oil",
                                                            "Electricity",
                                                            "Gas",
                                                            "Heat",
                                                            "Steam",
                                                            "Hot Water",
                                                            "Water",
                                                            "H.C.A.",
                                                            "Reserved",
                                                            "Gas Mode 2",
                                                            "Heat Mode 2",
                                                            "Hot Water Mode 2",
                                                            "Water Mode 2",
                                                            "H.C.A. Mode 2",
                                                            "Reserved"};
    return names[code & 0x0F];
}

std::string fixed_medium(std::uint8_t cnt1_type, std::uint8_t cnt2_type) {
    return std::string(
        fixed_medium_name(static_cast<unsigned>((cnt1_type & 0xC0) >> 6 | (cnt2_type & 0xC0) >> 4)));
}

std::string fixed_unit(std::uint8_t medium_unit) {
    // libmbus swaps "100 kJ" (0E) and "MJ" (0D); kept.
    static constexpr std::array<const char*, 64> names{"h,m,s",         "D,M,Y",     "Wh",
                                                       "10 Wh",         "100 Wh",    "kWh",
                                                       "10 kWh",        "100 kWh",   "MWh",
                                                       "10 MWh",        "100 MWh",   "kJ",
                                                       "10 kJ",         "MJ",        "100 kJ",
                                                       "10 MJ",         "100 MJ",    "GJ",
                                                       "10 GJ",         "100 GJ",    "W",
                                                       "10 W",          "100 W",     "kW",
                                                       "10 kW",         "100 kW",    "MW",
                                                       "10 MW",         "100 MW",    "kJ/h",
                                                       "10 kJ/h",       "100 kJ/h",  "MJ/h",
                                                       "10 MJ/h",       "100 MJ/h",  "GJ/h",
                                                       "10 GJ/h",       "100 GJ/h",  "ml",
                                                       "10 ml",         "100 ml",    "l",
                                                       "10 l",          "100 l",     "m^3",
                                                       "10 m^3",        "100 m^3",   "ml/h",
                                                       "10 ml/h",       "100 ml/h",  "l/h",
                                                       "10 l/h",        "100 l/h",   "m^3/h",
                                                       "10 m^3/h",      "100 m^3/h", "1e-3 \u00B0C",
                                                       "units for HCA", "reserved",  "reserved",
                                                       "reserved",      "reserved",  "reserved but historic",
                                                       "without units"};
    return names[medium_unit & 0x3F];
}

std::string error_text(int error) {
    switch (error) {
    case 0x00: return "Unspecified error";
    case 0x01: return "Unimplemented CI-Field";
    case 0x02: return "Buffer too long, truncated";
    case 0x03: return "Too many records";
    case 0x04: return "Premature end of record";
    case 0x05: return "More than 10 DIFE\u00B4s";
    case 0x06: return "More than 10 VIFE\u00B4s";
    case 0x07: return "Reserved";
    case 0x08: return "Application busy";
    case 0x09: return "Too many readouts";
    default: return fmt::format("Unknown error (0x{:02X})", error);
    }
}

std::string unit_prefix(int exp) {
    switch (exp) {
    case 0: return "";
    case -3: return "m";
    case -6: return "my";
    case 1: return "10 ";
    case 2: return "100 ";
    case 3: return "k";
    case 4: return "10 k";
    case 5: return "100 k";
    case 6: return "M";
    case 9: return "G";
    default: return fmt::format("1e{} ", exp);
    }
}

std::string vif_unit(std::uint8_t vif) {
    const int v = vif & 0x7F;
    const int n3 = v & 0x07;
    const int n2 = v & 0x03;
    if (v <= 0x07) return fmt::format("Energy ({}Wh)", unit_prefix(n3 - 3));
    if (v <= 0x0F) return fmt::format("Energy ({}J)", unit_prefix(n3));
    if (v <= 0x17) return fmt::format("Volume ({} m^3)", unit_prefix(n3 - 6));
    if (v <= 0x1F) return fmt::format("Mass ({}kg)", unit_prefix(n3 - 3));
    if (v <= 0x27 || (v >= 0x70 && v <= 0x77)) {
        static constexpr std::array<const char*, 4> units{"(seconds)", "(minutes)", "(hours)", "(days)"};
        const char* what = (v & 0x7C) == 0x20   ? "On time "
                           : (v & 0x7C) == 0x24 ? "Operating time "
                           : (v & 0x7C) == 0x70 ? "Averaging Duration "
                                                : "Actuality Duration ";
        return std::string(what) + units[static_cast<std::size_t>(n2)];
    }
    if (v <= 0x2F) return fmt::format("Power ({}W)", unit_prefix(n3 - 3));
    if (v <= 0x37) return fmt::format("Power ({}J/h)", unit_prefix(n3));
    if (v <= 0x3F) return fmt::format("Volume flow ({} m^3/h)", unit_prefix(n3 - 6));
    if (v <= 0x47) return fmt::format("Volume flow ({} m^3/min)", unit_prefix(n3 - 7));
    if (v <= 0x4F) return fmt::format("Volume flow ({} m^3/s)", unit_prefix(n3 - 9));
    if (v <= 0x57) return fmt::format("Mass flow ({} kg/h)", unit_prefix(n3 - 3));
    if (v <= 0x5B) return fmt::format("Flow temperature ({}deg C)", unit_prefix(n2 - 3));
    if (v <= 0x5F) return fmt::format("Return temperature ({}deg C)", unit_prefix(n2 - 3));
    if (v <= 0x63) return fmt::format("Temperature Difference ({} deg C)", unit_prefix(n2 - 3));
    if (v <= 0x67) return fmt::format("External temperature ({} deg C)", unit_prefix(n2 - 3));
    if (v <= 0x6B) return fmt::format("Pressure ({} bar)", unit_prefix(n2 - 3));
    switch (v) {
    case 0x6C: return "Time Point (date)";
    case 0x6D: return "Time Point (time & date)";
    case 0x6E: return "Units for H.C.A.";
    case 0x6F: return "Reserved";
    case 0x7C: return "Custom VIF";
    case 0x78: return "Fabrication number";
    case 0x7A: return "Bus Address";
    case 0x7F: return "Manufacturer specific";
    default: return fmt::format("Unknown (VIF=0x{:02X})", vif);
    }
}

namespace {

const char* duration_nn(int nn) {
    static constexpr std::array<const char*, 4> names{"second(s)", "minute(s)", "hour(s)", "day(s)"};
    return names[static_cast<std::size_t>(nn & 3)];
}
const char* duration_pp(int pp) {
    static constexpr std::array<const char*, 4> names{"hour(s)", "day(s)", "month(s)", "year(s)"};
    return names[static_cast<std::size_t>(pp & 3)];
}

// mbus_vib_unit_lookup_fb: table 8.4.4 b (VIFE after FB).
std::string unit_fb(std::uint8_t vife0) {
    const int c = vife0 & 0x7F;
    const char* tenth = (vife0 & 0x01) == 0 ? "0.1 " : "";
    const auto reserved = [vife0] { return fmt::format("Reserved (0x{:02x})", vife0); };
    if (c <= 0x01) return fmt::format("Energy ({}MWh)", tenth);
    if (c <= 0x07) return reserved();
    if (c <= 0x09) return fmt::format("Energy ({}GJ)", tenth);
    if (c <= 0x0F) return reserved();
    if (c <= 0x11) return fmt::format("Volume ({}m3)", unit_prefix((vife0 & 0x01) + 2));
    if (c <= 0x17) return reserved();
    if (c <= 0x19) return fmt::format("Mass ({}t)", unit_prefix((vife0 & 0x01) + 2));
    if (c <= 0x20) return reserved();
    if (c == 0x21) return "Volume (0.1 feet^3)";
    if (c <= 0x23) return fmt::format("Volume ({}american gallon)", tenth);
    if (c == 0x24) return "Volume flow (0.001 american gallon/min)";
    if (c == 0x25) return "Volume flow (american gallon/min)";
    if (c == 0x26) return "Volume flow (american gallon/h)";
    if (c == 0x27) return reserved();
    if (c <= 0x29) return fmt::format("Power ({}MW)", tenth);
    if (c <= 0x2F) return reserved();
    if (c <= 0x31) return fmt::format("Power ({}GJ/h)", tenth);
    if (c <= 0x4F || (c >= 0x52 && c <= 0x57)) return reserved();
    if (c <= 0x51) return fmt::format("Unrecognized VIF 0xFB extension: 0x{:02x}", vife0);
    const int n2 = vife0 & 0x03;
    if (c <= 0x5B) return fmt::format("Flow Temperature ({} degree F)", unit_prefix(n2 - 3));
    if (c <= 0x5F) return fmt::format("Return Temperature ({} degree F)", unit_prefix(n2 - 3));
    if (c <= 0x63) return fmt::format("Temperature Difference ({} degree F)", unit_prefix(n2 - 3));
    if (c <= 0x67) return fmt::format("External Temperature ({} degree F)", unit_prefix(n2 - 3));
    if (c <= 0x6F) return reserved();
    if (c <= 0x73) return fmt::format("Cold / Warm Temperature Limit ({} degree F)", unit_prefix(n2 - 3));
    if (c <= 0x77) return fmt::format("Cold / Warm Temperature Limit ({} degree C)", unit_prefix(n2 - 3));
    return fmt::format("cumul. count max power ({} W)", unit_prefix((vife0 & 0x07) - 3));
}

// mbus_vib_unit_lookup_fd: table 8.4.4 a (VIFE after FD).
std::string unit_fd(std::uint8_t vife0) {
    const int m = vife0 & 0x7F;
    const int n2 = m & 0x03;
    if ((m & 0x7C) == 0x00)
        return fmt::format("Credit of {} of the nominal local legal currency units", unit_prefix(n2 - 3));
    if ((m & 0x7C) == 0x04)
        return fmt::format("Debit of {} of the nominal local legal currency units", unit_prefix(n2 - 3));
    switch (m) {
    case 0x08: return "Access Number (transmission count)";
    case 0x09: return "Medium (as in fixed header)";
    case 0x0A: return "Manufacturer (as in fixed header)";
    case 0x0B: return "Parameter set identification";
    case 0x0C: return "Model / Version";
    case 0x0D: return "Hardware version";
    case 0x0E: return "Firmware version";
    case 0x0F: return "Software version";
    case 0x10: return "Customer location";
    case 0x11: return "Customer";
    case 0x12: return "Access Code User";
    case 0x13: return "Access Code Operator";
    case 0x14: return "Access Code System Operator";
    case 0x15: return "Access Code Developer";
    case 0x16: return "Password";
    case 0x17: return "Error flags";
    case 0x18: return "Error mask";
    case 0x19: return "Reserved";
    case 0x1A: return "Digital output (binary)";
    case 0x1B: return "Digital input (binary)";
    case 0x1C: return "Baudrate";
    case 0x1D: return "response delay time";
    case 0x1E: return "Retry";
    case 0x1F: return "Reserved";
    case 0x20: return "First storage # for cyclic storage";
    case 0x21: return "Last storage # for cyclic storage";
    case 0x22: return "Size of storage block";
    case 0x23: return "Reserved";
    case 0x28: return "Storage interval month(s)";
    case 0x29: return "Storage interval year(s)";
    case 0x2A:
    case 0x2B: return "Reserved";
    case 0x30: return "Start (date/time) of tariff";
    case 0x38: return "Period of tariff months(s)";
    case 0x39: return "Period of tariff year(s)";
    case 0x3A: return "dimensionless / no VIF";
    case 0x3B: return "Reserved";
    case 0x60: return "Reset counter";
    case 0x61: return "Cumulation counter";
    case 0x62: return "Control signal";
    case 0x63: return "Day of week";
    case 0x64: return "Week number";
    case 0x65: return "Time point of day change";
    case 0x66: return "State of parameter activation";
    case 0x67: return "Special supplier information";
    case 0x70: return "Date and time of battery change";
    default: break;
    }
    switch (m & 0x7C) {
    case 0x24: return fmt::format("Storage interval {}", duration_nn(n2));
    case 0x2C: return fmt::format("Duration since last readout {}", duration_nn(n2));
    case 0x30: return fmt::format("Duration of tariff {}", duration_nn(n2));
    case 0x34: return fmt::format("Period of tariff {}", duration_nn(n2));
    case 0x3C: return "Reserved";
    case 0x68: return fmt::format("Duration since last cumulation {}", duration_pp(n2));
    case 0x6C: return fmt::format("Operating time battery {}", duration_pp(n2));
    default: break;
    }
    if ((m & 0x70) == 0x40) return fmt::format("{} V", unit_prefix((m & 0x0F) - 9));
    if ((m & 0x70) == 0x50) return fmt::format("{} A", unit_prefix((m & 0x0F) - 12));
    if ((m & 0x70) == 0x70) return "Reserved VIF extension";
    return fmt::format("Unrecognized VIF 0xFD extension: 0x{:02x}", m);
}

} // namespace

std::string vib_unit(const vib& v) {
    const std::uint8_t vife0 = v.vife.empty() ? 0 : v.vife[0];
    if (v.vif == 0xFB) return v.vife.empty() ? "Missing VIF extension" : unit_fb(vife0);
    if (v.vif == 0xFD) return v.vife.empty() ? "Missing VIF extension" : unit_fd(vife0);
    if (v.vif == 0x7C) return reversed_c_string(v.plain_text);
    if (v.vif == 0xFC && (vife0 & 0x78) == 0x70)
        return fmt::format("{} {}", unit_prefix((vife0 & 0x07) - 6), reversed_c_string(v.plain_text));
    return vif_unit(v.vif);
}

std::string function(std::uint8_t dif) {
    switch (dif & 0x30) {
    case 0x00: return "Instantaneous value";
    case 0x10: return "Maximum value";
    case 0x20: return "Minimum value";
    default: return "Value during error state";
    }
}

namespace {

std::vector<vif_entry> build_vif_table() {
    std::vector<vif_entry> t;
    const auto run = [&t](unsigned first, int count, int first_exp, const char* unit, const char* quantity) {
        for (int k = 0; k < count; ++k)
            t.push_back({first + static_cast<unsigned>(k), p10(first_exp + k), unit, quantity});
    };
    const auto durations = [&t](unsigned first, const char* quantity) {
        static constexpr std::array<double, 4> s{1.0, 60.0, 3600.0, 86400.0};
        for (unsigned k = 0; k < 4; ++k)
            t.push_back({first + k, s[k], "s", quantity});
    };
    const auto same = [&t](unsigned first, unsigned last, double exponent, const char* unit,
                           const char* quantity) {
        for (unsigned c = first; c <= last; ++c)
            t.push_back({c, exponent, unit, quantity});
    };
    constexpr double month = 2629743.83;
    constexpr double year = 31556926.0;

    // Primary VIFs.
    run(0x00, 8, -3, "Wh", "Energy");
    run(0x08, 8, 0, "J", "Energy");
    run(0x10, 8, -6, "m^3", "Volume");
    run(0x18, 8, -3, "kg", "Mass");
    durations(0x20, "On time");
    durations(0x24, "Operating time");
    run(0x28, 8, -3, "W", "Power");
    run(0x30, 8, 0, "J/h", "Power");
    run(0x38, 8, -6, "m^3/h", "Volume flow");
    run(0x40, 8, -7, "m^3/min", "Volume flow");
    run(0x48, 8, -9, "m^3/s", "Volume flow");
    run(0x50, 8, -3, "kg/h", "Mass flow");
    run(0x58, 4, -3, "\u00B0C", "Flow temperature");
    run(0x5C, 4, -3, "\u00B0C", "Return temperature");
    run(0x60, 4, -3, "K", "Temperature difference");
    run(0x64, 4, -3, "\u00B0C", "External temperature");
    run(0x68, 4, -3, "bar", "Pressure");
    t.push_back({0x6C, 1.0, "-", "Time point (date)"});
    t.push_back({0x6D, 1.0, "-", "Time point (date & time)"});
    t.push_back({0x6E, 1.0, "Units for H.C.A.", "H.C.A."});
    t.push_back({0x6F, 0.0, "Reserved", "Reserved"});
    durations(0x70, "Averaging Duration");
    durations(0x74, "Actuality Duration");
    t.push_back({0x78, 1.0, "", "Fabrication No"});
    t.push_back({0x79, 1.0, "", "(Enhanced) Identification"});
    t.push_back({0x7A, 1.0, "", "Bus Address"});
    t.push_back({0x7E, 1.0, "", "Any VIF"});
    t.push_back({0x7F, 1.0, "", "Manufacturer specific"});
    t.push_back({0xFE, 1.0, "", "Any VIF"});
    t.push_back({0xFF, 1.0, "", "Manufacturer specific"});

    // After FD (table 8.4.4 a).
    run(0x100, 4, -3, "Currency units", "Credit");
    run(0x104, 4, -3, "Currency units", "Debit");
    t.push_back({0x108, 1.0, "", "Access Number (transmission count)"});
    t.push_back({0x109, 1.0, "", "Medium"});
    t.push_back({0x10A, 1.0, "", "Manufacturer"});
    t.push_back({0x10B, 1.0, "", "Parameter set identification"});
    t.push_back({0x10C, 1.0, "", "Model / Version"});
    t.push_back({0x10D, 1.0, "", "Hardware version"});
    t.push_back({0x10E, 1.0, "", "Firmware version"});
    t.push_back({0x10F, 1.0, "", "Software version"});
    t.push_back({0x110, 1.0, "", "Customer location"});
    t.push_back({0x111, 1.0, "", "Customer"});
    t.push_back({0x112, 1.0, "", "Access Code User"});
    t.push_back({0x113, 1.0, "", "Access Code Operator"});
    t.push_back({0x114, 1.0, "", "Access Code System Operator"});
    t.push_back({0x115, 1.0, "", "Access Code Developer"});
    t.push_back({0x116, 1.0, "", "Password"});
    t.push_back({0x117, 1.0, "", "Error flags"});
    t.push_back({0x118, 1.0, "", "Error mask"});
    t.push_back({0x119, 1.0, "Reserved", "Reserved"});
    t.push_back({0x11A, 1.0, "", "Digital Output"});
    t.push_back({0x11B, 1.0, "", "Digital Input"});
    t.push_back({0x11C, 1.0, "Baud", "Baudrate"});
    t.push_back({0x11D, 1.0, "Bittimes", "Response delay time"});
    t.push_back({0x11E, 1.0, "", "Retry"});
    t.push_back({0x11F, 1.0, "Reserved", "Reserved"});
    t.push_back({0x120, 1.0, "", "First storage # for cyclic storage"});
    t.push_back({0x121, 1.0, "", "Last storage # for cyclic storage"});
    t.push_back({0x122, 1.0, "", "Size of storage block"});
    t.push_back({0x123, 1.0, "Reserved", "Reserved"});
    durations(0x124, "Storage interval");
    t.push_back({0x128, month, "s", "Storage interval"});
    t.push_back({0x129, year, "s", "Storage interval"});
    t.push_back({0x12A, 1.0, "Reserved", "Reserved"});
    t.push_back({0x12B, 1.0, "Reserved", "Reserved"});
    durations(0x12C, "Duration since last readout");
    t.push_back({0x130, 1.0, "Reserved", "Reserved"});
    t.push_back({0x131, 60.0, "s", "Storage interval"}); // libmbus's words for Duration of tariff
    t.push_back({0x132, 3600.0, "s", "Storage interval"});
    t.push_back({0x133, 86400.0, "s", "Storage interval"});
    durations(0x134, "Period of tariff");
    t.push_back({0x138, month, "s", "Period of tariff"});
    t.push_back({0x139, year, "s", "Period of tariff"});
    t.push_back({0x13A, 1.0, "", "Dimensionless"});
    same(0x13B, 0x13F, 1.0, "Reserved", "Reserved");
    run(0x140, 16, -9, "V", "Voltage");
    run(0x150, 16, -12, "A", "Current");
    t.push_back({0x160, 1.0, "", "Reset counter"});
    t.push_back({0x161, 1.0, "", "Cumulation counter"});
    t.push_back({0x162, 1.0, "", "Control signal"});
    t.push_back({0x163, 1.0, "", "Day of week"});
    t.push_back({0x164, 1.0, "", "Week number"});
    t.push_back({0x165, 1.0, "", "Time point of day change"});
    t.push_back({0x166, 1.0, "", "State of parameter activation"});
    t.push_back({0x167, 1.0, "", "Special supplier information"});
    t.push_back({0x168, 3600.0, "s", "Duration since last cumulation"});
    t.push_back({0x169, 86400.0, "s", "Duration since last cumulation"});
    t.push_back({0x16A, month, "s", "Duration since last cumulation"});
    t.push_back({0x16B, year, "s", "Duration since last cumulation"});
    t.push_back({0x16C, 3600.0, "s", "Operating time battery"});
    t.push_back({0x16D, 86400.0, "s", "Operating time battery"});
    t.push_back({0x16E, month, "s", "Operating time battery"});
    t.push_back({0x16F, year, "s", "Operating time battery"});
    t.push_back({0x170, 1.0, "", "Date and time of battery change"});
    same(0x171, 0x17F, 1.0, "Reserved", "Reserved");

    // After FB (table 8.4.4 b), with libmbus's slips ("Reserved" unit for GJ, J for GJ/h) kept.
    run(0x200, 2, 5, "Wh", "Energy");
    same(0x202, 0x207, 1.0, "Reserved", "Reserved");
    run(0x208, 2, 8, "Reserved", "Energy");
    same(0x20A, 0x20F, 1.0, "Reserved", "Reserved");
    run(0x210, 2, 2, "m^3", "Volume");
    same(0x212, 0x217, 1.0, "Reserved", "Reserved");
    run(0x218, 2, 5, "kg", "Mass");
    same(0x21A, 0x220, 1.0, "Reserved", "Reserved");
    t.push_back({0x221, 1.0e-1, "feet^3", "Volume"});
    t.push_back({0x222, 1.0e-1, "American gallon", "Volume"});
    t.push_back({0x223, 1.0, "American gallon", "Volume"});
    t.push_back({0x224, 1.0e-3, "American gallon/min", "Volume flow"});
    t.push_back({0x225, 1.0, "American gallon/min", "Volume flow"});
    t.push_back({0x226, 1.0, "American gallon/h", "Volume flow"});
    t.push_back({0x227, 1.0, "Reserved", "Reserved"});
    run(0x228, 2, 5, "W", "Power");
    same(0x22A, 0x22F, 1.0, "Reserved", "Reserved");
    run(0x230, 2, 8, "J", "Power");
    same(0x232, 0x257, 1.0, "Reserved", "Reserved");
    run(0x258, 4, -3, "\u00B0F", "Flow temperature");
    run(0x25C, 4, -3, "\u00B0F", "Return temperature");
    run(0x260, 4, -3, "\u00B0F", "Temperature difference");
    run(0x264, 4, -3, "\u00B0F", "External temperature");
    same(0x268, 0x26F, 1.0, "Reserved", "Reserved");
    run(0x270, 4, -3, "\u00B0F", "Cold / Warm Temperature Limit");
    run(0x274, 4, -3, "\u00B0C", "Cold / Warm Temperature Limit");
    t.push_back({0x278, 1.0e-3, "W", "Cumul count max power"});
    t.push_back({0x279, 1.0e-3, "W", "Cumul count max power"}); // libmbus's, not 1e-2
    run(0x27A, 6, -1, "W", "Cumul count max power");
    return t;
}

const vif_entry* find_in(const std::vector<vif_entry>& t, unsigned code) {
    const auto it = std::find_if(t.begin(), t.end(), [code](const vif_entry& e) { return e.code == code; });
    return it == t.end() ? nullptr : &*it;
}

} // namespace

const vif_entry* find_vif(unsigned code) {
    static const std::vector<vif_entry> table = build_vif_table();
    return find_in(table, code);
}

std::string reversed_c_string(bytes_view b) {
    std::string s(b.rbegin(), b.rend());
    if (const auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
    return s;
}

std::string hex_reversed(bytes_view b) {
    std::string s;
    s.reserve(b.size() * 3);
    for (auto it = b.rbegin(); it != b.rend(); ++it) {
        if (!s.empty()) s += ' ';
        s += fmt::format("{:02X}", *it);
    }
    return s;
}

} // namespace mbus::app::libmbus
