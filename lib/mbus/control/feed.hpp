#pragma once
// One bus's records for the control API: each transcript record gets its sequence number `seq` and is
// made into its JSON line once; the last `keep` lines stay for GET .../transcript?since=N, and every
// stream subscriber gets them in its own bounded queue. A subscriber that falls behind loses records
// (counted, and told in a {"kind":"dropped","count":N} message before the next one): the bus never
// waits for anyone. Per-meter counts are kept from the same records.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <mbus/harness/record.hpp>
#include <mbus/runtime/runner.hpp>

namespace mbus::control {

using line_ptr = std::shared_ptr<const std::string>;

class subscriber {
  public:
    // `wake` is called when the queue goes from empty to not empty (the writer parks until then).
    subscriber(std::size_t limit, std::function<void()> wake) : limit_(limit), wake_(std::move(wake)) {}
    void push(line_ptr line);
    // What waits, oldest first, with the dropped notice first after a loss; empties the queue.
    std::vector<line_ptr> take();
    bool empty() const { return queue_.empty() && dropped_ == 0; }
    std::uint64_t dropped_total() const { return dropped_total_; }

  private:
    std::size_t limit_;
    std::function<void()> wake_;
    std::deque<line_ptr> queue_;
    std::uint64_t dropped_{0}; // since the last take()
    std::uint64_t dropped_total_{0};
};

struct meter_counts {
    std::uint64_t requests{0}; // requests the meter took
    std::uint64_t answers{0};  // of those, answers of its that went on the wire
};

class feed {
  public:
    feed(runtime::runner& r, std::size_t keep = 10000);
    feed(const feed&) = delete;
    feed& operator=(const feed&) = delete;
    ~feed();
    // Stops following the runner (before the runner goes away); later records are not seen.
    void detach();

    // The records kept with seq >= since, oldest first.
    std::vector<line_ptr> since(std::uint64_t since) const;
    std::uint64_t next_seq() const { return next_; }

    std::shared_ptr<subscriber> subscribe(std::size_t limit, std::function<void()> wake);
    void unsubscribe(const std::shared_ptr<subscriber>& s);
    std::size_t subscribers() const { return subs_.size(); }

    const std::map<std::string, meter_counts>& meters() const { return meters_; }

    void add(const harness::record& r); // what the runner calls, public for tests

  private:
    runtime::runner* runner_;
    std::uint64_t token_{0};
    std::size_t keep_;
    std::uint64_t next_{0};
    std::deque<line_ptr> kept_; // seq next_ - kept_.size() .. next_ - 1
    std::vector<std::shared_ptr<subscriber>> subs_;
    std::map<std::string, meter_counts> meters_;
};

} // namespace mbus::control
