#pragma once
// Helpers for the scenario tests: the shipped scenario folder, a scratch folder for include files,
// and the records of a telegram a loaded meter sends.

#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <mbus/app/codec.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/scenario/load.hpp>
#include <mbus/sim/meter.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mbus::scenario::test {

inline std::filesystem::path scenarios_dir() { return std::filesystem::path(MBUS_SOURCE_DIR) / "scenarios"; }

// A scratch folder for include files (its name a prefix of the folder's).
using scratch = mbus::test::temp_dir;

// Every diagnostic as text, for CHECK messages and exact comparisons.
inline std::vector<std::string> messages(const load_result& r) {
    std::vector<std::string> out;
    for (const auto& d : r.errors)
        out.push_back(to_string(d));
    return out;
}

// The instant tests read meters at: one hour after start, on a fixed day.
inline sim::sim_now test_now() {
    using namespace std::chrono;
    return {time_point{} + hours{1}, wall_time{sys_days{year{2024} / 3 / 15} + hours{10} + minutes{30}}};
}

// The decoded records of a readout telegram (RSP_UD, CI 72).
inline std::vector<app::record> records_of(const bytes& wire) {
    const auto f = link::decode(wire);
    if (!f) return {};
    const auto ud = app::decode(f->value.ci, f->value.data);
    if (!ud) return {};
    const auto* v = std::get_if<app::variable_data>(&*ud);
    return v != nullptr ? v->records : std::vector<app::record>{};
}

// "0c13", "8c2013", "04fd48": DIF, DIFEs, VIF, VIFEs in lower-case hex, as frames.json's `drh`.
inline std::string drh(const app::record& r) {
    bytes b{r.dib.dif};
    b.insert(b.end(), r.dib.dife.begin(), r.dib.dife.end());
    if (r.vib) {
        b.push_back(r.vib->vif);
        b.insert(b.end(), r.vib->vife.begin(), r.vib->vife.end());
    }
    std::string s;
    for (const auto x : to_hex(b, ""))
        s += static_cast<char>(std::tolower(static_cast<unsigned char>(x)));
    return s;
}

// The drh of every record of a readout telegram.
inline std::vector<std::string> drh_list(const bytes& wire) {
    std::vector<std::string> out;
    for (const auto& r : records_of(wire))
        out.push_back(drh(r));
    return out;
}

} // namespace mbus::scenario::test

// Lists of messages print one per line when a CHECK fails.
template <>
struct doctest::StringMaker<std::vector<std::string>> {
    static doctest::String convert(const std::vector<std::string>& v) {
        std::string s = "{\n";
        for (const auto& x : v)
            s += "  " + x + "\n";
        return (s + "}").c_str();
    }
};
