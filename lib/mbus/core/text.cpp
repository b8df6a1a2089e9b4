#include <mbus/core/text.hpp>

#include <algorithm>
#include <cctype>

namespace mbus {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
    return out;
}

} // namespace mbus
