#include <mbus/control/assets.hpp>

#include <array>
#include <cstddef>

namespace mbus::control {

namespace detail {
struct web_file {
    std::string_view path;
    std::string_view bytes;
};
extern const web_file web_files[]; // generated from web/ (cmake/embed_web.cmake)
extern const std::size_t web_file_count;
} // namespace detail

std::string_view content_type_for(std::string_view path) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> types{{
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".md", "text/markdown; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
        {".woff2", "font/woff2"},
    }};
    for (const auto& [ext, type] : types)
        if (path.ends_with(ext)) return type;
    return "application/octet-stream";
}

std::size_t asset_count() { return detail::web_file_count; }

asset asset_at(std::size_t i) {
    const auto& f = detail::web_files[i];
    return {f.path, content_type_for(f.path), f.bytes};
}

std::optional<asset> find_asset(std::string_view path) {
    for (std::size_t i = 0; i < detail::web_file_count; ++i)
        if (detail::web_files[i].path == path) return asset_at(i);
    return std::nullopt;
}

} // namespace mbus::control
