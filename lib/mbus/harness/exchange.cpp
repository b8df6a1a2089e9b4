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

} // namespace mbus::harness
