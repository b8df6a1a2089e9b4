#pragma once
// Reading a small file that a user names (a scenario, a model, a state file) whole, safely: only a
// regular file, never blocking on a FIFO or a device, never more than a limit.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mbus {

// The text of the regular file `file`, or nullopt with `error` set to why not: "cannot read: No such
// file or directory", "not a regular file (a FIFO)", "is 3.0 GiB, more than the 16 MiB a scenario may
// have" (`what` names the kind of file). Reads at most `limit` + 1 bytes, even from a file that grows.
std::optional<std::string> read_small_file(const std::string& file, std::size_t limit, std::string_view what,
                                           std::string& error);

} // namespace mbus
