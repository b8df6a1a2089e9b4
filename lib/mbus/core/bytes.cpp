#include <mbus/core/bytes.hpp>
#include <mbus/core/errc.hpp>

namespace mbus {

std::string to_hex(bytes_view data, std::string_view separator) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(data.size() * (2 + separator.size()));
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (i != 0) out += separator;
        out += digits[data[i] >> 4];
        out += digits[data[i] & 0x0F];
    }
    return out;
}

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
bool is_separator(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':' || c == ',' || c == '\v' || c == '\f';
}
} // namespace

result<bytes> from_hex(std::string_view text) {
    bytes out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (is_separator(text[i])) {
            ++i;
            continue;
        }
        if (text[i] == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) i += 2;
        if (i >= text.size()) return errc::invalid_hex;
        const int hi = hex_value(text[i]);
        if (hi < 0) return errc::invalid_hex;
        const int lo = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        if (lo < 0) {
            // A lone digit is a byte only when a separator (or the end) follows it.
            if (i + 1 < text.size() && !is_separator(text[i + 1])) return errc::invalid_hex;
            out.push_back(static_cast<byte>(hi));
            i += 1;
            continue;
        }
        out.push_back(static_cast<byte>(hi << 4 | lo));
        i += 2;
    }
    if (out.empty()) return errc::empty_input;
    return out;
}

} // namespace mbus
