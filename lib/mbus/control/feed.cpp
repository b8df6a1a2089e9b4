#include <mbus/control/feed.hpp>
#include <mbus/harness/jsonl.hpp>
#include <mbus/runtime/summary.hpp>

#include <charconv>
#include <iterator>

namespace mbus::control {

namespace {

void append_uint(std::string& out, std::uint64_t v) {
    char digits[20];
    out.append(digits, std::to_chars(std::begin(digits), std::end(digits), v).ptr);
}

} // namespace

void fill_words(harness::record& r) {
    using harness::record_kind;
    if (!r.summary.empty()) return;
    if (r.kind == record_kind::request && r.frame) {
        runtime::append_summary(r.summary, link::view_of(*r.frame));
    } else if (r.kind == record_kind::reply && !r.raw.empty()) {
        r.more_follows = runtime::append_wire_summary(r.summary, r.raw);
    }
}

void feed_record::assign(std::uint64_t seq, const harness::record& r) {
    seq_ = seq;
    record_ = r; // member by member: vectors and strings keep the storage they have
    made_ = false;
}

void feed_record::write(std::string& out) const {
    // The words go into the kept record itself (nobody reads it but this): no copy per line.
    fill_words(record_);
    harness::append_json_line(out, record_, seq_);
}

const std::string& feed_record::line() const {
    if (!made_) {
        line_.clear();
        write(line_);
        made_ = true;
    }
    return line_;
}

void feed_record::append_line(std::string& out) const {
    if (made_)
        out += line_;
    else
        write(out);
}

void subscriber::push(std::uint64_t seq) {
    if (count_ >= limit_) {
        ++dropped_; // the writer was woken at half the limit already
        ++dropped_total_;
        return;
    }
    const bool was_empty = empty();
    if (count_ == 0) first_ = seq;
    ++count_;
    if (((was_empty && !urgent_only_) || count_ == high_water()) && wake_) wake_();
}

const std::string& subscriber::take() {
    message_.clear();
    // Records that waited so long that the feed no longer keeps them are lost as well.
    while (count_ != 0 && feed_->at(first_) == nullptr) {
        ++first_;
        --count_;
        ++dropped_;
        ++dropped_total_;
    }
    if (dropped_ != 0) {
        message_ += "{\"kind\":\"dropped\",\"count\":";
        append_uint(message_, dropped_);
        message_ += '}';
        dropped_ = 0;
    }
    for (std::uint64_t seq = first_, end = first_ + count_; seq != end; ++seq) {
        if (!message_.empty()) message_ += '\n';
        feed_->at(seq)->append_line(message_);
    }
    count_ = 0;
    return message_;
}

feed::feed(runtime::runner& r, std::size_t keep) : runner_(&r), keep_(std::max<std::size_t>(keep, 1)) {
    // Room for the ring up front (untouched pages cost no memory), so that it does not move as it fills.
    ring_.reserve(std::min<std::size_t>(keep_, 1U << 16));
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
    const auto seq = next_++;
    if (ring_.size() < keep_)
        ring_.emplace_back(seq, r);
    else
        ring_[seq % keep_].assign(seq, r);
    for (const auto& s : subs_)
        s->push(seq);

    using harness::record_kind;
    if (r.kind == record_kind::reply || r.kind == record_kind::silence) {
        for (const auto& m : r.meters)
            ++meters_[m].requests;
        for (const auto& m : r.answered_by)
            ++meters_[m].answers;
    }
}

const feed_record* feed::at(std::uint64_t seq) const {
    if (seq >= next_ || next_ - seq > ring_.size()) return nullptr;
    return &ring_[seq % keep_];
}

std::vector<const feed_record*> feed::since(std::uint64_t since) const {
    std::vector<const feed_record*> out;
    const auto first = next_ - ring_.size();
    for (auto seq = std::max(since, first); seq < next_; ++seq)
        out.push_back(&ring_[seq % keep_]);
    return out;
}

std::shared_ptr<subscriber> feed::subscribe(std::size_t limit, std::function<void()> wake) {
    // The records that wait for a subscriber are read from the ring: it cannot wait for more.
    const auto bounded = std::clamp<std::size_t>(limit, 1, keep_);
    return subs_.emplace_back(std::make_shared<subscriber>(*this, bounded, std::move(wake)));
}

void feed::unsubscribe(const std::shared_ptr<subscriber>& s) { std::erase(subs_, s); }

} // namespace mbus::control
