#include <mbus/runtime/in_process_bus.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace mbus::runtime {

namespace {

runner_options immediate() {
    runner_options o;
    o.immediate = true;
    return o;
}

} // namespace

in_process_bus::in_process_bus(const scenario::scenario& sc)
    : runner_(std::make_unique<runtime::runner>(io_.get_executor(), sc, immediate())) {
    runner_->subscribe([this](const harness::entry& e) { entries_.push_back(e); });
    auto [master, bus_end] = transport::memory_stream::make_pair(io_.get_executor(), "line");
    line_ = std::move(master);
    runner_->add(std::unique_ptr<transport::byte_stream>(std::move(bus_end)));
    settle();
}

in_process_bus::~in_process_bus() {
    runner_->stop("in-process bus destroyed");
    line_->close();
    settle();
}

void in_process_bus::settle() {
    io_.restart();
    io_.poll();
}

std::optional<harness::exchange> in_process_bus::send(const link::frame& request) {
    const auto raw = link::encode(request);
    if (!raw) return std::nullopt;
    for (auto& e : send_bytes(*raw))
        if (auto* x = std::get_if<harness::exchange>(&e)) return std::move(*x);
    return std::nullopt;
}

std::vector<harness::entry> in_process_bus::send_bytes(bytes_view raw) {
    const auto before = entries_.size();
    asio::co_spawn(io_, line_->write(raw), asio::detached);
    settle();
    return {entries_.begin() + static_cast<std::ptrdiff_t>(before), entries_.end()};
}

bytes in_process_bus::received() { return line_->take(); }

void in_process_bus::set_line_baud(unsigned baud) {
    line_->set_line(baud);
    settle();
}

std::unique_ptr<transport::byte_stream> in_process_bus::connect(std::string name) {
    auto [master, bus_end] = transport::memory_stream::make_pair(io_.get_executor(), std::move(name));
    runner_->add(std::unique_ptr<transport::byte_stream>(std::move(bus_end)));
    return std::move(master);
}

std::vector<harness::exchange> in_process_bus::exchanges() const {
    std::vector<harness::exchange> out;
    for (const auto& e : entries_)
        if (const auto* x = std::get_if<harness::exchange>(&e)) out.push_back(*x);
    return out;
}

} // namespace mbus::runtime
