#pragma once
// The web console's files (the source tree's web/ folder), compiled into the binary by a CMake step
// (cmake/embed_web.cmake) so that the page needs nothing but this process.

#include <optional>
#include <string_view>

namespace mbus::control {

struct asset {
    std::string_view path; // "index.html", "app.js"
    std::string_view content_type;
    std::string_view bytes;
};

// The file at `path` (without the leading '/'), or nullopt.
std::optional<asset> find_asset(std::string_view path);
// Every file, for tests and listings.
std::size_t asset_count();
asset asset_at(std::size_t i);

// By extension: text/html, text/javascript, text/css, image/svg+xml, ...; application/octet-stream
// for one not known.
std::string_view content_type_for(std::string_view path);

} // namespace mbus::control
