// libFuzzer: link::stream_parser on arbitrary bytes, cut into chunks with arrival times taken from
// the input. Checks that the events cover every byte exactly once and in order, that frame events
// are real frames, and that how the stream is cut does not change the events.
//
// Input layout, repeated: a control byte, then the chunk. Control bits 0-4: chunk length (0-31);
// bits 5-6: time step before the chunk (0, 1 ms, 9 ms, 11 ms with a 10 ms gap timeout); bit 7: call
// expire() at the chunk's time before feeding it.

#include <mbus/link/errc.hpp>
#include <mbus/link/stream_parser.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace mbus;
using namespace mbus::link;
using namespace std::chrono_literals;

namespace {
void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

constexpr auto gap = 10ms;

struct chunk {
    bytes_view data;
    time_point at;
    bool expire_first;
};

void check_events(const std::vector<stream_event>& ev, const bytes& fed) {
    bytes covered;
    time_point previous{};
    for (const auto& e : ev) {
        require(!e.raw.empty(), "no empty event");
        require(e.first <= e.last && previous <= e.first, "times in order");
        previous = e.last;
        covered.insert(covered.end(), e.raw.begin(), e.raw.end());
        if (e.is_frame()) {
            require(!e.error, "frames carry no error");
            const auto d = decode(e.raw);
            require(d && d->size == e.raw.size() && d->value == e.f, "a frame event is its raw bytes");
        } else {
            require(e.error && e.error.category() == link_category(), "junk says why");
            require(!decode(e.raw), "junk does not start with a frame");
        }
    }
    require(covered == fed, "events cover every byte once, in order");
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<chunk> chunks;
    bytes fed;
    time_point now{};
    for (std::size_t i = 0; i < size;) {
        const std::uint8_t control = data[i++];
        static constexpr std::chrono::milliseconds steps[] = {0ms, 1ms, 9ms, 11ms};
        now += steps[(control >> 5) & 3];
        const std::size_t len = std::min<std::size_t>(control & 0x1F, size - i);
        chunks.push_back({bytes_view(data + i, len), now, (control & 0x80) != 0});
        fed.insert(fed.end(), data + i, data + i + len);
        i += len;
    }

    // As cut and timed by the input.
    stream_parser p(gap);
    std::vector<stream_event> timed;
    for (const auto& c : chunks) {
        if (c.expire_first)
            for (auto& e : p.expire(c.at))
                timed.push_back(std::move(e));
        for (auto& e : p.feed(c.data, c.at))
            timed.push_back(std::move(e));
    }
    for (auto& e : p.finish())
        timed.push_back(std::move(e));
    require(!p.has_partial(), "finish holds nothing back");
    check_events(timed, fed);

    // With no gaps, the cuts must not matter: the same chunks at one time against one whole chunk.
    stream_parser cut(gap), whole(gap);
    std::vector<stream_event> a, b;
    for (const auto& c : chunks)
        for (auto& e : cut.feed(c.data, time_point{}))
            a.push_back(std::move(e));
    for (auto& e : cut.finish())
        a.push_back(std::move(e));
    for (auto& e : whole.feed(fed, time_point{}))
        b.push_back(std::move(e));
    for (auto& e : whole.finish())
        b.push_back(std::move(e));
    require(a == b, "events do not depend on the cuts");
    check_events(b, fed);
    return 0;
}
