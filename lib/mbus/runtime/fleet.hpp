#pragma once
// Several buses in one process, on one io_context: each bus is a runner with its own streams, and
// none waits for another (each serves its own queue; a wait is a timer, never a block). The fleet
// stops them together and says when the last one has stopped.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <mbus/runtime/runner.hpp>

namespace mbus::runtime {

class fleet {
  public:
    explicit fleet(asio::any_io_executor ex) : ex_(std::move(ex)) {}
    fleet(const fleet&) = delete;
    fleet& operator=(const fleet&) = delete;
    ~fleet(); // stops every bus without calling on_stop

    // A new bus; it runs from now on. References stay valid as long as the fleet.
    runner& add(const scenario::scenario& sc, runner_options options = {});

    std::size_t size() const { return buses_.size(); }
    runner& operator[](std::size_t i) { return *buses_.at(i); }
    // The bus with this name; null when there is none.
    runner* find(std::string_view name);

    // Stops every bus that still runs.
    void stop(const std::string& why);
    // Called for each bus as it stops, then once more (with null) when every bus has stopped.
    void on_stop(std::function<void(runner*)> fn) { on_stop_ = std::move(fn); }
    std::size_t running() const { return running_; }

  private:
    asio::any_io_executor ex_;
    std::vector<std::unique_ptr<runner>> buses_;
    std::size_t running_{0};
    std::function<void(runner*)> on_stop_;
};

} // namespace mbus::runtime
