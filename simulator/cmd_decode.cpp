// mbus-sim decode [--format json|xml|xml-normalized] [HEX | FILE | -]: decodes frames given as hex
// (as found in real files: spaces, newlines, CRLF, 0x prefixes) or as raw bytes, one frame after
// the other. JSON by default; xml and xml-normalized print exactly what libmbus's mbus_parse_hex
// prints, so that a test can compare our view of a telegram with a libmbus master's.
// HAN push meters' HDLC frames (7E), LLC PDUs (E6 E7 00) and APDUs (0F, DB) go to decode_han.cpp:
// OBIS objects as JSON or text (--format text), ciphered ones opened with --key and --auth-key.
// Wireless M-Bus frames (EN 13757-4, format A or B, with or without CRCs) are recognised by their L
// field and CRCs, or named with --wmbus; --key opens encrypted ones (mode 5, mode 7, ELL AES-CTR).
// Several wireless frames in a file or on stdin go one per line.
// Exit 0 when every frame decodes, 1 for undecodable input, 2 for usage errors.

#include "command.hpp"
#include "decode_han.hpp"

#include <mbus/app/codec.hpp>
#include <mbus/app/json.hpp>
#include <mbus/app/libmbus_xml.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/core/errc.hpp>
#include <mbus/link/errc.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/wmbus/frame.hpp>
#include <mbus/wmbus/telegram.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace mbus::cli {

