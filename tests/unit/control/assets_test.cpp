// control/assets.hpp: the web console compiled in, byte for byte the source tree's web/ folder, with
// the content types browsers need (a module script served as anything but JavaScript is refused),
// and a page that loads nothing from another origin.

#include <mbus/control/assets.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

using namespace mbus;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Every src= and href= value of a page, every module import and fetch() path of a script.
std::set<std::string> references(const std::string& text) {
    std::set<std::string> out;
    static const std::regex patterns[] = {
        std::regex(R"re((?:src|href)\s*=\s*"([^"]*)")re"),
        std::regex(R"re(import\s[^;]*?from\s+'([^']*)')re"),
        std::regex(R"re(fetch\(\s*'([^']*)')re"),
    };
    for (const auto& re : patterns)
        for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
            out.insert((*it)[1].str());
    return out;
}

bool same_origin(const std::string& ref) {
    return ref.find("://") == std::string::npos && !ref.starts_with("//") && !ref.starts_with("data:") &&
           !ref.starts_with("javascript:");
}

} // namespace

TEST_CASE("assets: every file of web/ is served, byte for byte") {
    const fs::path web = fs::path(MBUS_SOURCE_DIR) / "web";
    std::size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(web)) {
        if (!e.is_regular_file()) continue;
        ++files;
        const auto rel = fs::relative(e.path(), web).generic_string();
        const auto a = control::find_asset(rel);
        REQUIRE_MESSAGE(a, rel);
        CHECK(a->path == rel);
        CHECK_MESSAGE(a->bytes == read_file(e.path()), rel);
    }
    CHECK(control::asset_count() == files);
    CHECK_FALSE(control::find_asset("/index.html")); // paths come without the leading '/'
    CHECK_FALSE(control::find_asset("../CMakeLists.txt"));
    CHECK_FALSE(control::find_asset(""));
}

TEST_CASE("assets: content types by extension") {
    CHECK(control::find_asset("index.html")->content_type == "text/html; charset=utf-8");
    CHECK(control::find_asset("app.js")->content_type == "text/javascript; charset=utf-8");
    CHECK(control::find_asset("style.css")->content_type == "text/css; charset=utf-8");
    CHECK(control::find_asset("favicon.svg")->content_type == "image/svg+xml");
    CHECK(control::content_type_for("a/b.png") == "image/png");
    CHECK(control::content_type_for("x.json") == "application/json");
    CHECK(control::content_type_for("x.js.map") == "application/octet-stream");
    CHECK(control::content_type_for("Makefile") == "application/octet-stream");
}

TEST_CASE("assets: the page and its scripts reference only files of this origin that exist") {
    std::size_t checked = 0;
    for (std::size_t i = 0; i < control::asset_count(); ++i) {
        const auto a = control::asset_at(i);
        if (!a.path.ends_with(".html") && !a.path.ends_with(".js")) continue;
        for (const auto& ref : references(std::string(a.bytes))) {
            ++checked;
            CHECK_MESSAGE(same_origin(ref), a.path, " references ", ref);
            if (ref.empty() || ref.starts_with("#") || ref.starts_with("/api/")) continue;
            auto file = ref.starts_with("./") ? ref.substr(2) : ref.starts_with("/") ? ref.substr(1) : ref;
            CHECK_MESSAGE(control::find_asset(file), a.path, " references ", ref, ", which is not served");
        }
    }
    CHECK(checked >= 5); // the page's stylesheet, icon and script, the scripts' imports: the patterns match
    const auto index = std::string(control::find_asset("index.html")->bytes);
    CHECK(references(index).count("app.js") == 1);
}
