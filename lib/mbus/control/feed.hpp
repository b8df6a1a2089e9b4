#pragma once
// One bus's records for the control API. Each transcript record gets its sequence number `seq` and
// is kept as the value the runtime gave (with the facts only: the feed asks the runtime for no words),
// and is made into its JSON line, words included, once and only when someone asks for it: GET
// .../transcript?since=N or a stream subscriber. A bus that nobody watches pays a copy per record.
// The last `keep` records stay for the transcript, and every stream subscriber gets them in its own
// bounded queue. A subscriber that falls behind loses records (counted, and told in a
// {"kind":"dropped","count":N} line before the next one): the bus never waits for anyone.
// Per-meter counts are kept from the same records.

#include <algorithm>
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

// A record of the feed; line() makes its JSON line on first use and keeps it.
class feed_record {
  public:
    feed_record(std::uint64_t seq, harness::record r) : seq_(seq), record_(std::move(r)) {}
    std::uint64_t seq() const { return seq_; }
    // The transcript line (harness::to_json_line with "seq"), with the words the runtime left out
    // (summaries, the reply's decoded frame and more_follows) filled in as the runtime would have.
    const std::string& line() const;

  private:
    std::uint64_t seq_;
    mutable harness::record record_; // its words filled in by line()
    mutable std::string line_;       // empty until asked (a line is never empty)
};

using record_ptr = std::shared_ptr<const feed_record>;

// The words of a record given with facts only (runtime::sink_reads::facts): a request's summary, a
// reply's frame, summary and more_follows, from its frame and bytes. Records that have them stay.
void fill_words(harness::record& r);

class subscriber {
  public:
    // `wake` is called when the queue goes from empty to not empty (the writer parks until then) and
    // when it becomes urgent.
    subscriber(std::size_t limit, std::function<void()> wake) : limit_(limit), wake_(std::move(wake)) {}
    void push(record_ptr r);
    // What waits, as one stream message: its JSON lines oldest first, separated by '\n' (none at the
    // end), after a dropped line when records were lost since the last take; empties the queue.
    std::string take();
    bool empty() const { return queue_.empty() && dropped_ == 0; }
    // Half the limit waits, or records were lost: the writer should not wait for its interval.
    bool urgent() const { return queue_.size() >= high_water() || dropped_ != 0; }
    std::uint64_t dropped_total() const { return dropped_total_; }

  private:
    std::size_t high_water() const { return std::max<std::size_t>(1, limit_ / 2); }
    std::size_t limit_;
    std::function<void()> wake_;
    std::deque<record_ptr> queue_;
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
    std::vector<record_ptr> since(std::uint64_t since) const;
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
    std::deque<record_ptr> kept_; // seq next_ - kept_.size() .. next_ - 1
    std::vector<std::shared_ptr<subscriber>> subs_;
    std::map<std::string, meter_counts> meters_;
};

} // namespace mbus::control
