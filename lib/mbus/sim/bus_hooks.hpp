#pragma once
// Where faults and timelines reach into the bus (sim/fault.hpp implements it). The bus itself
// injects nothing: without hooks it is the plain wire.

#include <cstdint>
#include <string>
#include <vector>

#include <mbus/link/frame.hpp>
#include <mbus/sim/now.hpp>

namespace mbus::sim {

struct answer;
class slave;

// What the bus knows about a request beyond its frame.
struct request_context {
    unsigned line_baud{0};         // the rate the master uses (0: unknown, as on a pty or TCP)
    std::size_t preamble_zeros{0}; // 0x00 bytes the master sent right before the frame (a wake-up preamble)
    std::uint64_t index{0};        // requests the bus handled before this one
    bytes raw;                     // the request as it came (for echoes)
    friend bool operator==(const request_context&, const request_context&) = default;
};

// The slaves a hook must be offered every request, whatever it is addressed to.
struct listeners {
    bool all{false};
    std::vector<std::size_t> slaves;
    friend bool operator==(const listeners&, const listeners&) = default;
};

class bus_hooks {
  public:
    virtual ~bus_hooks() = default;
    // The bus offers a request only to the slaves it concerns (its primary address, the meters a
    // select may select, the selected ones at FD, everyone at FE and FF), plus these: slaves whose
    // hook may make them hear what is not addressed to them, or count what they hear. By default
    // all of them, as a bus that offered every request to every slave did.
    virtual listeners listening() const { return {true, {}}; }
    // Before slave `index` sees the request. False: it does not hear it at all. May change the frame
    // this slave sees (a meter that answers at every address sees its own address).
    virtual bool offer(std::size_t index, slave& s, link::frame& request, const request_context& ctx,
                       const sim_now& now) = 0;
    // After the slaves answered, before the wire combines the answers: may drop, delay, corrupt,
    // duplicate or add answers. Each fault it injects adds one line to `injected` ("meter heat-2:
    // no answer (fault 'flaky')"), so that logs and transcripts show it.
    virtual void shape(const link::frame& request, const request_context& ctx, const sim_now& now,
                       std::vector<answer>& answers, std::vector<std::string>& injected) = 0;
};

} // namespace mbus::sim
