#pragma once
// Counters per request kind, built from transcript records: for the summary at exit and as JSON.

#include <array>
#include <cstdint>
#include <iosfwd>

#include <mbus/harness/exchange.hpp>
#include <mbus/harness/record.hpp>
#include <mbus/link/request_kind.hpp>

namespace mbus::harness {

struct kind_counters {
    std::uint64_t received{0}; // requests of this kind
    std::uint64_t answered{0}; // that put something on the wire
    std::uint64_t repeated{0}; // answered with a repetition (same FCB)
    std::uint64_t collided{0}; // answered by more than one meter at once
    std::uint64_t ignored{0};  // nobody answered
    friend bool operator==(const kind_counters&, const kind_counters&) = default;
};

struct counters {
    std::array<kind_counters, link::request_kind_count> by_kind{};
    std::uint64_t malformed{0};       // junk records: bytes that were no frame
    std::uint64_t malformed_bytes{0}; // the bytes they covered
    std::uint64_t injected{0};        // faults injected
    void add(const record& r);
    void add(const entry& e); // its records (for_each_record)
    const kind_counters& operator[](link::request_kind k) const {
        return by_kind.at(static_cast<std::size_t>(k));
    }
    kind_counters total() const;
    friend bool operator==(const counters&, const counters&) = default;
};
std::ostream& operator<<(std::ostream& os, const counters& c); // a small table for people

} // namespace mbus::harness
