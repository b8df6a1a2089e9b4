#pragma once
// How a stream's last reads went, for detail::read_some_in_place (stream_io.hpp): apart, so that a
// transport's header holds it without Asio's read and write templates.

namespace mbus::transport::detail {

struct in_place_reads {
    unsigned streak{0}; // reads served in place in a row
    unsigned misses{0}; // attempts in a row that found nothing there
};

} // namespace mbus::transport::detail
