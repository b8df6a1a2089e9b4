#include <mbus/harness/exchange.hpp>

namespace mbus::harness {

std::string_view name(fate f) {
    switch (f) {
    case fate::answered: return "answered";
    case fate::silent: return "silent";
    case fate::gone: return "gone";
    case fate::write_failed: return "write failed";
    case fate::stopped: return "stopped";
    }
    return "?";
}

void reset(exchange& x) {
    x.number = 0;
    x.bus.clear();
    reset(x.request);
    reset(x.outcome);
    x.end = fate::silent;
    x.notes.clear();
    x.intact_from.clear();
    x.chosen_delay = std::chrono::microseconds{0};
    x.since_request = {};
    x.on_wire = {};
    x.paced = false;
    x.baud = 0;
    x.error.clear();
}

} // namespace mbus::harness
