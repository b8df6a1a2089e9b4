#include <mbus/scenario/fault_kinds.hpp>
#include <mbus/sim/fault_spec.hpp>
#include <mbus/sim/han_fault.hpp>
#include <mbus/sim/wmbus_fault.hpp>

#include <algorithm>

namespace mbus::scenario {

const std::vector<fault_kind_info>& fault_kinds() {
    static const std::vector<fault_kind_info> kinds{
        {"no_answer", {}, "nothing: the meter took the request but its answer is dropped"},
        {"late",
         {{"delay_ms", "milliseconds", ""}},
         "the answer after that delay (a number or [min, max], 0..60000) from the end of the request"},
        {"gap",
         {{"at_byte", "integer", ""}, {"pause_ms", "milliseconds", ""}},
         "the answer with a pause after at_byte bytes"},
        {"bad_checksum", {{"delta", "integer", "1"}}, "CS + delta"},
        {"bad_stop", {{"stop", "integer", "0x00"}}, "the stop byte replaced"},
        {"bad_length",
         {{"delta", "integer", "1"}, {"which", "string", "both"}},
         "long frames: L changed in both L bytes or in one (\"first\", \"second\")"},
        {"truncate", {{"keep", "integer", ""}}, "only the first keep bytes (1..260)"},
        {"bit_errors", {{"rate", "number", ""}}, "each data bit flipped with that probability"},
        {"garbage",
         {{"prefix", "hex", ""},
          {"prefix_random", "integer", ""},
          {"suffix", "hex", ""},
          {"suffix_random", "integer", ""}},
         "those bytes (or that many random bytes) before and after the answer"},
        {"ack_junk", {{"junk", "hex", ""}, {"junk_random", "integer", "1"}}, "an E5 answer followed by junk"},
        {"echo", {}, "the master's request, byte for byte, before the answer"},
        {"duplicate", {{"copies", "integer", "2"}}, "the answer that many times back to back (2..16)"},
        {"wrong_address",
         {{"address", "integer", ""}},
         "a valid frame from another address (default the meter's + 1)"},
        {"ignore_fcb", {}, "every REQ_UD2 is taken as FCV=0: the first telegram, freshly made"},
        {"access_number", {{"value", "integer", "0"}}, "the header's access number replaced"},
        {"status_flags", {{"flags", "integer", ""}}, "the bits ORed into the header's status byte"},
        {"app_error", {{"status", "integer", "0"}}, "instead of the answer: a CI 70 application error"},
        {"any_address", {}, "the meter takes any primary address 0..250 as its own"},
        {"wrong_baud",
         {{"baud", "integer", ""}, {"line_baud", "integer", "2400"}},
         "what a UART at the line rate decodes from characters sent at baud"},
        {"wake_up",
         {{"count", "integer", "1"}},
         "the first count requests addressed to the meter after power-on go unheard"},
        {"preamble",
         {{"zeros", "integer", "1"}},
         "requests are heard only after at least that many 0x00 bytes"},
        // [[han_meter]]s: on the pushes, in sim::han_fault_action's order.
        {"han_bad_hcs", {}, "HAN: the push's first HDLC frame with a wrong HCS, otherwise intact"},
        {"han_bad_fcs", {}, "HAN: the push's last HDLC frame with a wrong FCS, otherwise intact"},
        {"han_truncate",
         {{"keep", "integer", ""}, {"fraction", "number", "0.5"}},
         "HAN: only the first keep bytes of the push (1..4096), or that fraction of them"},
        {"han_missing", {}, "HAN: the push is not sent"},
        {"han_late",
         {{"delay_ms", "milliseconds", ""}},
         "HAN: the push after that delay (a number or [min, max], 0..60000) from when it was due"},
        {"han_junk",
         {{"junk", "hex", ""}, {"junk_random", "integer", ""}},
         "HAN: those bytes (or that many random bytes) on the line before the push"},
        {"han_clock_jump",
         {{"seconds", "integer", ""}},
         "HAN: after this push the meter clock is off by that many seconds (+ or -), for good"},
        {"han_reboot",
         {{"clock", "date-time", "2000-01-01T00:00:00"}},
         "HAN: after this push the meter restarts: clock at that date-time, frame counter from the "
         "scenario's, energy registers kept"},
        {"han_unknown_obis",
         {{"obis", "string", "0.0.96.99.99.255"}, {"value", "integer", "42"}, {"position", "integer", ""}},
         "HAN: the list with an object no list of the make has (double-long-unsigned), at position "
         "(default: the end)"},
        // [[wmbus_meter]]s: on the transmissions, in sim::wmbus_fault_action's order.
        {"wm_crc",
         {{"block", "integer", "2"}},
         "radio: one data bit flipped in that block (1-based, EN 13757-4; past the last: the last), so its "
         "CRC fails: a stick drops the telegram, rtl_wmbus lines say CRC_OK 0, hex lines carry the CRCs"},
        {"wm_wrong_key",
         {{"key", "hex", ""}},
         "radio: encrypted with that key (default: the meter's with every bit inverted) in the meter's "
         "mode: the receiver cannot decrypt"},
        {"wm_truncate",
         {{"keep", "integer", ""}, {"fraction", "number", "0.5"}},
         "radio: only the first keep bytes of the telegram (1..255, L first), or that fraction of them"},
        {"wm_missing", {}, "radio: the transmission is not sent (the access number still counts it)"},
        {"wm_drift",
         {{"ppm", "number", "100"}},
         "radio: the wait after the transmission as a clock that many ppm fast (+) or slow (-) measures it"},
        {"wm_collision",
         {{"with", "string", ""}, {"offset_ms", "number", "0"}},
         "radio: meter `with` transmits too, starting offset_ms after this one: the receiver hears neither, "
         "or the one stronger by [receiver] capture_db"},
    };
    return kinds;
}

const fault_kind_info* find_fault_kind(std::string_view kind) {
    const auto& all = fault_kinds();
    const auto it = std::find_if(all.begin(), all.end(), [kind](const auto& k) { return k.kind == kind; });
    return it == all.end() ? nullptr : &*it;
}

const std::vector<fault_parameter>& common_fault_keys() {
    static const std::vector<fault_parameter> keys{
        {"name", "string", ""},        {"meter", "string", ""},       {"kind", "string", ""},
        {"requests", "array", ""},     {"probability", "number", ""}, {"every", "integer", ""},
        {"after", "integer", "0"},     {"from", "duration", ""},      {"until", "duration", ""},
        {"active", "boolean", "true"}, {"seed", "integer", ""},
    };
    return keys;
}

// The table must cover the variant, in its order: a kind added to sim without an entry here fails
// to build (the names are compared at compile time where the compiler can, else at first use).
static_assert(sim::fault_kind_names.size() == 21, "a fault kind was added: describe it in fault_kinds()");
static_assert(sim::han_fault_kind_names.size() == 9,
              "a HAN fault kind was added: describe it in fault_kinds()");

static_assert(sim::wmbus_fault_kind_names.size() == 6,
              "a wireless fault kind was added: describe it in fault_kinds()");

bool is_wmbus_fault_kind(std::string_view kind) {
    return std::find(sim::wmbus_fault_kind_names.begin(), sim::wmbus_fault_kind_names.end(), kind) !=
           sim::wmbus_fault_kind_names.end();
}

bool is_han_fault_kind(std::string_view kind) {
    return std::find(sim::han_fault_kind_names.begin(), sim::han_fault_kind_names.end(), kind) !=
           sim::han_fault_kind_names.end();
}

} // namespace mbus::scenario
