#include <mbus/control/feed.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/runtime/summary.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>

namespace mbus::control {

void fill_words(harness::record& r) {
    using harness::record_kind;
    if (r.kind == record_kind::request && r.summary.empty() && r.frame) {
        r.summary = runtime::summarize(*r.frame);
    } else if (r.kind == record_kind::reply && r.summary.empty() && !r.frame && !r.raw.empty()) {
        auto decoded = runtime::decode_wire(r.raw);
        r.frame = std::move(decoded.frame);
        r.summary = std::move(decoded.summary);
        r.more_follows = decoded.more_follows;
    }
}

const std::string& feed_record::line() const {
    if (line_.empty()) {
        // The words go into the kept record itself (nobody reads it but this): no copy per line.
        fill_words(record_);
        harness::append_json_line(line_, record_);
        // The transcript line is one object: "seq" goes in before its closing brace.
        line_.pop_back();
        line_ += ",\"seq\":";
        char digits[20];
        line_.append(digits, std::to_chars(std::begin(digits), std::end(digits), seq_).ptr);
        line_ += '}';
    }
    return line_;
}

void subscriber::push(record_ptr r) {
    if (queue_.size() >= limit_) {
        ++dropped_; // the writer was woken at half the limit already
        ++dropped_total_;
        return;
    }
    const bool was_empty = empty();
    queue_.push_back(std::move(r));
    if ((was_empty || queue_.size() == high_water()) && wake_) wake_();
}

std::string subscriber::take() {
    std::string out;
    if (dropped_ != 0) {
        out = fmt::format("{{\"kind\":\"dropped\",\"count\":{}}}", dropped_);
        dropped_ = 0;
    }
    for (const auto& r : queue_) {
        if (!out.empty()) out += '\n';
        out += r->line();
    }
    queue_.clear();
    return out;
}

feed::feed(runtime::runner& r, std::size_t keep) : runner_(&r), keep_(keep) {
    // Facts only: the words are made when a record is asked for (feed_record::line).
    token_ = r.subscribe(
        [this](const harness::entry& e) {
            harness::for_each_record(e, [this](const auto& rec) { add(rec); });
        },
        runtime::sink_reads::facts);
}

feed::~feed() { detach(); }

void feed::detach() {
    if (runner_ != nullptr) runner_->unsubscribe(token_);
    runner_ = nullptr;
}

void feed::add(const harness::record& r) {
    auto kept = std::make_shared<const feed_record>(next_++, r);
    for (const auto& s : subs_)
        s->push(kept);
    kept_.push_back(std::move(kept));
    if (kept_.size() > keep_) kept_.pop_front();

    using harness::record_kind;
    if (r.kind == record_kind::reply || r.kind == record_kind::silence) {
        for (const auto& m : r.meters)
            ++meters_[m].requests;
        for (const auto& m : r.answered_by)
            ++meters_[m].answers;
    }
}

std::vector<record_ptr> feed::since(std::uint64_t since) const {
    const auto first = next_ - kept_.size();
    const auto from = std::max(since, first);
    if (from >= next_) return {};
    return {kept_.begin() + static_cast<std::ptrdiff_t>(from - first), kept_.end()};
}

std::shared_ptr<subscriber> feed::subscribe(std::size_t limit, std::function<void()> wake) {
    return subs_.emplace_back(std::make_shared<subscriber>(limit, std::move(wake)));
}

void feed::unsubscribe(const std::shared_ptr<subscriber>& s) { std::erase(subs_, s); }

} // namespace mbus::control
