#include <mbus/capture/hex_dump.hpp>

#include <fmt/format.h>

namespace mbus::capture {

dump_contents read_hex_dump(std::string_view text) {
    dump_contents out;
    int number = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        const auto raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++number;
        const auto hex = raw.substr(0, raw.find('#'));
        if (hex.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        auto b = from_hex(hex);
        if (!b) {
            // from_hex names the offset of the offence in its input: the column follows from it.
            const auto first = hex.find_first_not_of(" \t\r,:0123456789abcdefABCDEFxX");
            const int column = first == std::string_view::npos ? 1 : static_cast<int>(first) + 1;
            out.problems.push_back({number, column, fmt::format("not hex: {}", b.error().message())});
            continue;
        }
        out.chunks.push_back({std::nullopt, std::move(*b)});
    }
    return out;
}

} // namespace mbus::capture
