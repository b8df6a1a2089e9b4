#include <mbus/capture/raw_log.hpp>

#include <algorithm>

namespace mbus::capture {

namespace {

constexpr byte flag = 0x7E;

// The length of the HDLC frame type 3 starting at `at` (flags included), or 0 when none starts there.
std::size_t frame_at(bytes_view s, std::size_t at) {
    if (at + 2 >= s.size() || s[at] != flag || (s[at + 1] & 0xF0) != 0xA0) return 0;
    const std::size_t length = (static_cast<std::size_t>(s[at + 1] & 0x07) << 8) | s[at + 2];
    const std::size_t total = length + 2;
    if (length < 2 || at + total > s.size() || s[at + total - 1] != flag) return 0;
    return total;
}

} // namespace

std::vector<chunk> split_frames(bytes_view stream, std::size_t max_run) {
    std::vector<chunk> out;
    max_run = std::max<std::size_t>(max_run, 1);
    bytes run;
    const auto flush_run = [&] {
        if (!run.empty()) out.push_back({std::nullopt, std::move(run)});
        run.clear();
    };
    std::size_t at = 0;
    std::size_t last_frame_end = 0; // just after the closing flag of the last frame cut
    while (at < stream.size()) {
        if (const auto n = frame_at(stream, at); n != 0) {
            flush_run();
            out.push_back({std::nullopt, bytes(stream.begin() + static_cast<std::ptrdiff_t>(at),
                                               stream.begin() + static_cast<std::ptrdiff_t>(at + n))});
            at += n;
            last_frame_end = at;
            continue;
        }
        // Frames may share a flag (IEC 62056-46 allows one flag to close a frame and open the next):
        // the next frame is then the bytes after the shared flag, which the previous chunk holds.
        if (at == last_frame_end && at > 0) {
            if (const auto n = frame_at(stream, at - 1); n != 0) {
                out.push_back(
                    {std::nullopt, bytes(stream.begin() + static_cast<std::ptrdiff_t>(at),
                                         stream.begin() + static_cast<std::ptrdiff_t>(at - 1 + n))});
                at += n - 1;
                last_frame_end = at;
                continue;
            }
        }
        run.push_back(stream[at++]);
        if (run.size() == max_run) flush_run();
    }
    flush_run();
    return out;
}

bytes joined(const std::vector<chunk>& chunks) {
    bytes out;
    for (const auto& c : chunks)
        out.insert(out.end(), c.data.begin(), c.data.end());
    return out;
}

} // namespace mbus::capture