namespace {

enum class format { json, xml, xml_normalized, text };

struct decode_options {
    std::string format{"json"};
    std::vector<std::string> input; // several words are one hex string given without quotes
    std::string wmbus;              // "", auto, a, b, none: wireless frames in that layout
    std::string key;                // hex, 16 bytes: HAN general-glo-ciphering or wireless
    std::string auth_key;           // HAN: authentication key (hex)
};

constexpr int exit_undecodable = 1;
constexpr int exit_usage = 2;

struct failure {
    int code;
    std::string message;
};

std::string read_stream(std::istream& in) {
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A token of an odd number of hex digits (from_hex takes "5" as 05): a typo more often than a byte.
std::optional<std::string> single_digit(std::string_view text) {
    constexpr std::string_view separators = " \t\r\n,:\v\f";
    std::size_t at = 0;
    while (at < text.size()) {
        const auto start = text.find_first_not_of(separators, at);
        if (start == std::string_view::npos) break;
        auto end = text.find_first_of(separators, start);
        if (end == std::string_view::npos) end = text.size();
        auto token = text.substr(start, end - start);
        if (token.starts_with("0x") || token.starts_with("0X")) token.remove_prefix(2);
        if (token.size() % 2 == 1) return std::string(token);
        at = end;
    }
    return std::nullopt;
}

// The bytes of the input: "-" is stdin, an existing path is a file, anything else must be hex. Files
// and stdin may also hold the raw bytes of a frame (they start with 68, 10 or E5 and are not hex).
std::variant<bytes, failure> read_input(const std::string& input) {
    std::string text;
    bool may_be_raw = true;
    if (input == "-") {
        text = read_stream(std::cin);
    } else if (std::error_code ec; std::filesystem::is_regular_file(input, ec)) {
        std::ifstream in(input, std::ios::binary);
        if (!in) return failure{exit_usage, fmt::format("decode: cannot read {}", input)};
        text = read_stream(in);
    } else {
        may_be_raw = false;
        if (input.find('/') != std::string::npos || input.ends_with(".hex") || input.ends_with(".txt"))
            return failure{exit_usage, fmt::format("decode: no such file: {}", input)};
    }
    if (!may_be_raw) text = input;
    auto hex = from_hex(text);
    if (hex) {
        if (const auto odd = single_digit(text))
            return failure{exit_undecodable,
                           fmt::format("decode: {}: '{}' is one hex digit: write each byte as two (0{})",
                                       input == "-" ? "stdin" : input, *odd, *odd)};
        return std::move(*hex);
    }
    const auto first = text.empty() ? 0 : static_cast<byte>(text[0]);
    if (may_be_raw && (first == link::long_start || first == link::short_start || first == link::ack_byte ||
                       first == 0x7E /* HDLC flag: a HAN capture */))
        return bytes(text.begin(), text.end());
    if (!may_be_raw && hex.error() == mbus::errc::invalid_hex)
        return failure{exit_usage, fmt::format("decode: neither a file nor hex: {}", input)};
    return failure{exit_undecodable,
                   fmt::format("decode: {}: {}", input == "-" ? "stdin" : input, hex.error().message())};
}

// A link error in words, with the bytes that show it.
std::string link_error(bytes_view wire, std::error_code ec) {
    using link::errc;
    if (ec == errc::bad_checksum) {
        const bool is_short = wire[0] == link::short_start;
        const std::size_t size = is_short ? 5 : std::size_t{wire[1]} + 6;
        const std::size_t cs_at = size - 2;
        const std::size_t first = is_short ? 1 : 4;
        unsigned sum = 0;
        for (std::size_t i = first; i < cs_at; ++i)
            sum += wire[i];
        return fmt::format("bad checksum: expected {:02X}, got {:02X} (byte {})", sum & 0xFFU, wire[cs_at],
                           cs_at);
    }
    if (ec == errc::need_more) return fmt::format("incomplete frame: {} bytes", wire.size());
    if (ec == errc::bad_start) return fmt::format("bad start byte {:02X}", wire[0]);
    if (ec == errc::length_mismatch)
        return wire.size() >= 3 ? fmt::format("bad length: L fields {:02X} and {:02X}", wire[1], wire[2])
                                : "bad length";
    if (ec == errc::bad_second_start) return fmt::format("bad second start byte {:02X}", wire[3]);
    if (ec == errc::bad_stop) {
        const std::size_t size = wire[0] == link::short_start ? 5 : std::size_t{wire[1]} + 6;
        return fmt::format("bad stop byte {:02X} (byte {})", wire[size - 1], size - 1);
    }
    return ec.message();
}

nlohmann::json link_json(const link::frame& f) {
    static constexpr const char* kinds[] = {"ack", "short", "control", "long"};
    nlohmann::json j{{"kind", kinds[static_cast<int>(f.kind)]}, {"description", link::describe(f)}};
    if (f.kind != link::frame_kind::ack) {
        j["c"] = fmt::format("{:02X}", f.c);
        j["a"] = f.a;
    }
    if (f.kind == link::frame_kind::control || f.kind == link::frame_kind::long_frame)
        j["ci"] = fmt::format("{:02X}", f.ci);
    return j;
}

// A wired frame: its user data written as JSON text straight from the frame's bytes (no DOM), with
// the link fields as one more member.
std::optional<failure> decode_one(const link::frame& f, format fmt_kind, std::vector<std::string>& json_out) {
    if (fmt_kind != format::json) {
        // As libmbus's mbus_parse_hex: an E5 or a master's frame holds no data to print, and is an error.
        const auto out = app::to_libmbus_xml(f, fmt_kind == format::xml_normalized);
        if (!out.ok()) return failure{exit_undecodable, "decode: " + out.error};
        std::cout << out.xml;
        return std::nullopt;
    }
    const std::string link = link_json(f).dump();
    std::string text;
    if (f.kind == link::frame_kind::control || f.kind == link::frame_kind::long_frame) {
        const auto ok = app::write_json(text, f.ci, f.data, {"link", link});
        if (!ok) return failure{exit_undecodable, "decode: user data: " + ok.error().message()};
    } else {
        text = "{\"link\":" + link + "}";
    }
    json_out.push_back(std::move(text));
    return std::nullopt;
}

// One wireless frame: its layout (given or detected), the link fields, then the telegram.
std::optional<failure> decode_wireless(bytes_view wire, const decode_options& o,
                                       const std::optional<bytes>& key, std::vector<std::string>& json_out) {
    std::optional<wmbus::layout> l;
    if (o.wmbus == "a")
        l = wmbus::layout::a;
    else if (o.wmbus == "b")
        l = wmbus::layout::b;
    else if (o.wmbus == "none")
        l = wmbus::layout::no_crc;
    else
        l = wmbus::detect_layout(wire);
    if (!l) {
        if (wire.empty()) return failure{exit_undecodable, "decode: wireless: no bytes"};
        return failure{
            exit_undecodable,
            fmt::format("decode: wireless: {} bytes fit no layout for L field {:02X} (format A or B with "
                        "CRCs, or without CRCs); name one with --wmbus a|b|none",
                        wire.size(), wire[0])};
    }
    const auto f = wmbus::decode(wire, *l);
    if (!f) return failure{exit_undecodable, "decode: wireless: " + wmbus::describe(wire, *l, f.error())};
    const auto t = key ? wmbus::decode(*f, bytes_view(*key)) : wmbus::decode(*f);
    if (!t)
        return failure{exit_undecodable, "decode: wireless telegram: " + t.error().message() +
                                             (t.error() == wmbus::errc::key_missing ? " (--key HEX)" : "")};
    auto j = wmbus::to_json(*t);
    j["link"]["format"] = *l == wmbus::layout::no_crc ? "no_crc" : std::string(wmbus::to_string(*l));
    j["link"]["crc"] = *l == wmbus::layout::no_crc ? "absent" : "verified";
    json_out.push_back(j.dump());
    return std::nullopt;
}

// Wired frames start with 68, 10 or E5 and decode as such, or show a wired frame's shape (68 L L 68,
// a 5-byte 10 .. 16) so that a damaged one keeps its wired error; anything else is tried as wireless.
bool looks_wired(bytes_view wire) {
    if (wire.empty()) return true;
    if (wire[0] != link::long_start && wire[0] != link::short_start && wire[0] != link::ack_byte)
        return false;
    if (link::decode(wire).has_value()) return true;
    if (wire[0] == link::long_start && wire.size() >= 4 && wire[1] == wire[2] && wire[3] == link::long_start)
        return true;
    if (wire[0] == link::short_start && wire.size() == 5 && wire[4] == 0x16) return true;
    return !wmbus::detect_layout(wire);
}

int run_decode(const decode_options& o) {
    const format fmt_kind = o.format == "xml"              ? format::xml
                            : o.format == "xml-normalized" ? format::xml_normalized
                            : o.format == "text"           ? format::text
                                                           : format::json;
    // Files (and -) are decoded one after the other; any other words are one hex string.
    std::vector<std::string> inputs;
    bool all_files = !o.input.empty();
    for (const auto& i : o.input) {
        std::error_code ec;
        all_files = all_files && (i == "-" || std::filesystem::is_regular_file(i, ec));
    }
    if (all_files) {
        inputs = o.input;
    } else {
        std::string joined = o.input.empty() ? "-" : o.input.front();
        for (std::size_t i = 1; i < o.input.size(); ++i)
            joined += " " + o.input[i];
        inputs.push_back(joined);
    }
    std::optional<bytes> key;
    if (!o.key.empty()) {
        auto k = from_hex(o.key);
        if (!k || k->size() != 16) {
            std::cerr << "decode: --key must be 16 bytes of hex (AES-128)\n";
            return exit_usage;
        }
        key = std::move(*k);
    }
    std::vector<std::string> json_out; // each frame's compact JSON text, in order
    for (const auto& name : inputs) {
        auto input = read_input(name);
        if (const auto* f = std::get_if<failure>(&input)) {
            std::cerr << f->message << '\n';
            return f->code;
        }
        const auto& wire = std::get<bytes>(input);
        const auto where = inputs.size() > 1 ? fmt::format(" in {}", name) : std::string();
        // --wmbus names a wireless frame; otherwise HAN's first bytes (a bare APDU's tag only when it is
        // no wireless frame's L field with valid CRCs) go to the HAN decoder.
        if (o.wmbus.empty() && looks_like_han(wire) &&
            (wire[0] == 0x7E || wire[0] == 0xE6 || !wmbus::detect_layout(wire))) {
            if (fmt_kind == format::xml || fmt_kind == format::xml_normalized) {
                std::cerr << "decode: HAN frames have no libmbus XML: use --format json or text" << where
                          << '\n';
                return exit_usage;
            }
            const han_decode_options ho{fmt_kind == format::text, o.key, o.auth_key};
            std::vector<nlohmann::json> han_json;
            if (const auto f = decode_han(wire, ho, han_json)) {
                std::cerr << f->message << where << '\n';
                return f->code;
            }
            for (const auto& j : han_json)
                json_out.push_back(j.dump());
            continue;
        }
        if (!o.wmbus.empty() || key || !looks_wired(wire)) {
            if (fmt_kind != format::json) {
                std::cerr << "decode: --format " << o.format
                          << " is for wired M-Bus or HAN frames; wireless decodes print JSON\n";
                return exit_usage;
            }
            if (const auto f = decode_wireless(wire, o, key, json_out)) {
                std::cerr << f->message << where << '\n';
                return f->code;
            }
            continue;
        }
        if (fmt_kind == format::text) {
            std::cerr << "decode: --format text is for HAN frames; M-Bus frames: json, xml or xml-normalized"
                      << where << '\n';
            return exit_usage;
        }
        std::size_t at = 0;
        while (at < wire.size()) {
            const auto rest = bytes_view(wire).subspan(at);
            const auto d = link::decode(rest);
            if (!d) {
                std::cerr << "decode: " << link_error(rest, d.error())
                          << (at > 0 ? fmt::format(" (at byte {})", at) : "") << where << '\n';
                return exit_undecodable;
            }
            if (const auto f = decode_one(d->value, fmt_kind, json_out)) {
                std::cerr << f->message << where << '\n';
                return f->code;
            }
            at += d->size;
        }
    }
    if (fmt_kind == format::json) {
        // As dump(2) of the one object, or of an array of them, always printed.
        std::string compact;
        if (json_out.size() == 1) {
            compact = std::move(json_out.front());
        } else {
            compact = "[";
            for (std::size_t i = 0; i < json_out.size(); ++i) {
                if (i > 0) compact += ',';
                compact += json_out[i];
            }
            compact += ']';
        }
        std::cout << app::indent_json(compact, 2) << '\n';
    }
    return 0;
}

command setup(CLI::App& parent) {
    auto o = std::make_shared<decode_options>();
    auto* app = parent.add_subcommand(
        "decode",
        "Decode M-Bus frames, wired or wireless, or HAN push meters' HDLC frames, LLC PDUs and DLMS APDUs, "
        "given as hex or in a file (JSON, libmbus XML for wired M-Bus, or text for HAN)");
    app->add_option("--format", o->format,
                    "json (default), xml or xml-normalized (as libmbus's mbus_parse_hex; wired M-Bus only), "
                    "text (HAN only)")
        ->check(CLI::IsMember({"json", "xml", "xml-normalized", "text"}));
    app->add_option(
        "--auth-key", o->auth_key,
        "HAN: authentication key, 32 hex digits (security control 30: authenticated and encrypted)");
    // As in every command that prints JSON.
    app->add_flag_callback(
        "--json", [o] { o->format = "json"; }, "The same as --format json");
    app->add_option(
           "--wmbus", o->wmbus,
           "Wireless M-Bus frame: auto (layout from L field and CRCs), a or b (format A or B with CRCs), "
           "none (without CRCs). Without this option a frame that is not a wired one is tried as wireless")
        ->check(CLI::IsMember({"auto", "a", "b", "none"}));
    app->add_option(
        "--key", o->key,
        "AES-128 key (32 hex digits): of an encrypted wireless telegram (mode 5, 7, ELL), or HAN's "
        "global unicast encryption key for general-glo-ciphering (DB)");
    app->add_option("input", o->input,
                    "hex string (several words are one string), files (each decoded in turn), or - for stdin "
                    "(the default); `decode -- HEX` as well")
        ->expected(0, -1);
    return {app, [o] { return run_decode(*o); }};
}

const bool registered = add_command(&setup);

} // namespace

} // namespace mbus::cli
