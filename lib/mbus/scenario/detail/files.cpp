#include <mbus/scenario/detail/tables.hpp>

#include <mbus/core/file.hpp>

#include <filesystem>

#include <fmt/format.h>

namespace mbus::scenario::detail {

std::unique_ptr<toml::table> parse_toml(sink& s, std::string_view text, const std::string& shown) {
    try {
        return std::make_unique<toml::table>(toml::parse(text, shown));
    } catch (const toml::parse_error& e) {
        auto where = e.source();
        // toml++ names the file it was given; keep that even if it left the path out.
        if (!where.path) where.path = std::make_shared<const std::string>(shown);
        s.error(where, {}, std::string(e.description()));
        return nullptr;
    }
}

std::optional<std::string> read_text(const std::string& file, std::string_view what, std::string& error) {
    return read_small_file(file, max_file_size, what, error);
}

std::string canonical_name(const std::string& file) {
    std::error_code ec;
    auto p = std::filesystem::weakly_canonical(file, ec);
    return ec ? std::filesystem::path(file).lexically_normal().string() : p.string();
}

const toml::table* model_store::get(sink& s, const toml::node& at, const std::string& path,
                                    const std::string& from, const std::string& name, std::string& shown) {
    shown = (std::filesystem::path(from).parent_path() / name).lexically_normal().string();
    const auto key = canonical_name(shown);
    if (const auto it = cache_.find(key); it != cache_.end()) {
        if (!it->second) s.error(at, path, fmt::format("model \"{}\" cannot be used (see above)", shown));
        return it->second.get();
    }
    std::string error;
    const auto text = read_text(shown, "a model", error);
    if (!text) {
        s.error(at, path, fmt::format("model \"{}\": {}", shown, error));
        cache_[key] = nullptr;
        return nullptr;
    }
    auto table = parse_toml(s, *text, shown);
    const auto* out = table.get();
    cache_[key] = std::move(table);
    return out;
}

} // namespace mbus::scenario::detail
