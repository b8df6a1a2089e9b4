#include <mbus/runtime/fleet.hpp>

namespace mbus::runtime {

runner& fleet::add(const scenario::scenario& sc, runner_options options) {
    auto& r = *buses_.emplace_back(std::make_unique<runner>(ex_, sc, options));
    ++running_;
    r.on_stop([this, &r] {
        --running_;
        if (on_stop_) on_stop_(&r);
        if (running_ == 0 && on_stop_) on_stop_(nullptr);
    });
    return r;
}

fleet::~fleet() {
    on_stop_ = nullptr;
    stop("fleet destroyed");
}

runner* fleet::find(std::string_view name) {
    for (auto& b : buses_)
        if (b->name() == name) return b.get();
    return nullptr;
}

void fleet::stop(const std::string& why) {
    for (auto& b : buses_)
        b->stop(why);
}

} // namespace mbus::runtime
