#include <mbus/app/json.hpp>

#include <algorithm>
#include <string>

// indent_json: compact JSON text laid out as nlohmann's dump(indent) lays it out.

namespace mbus::app {

std::string indent_json(std::string_view in, int indent) {
    std::string out;
    out.reserve(in.size() * 2);
    std::size_t depth = 0;
    const auto step = static_cast<std::size_t>(std::max(indent, 0));
    const auto newline = [&] {
        out += '\n';
        out.append(depth * step, ' ');
    };
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        switch (c) {
        case '"': { // a string as it is, escapes included
            std::size_t j = i + 1;
            while (j < in.size() && in[j] != '"')
                j += in[j] == '\\' ? std::size_t{2} : std::size_t{1};
            out.append(in.substr(i, j + 1 - i));
            i = j;
            break;
        }
        case '{':
        case '[': {
            const char close = c == '{' ? '}' : ']';
            out += c;
            if (i + 1 < in.size() && in[i + 1] == close) {
                out += close;
                ++i;
                break;
            }
            ++depth;
            newline();
            break;
        }
        case '}':
        case ']':
            if (depth > 0) --depth;
            newline();
            out += c;
            break;
        case ',':
            out += ',';
            newline();
            break;
        case ':': out += ": "; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace mbus::app
