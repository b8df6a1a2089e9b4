#include <mbus/control/feed.hpp>
#include <mbus/harness/jsonl.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace mbus::control {

void subscriber::push(line_ptr line) {
    if (queue_.size() >= limit_) {
        ++dropped_;
        ++dropped_total_;
        return;
    }
    const bool was_empty = empty();
    queue_.push_back(std::move(line));
    if (was_empty && wake_) wake_();
}

std::vector<line_ptr> subscriber::take() {
    std::vector<line_ptr> out;
    out.reserve(queue_.size() + 1);
    if (dropped_ != 0) {
        out.push_back(std::make_shared<const std::string>(
            nlohmann::json{{"kind", "dropped"}, {"count", dropped_}}.dump()));
        dropped_ = 0;
    }
    for (auto& l : queue_)
        out.push_back(std::move(l));
    queue_.clear();
    return out;
}

feed::feed(runtime::runner& r, std::size_t keep) : runner_(&r), keep_(keep) {
    token_ = r.on_record([this](const harness::record& rec) { add(rec); });
}

feed::~feed() { detach(); }

void feed::detach() {
    if (runner_ != nullptr) runner_->unsubscribe(token_);
    runner_ = nullptr;
}

void feed::add(const harness::record& r) {
    auto j = harness::to_json(r);
    j["seq"] = next_++;
    auto line = std::make_shared<const std::string>(j.dump());
    kept_.push_back(line);
    if (kept_.size() > keep_) kept_.pop_front();
    for (const auto& s : subs_)
        s->push(line);

    using harness::record_kind;
    if (r.kind == record_kind::reply || r.kind == record_kind::silence) {
        for (const auto& m : r.meters)
            ++meters_[m].requests;
        for (const auto& m : r.answered_by)
            ++meters_[m].answers;
    }
}

std::vector<line_ptr> feed::since(std::uint64_t since) const {
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
