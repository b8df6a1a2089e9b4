#pragma once
// What the project's HAN reader makes of the bytes a meter pushed: frames split and checked, joined
// when segmented, then LLC, APDU and object list, with the bad frames and the junk it skipped. The
// HAN tests read the simulator's output through it, as AMSHAN or HANmeter read a meter's.

#include <mbus/core/bytes.hpp>
#include <mbus/han/apdu.hpp>
#include <mbus/han/hdlc.hpp>
#include <mbus/han/objects.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <system_error>
#include <variant>
#include <vector>

namespace mbus::test {

struct han_heard {
    std::vector<han::object_list> lists;
    std::vector<std::error_code> bad; // frames that failed their checks
    std::size_t junk = 0;             // runs of bytes between frames
    std::size_t leading_junk = 0;     // bytes before the first frame: the tail of a push the reader joined
    std::vector<std::error_code> undecodable; // whole frames whose list did not decode
};

inline han_heard read_han(bytes_view wire, const han::keys& k = {}) {
    han_heard h;
    han::hdlc_splitter split;
    han::hdlc_reassembler join;
    bool framed = false; // a frame seen, good or bad
    for (const auto& ev : split.feed(wire)) {
        if (const auto* b = std::get_if<han::hdlc_bad_frame>(&ev)) h.bad.push_back(b->error);
        if (const auto* j = std::get_if<han::hdlc_junk>(&ev)) {
            // A reader that opens the line (or connects) while a push is on the way hears its tail
            // first, as one plugged into a meter mid-frame does; junk after a frame is the meter's.
            if (framed)
                ++h.junk;
            else
                h.leading_junk += j->data.size();
            continue;
        }
        framed = true;
        const auto* good = std::get_if<han::hdlc_good_frame>(&ev);
        if (good == nullptr) continue;
        const auto info = join.push(good->frame);
        if (!info) continue;
        const auto apdu = han::strip_llc(*info);
        REQUIRE(apdu);
        const auto a = han::decode_apdu(*apdu, k);
        REQUIRE_MESSAGE(a, a.error().message());
        const auto l = han::objects_of(a->notification.body);
        if (!l) {
            h.undecodable.push_back(l.error());
            continue;
        }
        h.lists.push_back(*l);
    }
    return h;
}

} // namespace mbus::test
