#pragma once
// Access to ../shared/corpus (outside truth: telegrams from other projects with their decodes).
// The corpus is never copied into this project.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mbus::test {

// The corpus folder: $MBUS_CORPUS if set, else <source>/../shared/corpus. Empty when missing, after
// printing a clear note on stderr (once).
std::optional<std::filesystem::path> corpus_dir();

// Whole file as a string; throws std::runtime_error naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& p);

// Files in `dir` whose name ends in `suffix`, sorted.
std::vector<std::filesystem::path> files_with_suffix(const std::filesystem::path& dir,
                                                     const std::string& suffix);

} // namespace mbus::test
