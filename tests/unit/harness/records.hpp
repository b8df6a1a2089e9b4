#pragma once
// Records for the harness tests: a request and a reply as a transcript holds them.

#include <mbus/core/time.hpp>
#include <mbus/harness/record.hpp>

#include <chrono>

namespace mbus::harness::test {

// 2026-11-21T12:00:00.123Z
inline const wall_time noon = std::chrono::sys_days(std::chrono::year(2026) / 11 / 21) +
                              std::chrono::hours(12) + std::chrono::milliseconds(123);

inline record request_record() {
    record r;
    r.kind = record_kind::request;
    r.t = 1.234;
    r.wall = noon;
    r.session = 1;
    r.raw = {0x10, 0x7B, 0x05, 0x80, 0x16}; // REQ_UD2 FCB=1 to 5: start, C, A, CS, stop
    r.frame = link::frame::short_frame(0x7B, 0x05);
    r.request = link::request_kind::req_ud2;
    r.summary = "REQ_UD2 a=5 fcb=1 fcv=1";
    r.line_baud = 2400;
    return r;
}

inline record reply_record() {
    record r;
    r.kind = record_kind::reply;
    r.t = 1.25;
    r.wall = noon + std::chrono::milliseconds(16);
    r.session = 1;
    r.raw = {0xE5, 0xE5}; // an ACK twice: a duplicated answer
    r.request = link::request_kind::snd_nke;
    r.summary = "ACK + ACK";
    r.meters = {"a", "b"};
    r.answered_by = {"a"};
    r.collision = false;
    r.repeated = true;
    r.injected = {"meter a: duplicated answer (fault 'dup')"};
    return r;
}

} // namespace mbus::harness::test
