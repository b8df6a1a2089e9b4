#pragma once
// One bus's records for the control API. Each transcript record gets its sequence number `seq` and
// is kept, as the value the runtime gave (with the facts only: the feed asks the runtime for no
// words), in a ring of slots that are reused: once the ring has gone round, keeping a record copies
// its bytes into storage that is already there, so a bus that nobody watches pays a copy and no
// allocation per record. A record is made into its JSON line, words included, once and only when
// someone asks for it: GET .../transcript?since=N or a stream subscriber; the line stays in its slot
// (its storage reused too) for every other reader.
// The last `keep` records stay for the transcript. A stream subscriber holds no records of its own:
// it counts the run of sequence numbers that waits for it (at most its limit), and gets their lines
// appended to one buffer, its message, when its writer takes them. A subscriber that falls behind
// loses records (counted, and told in a {"kind":"dropped","count":N} line before the next one): the
// bus never waits for anyone. Per-meter counts are kept from the same records.

#include <algorithm>
#include <cstdint>
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
    feed_record() = default;
    feed_record(std::uint64_t seq, const harness::record& r) { assign(seq, r); }
    // Another record in this slot: the storage of the one before is reused.
    void assign(std::uint64_t seq, const harness::record& r);
    std::uint64_t seq() const { return seq_; }
    // The transcript line (harness::to_json_line with "seq"), with the words the runtime left out
    // (summaries and more_follows) filled in as the runtime would have.
    const std::string& line() const;
    // The same line appended to `out`: the kept one once line() made it, or else written straight
    // into `out` (a stream subscriber's message), with no line of its own to copy. The words are
    // filled in once either way.
    void append_line(std::string& out) const;

  private:
    void write(std::string& out) const;
    std::uint64_t seq_{0};
    mutable harness::record record_; // its words filled in by line() or append_line()
    mutable std::string line_;
    mutable bool made_{false};
};

// The words of a record given with facts only (runtime::sink_reads::facts): a request's summary, a
// reply's summary and more_follows, from its bytes (read in place, nothing decoded into values).
// Records that have them stay as they are.
void fill_words(harness::record& r);

class feed;

class subscriber {
  public:
    // `wake` is called when the queue goes from empty to not empty (the writer parks until then;
    // not while wake_when_urgent_only) and when it becomes urgent.
    subscriber(const feed& f, std::size_t limit, std::function<void()> wake)
        : feed_(&f), limit_(limit), wake_(std::move(wake)) {}
    void push(std::uint64_t seq); // what the feed calls for each new record
    // What waits, as one stream message: its JSON lines oldest first, separated by '\n' (none at the
    // end), after a dropped line when records were lost since the last take; empties the queue. The
    // text lives in the subscriber and stays as it is until the next take().
    const std::string& take();
    bool empty() const { return count_ == 0 && dropped_ == 0; }
    // Half the limit waits, or records were lost: the writer should not wait for its interval.
    bool urgent() const { return count_ >= high_water() || dropped_ != 0; }
    // While the writer waits for its interval anyway, a record that comes wakes it only when urgent:
    // a busy bus costs one wake-up per message, not two.
    void wake_when_urgent_only(bool on) { urgent_only_ = on; }
    std::uint64_t dropped_total() const { return dropped_total_; }

  private:
    std::size_t high_water() const { return std::max<std::size_t>(1, limit_ / 2); }
    const feed* feed_;
    std::size_t limit_;
    std::function<void()> wake_;
    // The records that wait are seq first_ .. first_ + count_ - 1: records come in order and the
    // ones beyond the limit are dropped, so what waits is one run until take() empties it.
    std::uint64_t first_{0};
    std::size_t count_{0};
    std::uint64_t dropped_{0}; // since the last take()
    std::uint64_t dropped_total_{0};
    bool urgent_only_{false};
    std::string message_;
};

struct meter_counts {
    std::uint64_t requests{0}; // requests the meter took
    std::uint64_t answers{0};  // of those, answers of its that went on the wire
};

class feed {
  public:
    // Keeps the last `keep` records (at least one); a subscriber's limit is at most that many.
    feed(runtime::runner& r, std::size_t keep = 10000);
    feed(const feed&) = delete;
    feed& operator=(const feed&) = delete;
    ~feed();
    // Stops following the runner (before the runner goes away); later records are not seen.
    void detach();

    // The records kept with seq >= since, oldest first; valid until the next record comes.
    std::vector<const feed_record*> since(std::uint64_t since) const;
    std::uint64_t next_seq() const { return next_; }
    // The record `seq` while it is kept; null when it is gone (or yet to come).
    const feed_record* at(std::uint64_t seq) const;

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
    // Slot seq % keep_ holds seq; the ring grows to keep_ slots, then wraps.
    std::vector<feed_record> ring_;
    std::vector<std::shared_ptr<subscriber>> subs_;
    std::map<std::string, meter_counts> meters_;
};

} // namespace mbus::control
