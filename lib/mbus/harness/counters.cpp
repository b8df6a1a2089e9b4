#include <mbus/harness/counters.hpp>

#include <fmt/format.h>

#include <ostream>

namespace mbus::harness {

void counters::add(const record& r) {
    auto& k = by_kind.at(static_cast<std::size_t>(r.request));
    switch (r.kind) {
    case record_kind::request: ++k.received; break;
    case record_kind::reply:
        ++k.answered;
        if (r.repeated) ++k.repeated;
        if (r.collision) ++k.collided;
        break;
    case record_kind::silence: ++k.ignored; break;
    case record_kind::junk:
        ++malformed;
        malformed_bytes += r.raw.size();
        break;
    case record_kind::event: break;
    }
    injected += r.injected.size();
}

void counters::add(const entry& e) {
    for_each_record(e, [this](const record& r) { add(r); });
}

kind_counters counters::total() const {
    kind_counters t;
    for (const auto& k : by_kind) {
        t.received += k.received;
        t.answered += k.answered;
        t.repeated += k.repeated;
        t.collided += k.collided;
        t.ignored += k.ignored;
    }
    return t;
}

std::ostream& operator<<(std::ostream& os, const counters& c) {
    const auto row = [&os](std::string_view name, const kind_counters& k) {
        os << fmt::format("{:<8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", name, k.received, k.answered, k.repeated,
                          k.collided, k.ignored);
    };
    os << fmt::format("{:<8} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "kind", "received", "answered", "repeated",
                      "collided", "ignored");
    for (std::size_t i = 0; i < c.by_kind.size(); ++i)
        row(link::name(static_cast<link::request_kind>(i)), c.by_kind[i]);
    row("total", c.total());
    return os << fmt::format("malformed {} ({} bytes), injected {}\n", c.malformed, c.malformed_bytes,
                             c.injected);
}

} // namespace mbus::harness
