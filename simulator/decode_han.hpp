#pragma once
// `mbus-sim decode` for HAN push meters: HDLC frames (7E ...), LLC PDUs (E6 E7 00 ...) and bare APDUs
// (0F data notification, DB general-glo-ciphering), as cmd_decode.cpp hands them over.

#include <mbus/core/bytes.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mbus::cli {

// True when the bytes start as a HAN input does (M-Bus frames start with 68, 10 or E5).
bool looks_like_han(bytes_view wire);

struct han_decode_options {
    bool text = false;    // text lines instead of JSON
    std::string key;      // hex, 16 bytes: --key
    std::string auth_key; // hex, 16 bytes: --auth-key
};

struct han_decode_failure {
    int code; // 1: undecodable, 2: usage (a bad key)
    std::string message;
};

// Decodes every frame (or the one PDU/APDU) in `wire`; JSON objects go to `json_out`, text to stdout.
std::optional<han_decode_failure> decode_han(bytes_view wire, const han_decode_options& o,
                                             std::vector<nlohmann::json>& json_out);

} // namespace mbus::cli
