#include <mbus/app/manufacturer.hpp>
#include <mbus/app/meaning_errc.hpp>

#include <fmt/format.h>

namespace mbus::app {

result<std::uint16_t> manufacturer_code(std::string_view letters) {
    if (letters.size() != 3) return meaning_errc::invalid_manufacturer;
    unsigned code = 0;
    for (const char ch : letters) {
        char c = ch;
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c < 'A' || c > 'Z') return meaning_errc::invalid_manufacturer;
        code = code << 5 | static_cast<unsigned>(c - 64);
    }
    return static_cast<std::uint16_t>(code);
}

std::string manufacturer_letters(std::uint16_t code) {
    std::string s(3, ' ');
    s[0] = static_cast<char>(((code >> 10) & 0x1F) + 64);
    s[1] = static_cast<char>(((code >> 5) & 0x1F) + 64);
    s[2] = static_cast<char>((code & 0x1F) + 64);
    return s;
}

bool valid_manufacturer(std::uint16_t code) {
    if ((code & 0x8000) != 0) return false;
    for (const int shift : {10, 5, 0}) {
        const int c = (code >> shift) & 0x1F;
        if (c < 1 || c > 26) return false;
    }
    return true;
}

result<std::uint32_t> id_from_string(std::string_view digits, bool allow_wildcards) {
    if (digits.size() != 8) return meaning_errc::invalid_id;
    std::uint32_t v = 0;
    for (const char c : digits) {
        unsigned nibble = 0;
        if (c >= '0' && c <= '9')
            nibble = static_cast<unsigned>(c - '0');
        else if (allow_wildcards && (c == 'F' || c == 'f'))
            nibble = 0xF;
        else
            return meaning_errc::invalid_id;
        v = v << 4 | nibble;
    }
    return v;
}

std::string id_to_string(std::uint32_t bcd) { return fmt::format("{:08X}", bcd); }

bool valid_id(std::uint32_t bcd) {
    for (int i = 0; i < 8; ++i)
        if (((bcd >> (4 * i)) & 0x0F) > 9) return false;
    return true;
}

std::optional<std::uint32_t> id_number(std::uint32_t bcd) {
    if (!valid_id(bcd)) return std::nullopt;
    std::uint32_t v = 0;
    for (int i = 7; i >= 0; --i)
        v = v * 10 + ((bcd >> (4 * i)) & 0x0F);
    return v;
}

} // namespace mbus::app
