#include <mbus/runtime/dongle.hpp>
#include <mbus/transport/errc.hpp>
#include <mbus/wmbus/delivered_telegram.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <array>

// As in session.cpp: GCC 12 false positive on Asio's coroutine frame allocator.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace mbus::runtime {

namespace {
// A request whose bytes stop coming for this long is dropped: the reader gave up on it, and its
// next request must not be read as the rest of it.
constexpr auto partial_timeout = std::chrono::milliseconds(500);

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
template <class... F>
overloaded(F...) -> overloaded<F...>;
} // namespace

std::string_view name(dongle_kind k) {
    switch (k) {
    case dongle_kind::im871a: return "im871a";
    case dongle_kind::amb8465: return "amb8465";
    }
    return "?";
}

std::optional<dongle_kind> dongle_from_name(std::string_view s) {
    if (s == "im871a") return dongle_kind::im871a;
    if (s == "amb8465") return dongle_kind::amb8465;
    return std::nullopt;
}

dongle::dongle(const asio::any_io_executor& ex, device d, transport::byte_stream& io, log_fn log)
    : device_(std::move(d)), io_(io), log_(std::move(log)), wake_(ex),
      started_(std::chrono::steady_clock::now()) {}

void dongle::note(const std::string& line) const {
    if (log_) log_(line);
}

std::uint32_t dongle::tick_ms() const {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
    return static_cast<std::uint32_t>(ms.count()); // wraps after 49 days, as a 32-bit tick counter does
}

void dongle::queue(bytes b) {
    out_.push_back(std::move(b));
    wake_.cancel();
}

void dongle::stop() {
    stopped_ = true;
    wake_.cancel();
    io_.close();
}

dongle_device make_dongle_device(dongle_kind kind, std::uint32_t id,
                                 const std::vector<wmbus::air_mode>& modes) {
    // Set as a reader sets it (temporary, its own request): the memory stays the factory's, and a
    // reset goes back to S2 until a reader sets a mode again, as with a real stick.
    if (kind == dongle_kind::amb8465) {
        wmbus::amb8465::device d(wmbus::amb8465::factory_memory(), id);
        const auto mode = wmbus::amb8465::mode_hearing(modes).value_or(wmbus::amb8465::mode::c2_t2_other);
        (void)d.on_request({wmbus::amb8465::cmd::set_mode_req, {mode}});
        return d;
    }
    wmbus::im871a::device_info info;
    info.uid = id;
    wmbus::im871a::config config;
    config.id = id;
    wmbus::im871a::device d(info, config);
    const auto mode = wmbus::im871a::link_mode_hearing(modes).value_or(wmbus::im871a::link_mode::c1_t1);
    wmbus::im871a::hci_frame set;
    set.endpoint = wmbus::im871a::endpoint::devmgmt;
    set.msg_id = wmbus::im871a::devmgmt::set_config_req;
    set.payload = {0x00, 0x02, mode}; // temporary; IIFlag1: link mode
    (void)d.on_request(set, 0);
    return d;
}

std::string dongle::listening() const {
    return std::visit(
        overloaded{[](const wmbus::im871a::device& d) {
                       static constexpr std::array<const char*, 11> names{
                           "S1", "S1-m", "S2", "T1", "T2", "R2", "C1a", "C1b", "C2a", "C2b", "C1/T1"};
                       const auto l = d.active().link_mode;
                       return l < names.size() ? std::string(names[l]) : fmt::format("link mode {:#04x}", l);
                   },
                   [](const wmbus::amb8465::device& d) {
                       switch (d.receive_mode()) {
                       case wmbus::amb8465::mode::s2: return std::string("S2");
                       case wmbus::amb8465::mode::t2_other: return std::string("T2-other");
                       case wmbus::amb8465::mode::c2_other: return std::string("C2-other");
                       case wmbus::amb8465::mode::c2_t2_other: return std::string("C2/T2-other");
                       default: return fmt::format("mode {:#04x}", d.receive_mode());
                       }
                   }},
        device_);
}

result<void> dongle::push(bytes_view telegram, int rssi_dbm, wmbus::air_mode mode) {
    if (!std::visit([mode](const auto& d) { return d.hears(mode); }, device_))
        return wmbus::receiver_errc::not_listening;
    auto plain = wmbus::without_block_crcs(telegram);
    if (!plain) return unexpected(plain.error());
    auto wire =
        std::visit(overloaded{[&](wmbus::im871a::device& d) -> result<bytes> {
                                  auto f = d.indication(*plain, rssi_dbm, tick_ms());
                                  if (!f) return unexpected(f.error());
                                  return wmbus::im871a::encode(*f);
                              },
                              [&](wmbus::amb8465::device& d) { return d.indication(*plain, rssi_dbm); }},
                   device_);
    if (!wire) return unexpected(wire.error());
    ++stats_.pushed;
    queue(std::move(*wire));
    return {};
}

void dongle::on_bytes(bytes_view chunk) {
    const auto now = std::chrono::steady_clock::now();
    const bool stale = now - last_byte_ > partial_timeout;
    last_byte_ = now;
    auto skipped = [&](const bytes& raw, std::error_code why) {
        stats_.junk += raw.size();
        note(fmt::format("skipped {} byte(s) [{}]: {}", raw.size(), to_hex(raw), why.message()));
    };
    auto refused = [&](std::string_view what, std::error_code why) {
        ++stats_.refused;
        note(fmt::format("no answer to {}: {}", what, why.message()));
    };
    std::visit(
        overloaded{[&](wmbus::im871a::device& d) {
                       if (stale && hci_.pending() > 0) {
                           note(fmt::format("dropped a partial request of {} byte(s)", hci_.pending()));
                           stats_.junk += hci_.pending();
                           hci_.reset();
                       }
                       for (auto& e : hci_.put(chunk)) {
                           if (auto* j = std::get_if<wmbus::im871a::hci_junk>(&e)) {
                               skipped(j->raw, j->error);
                               continue;
                           }
                           const auto& req = std::get<wmbus::im871a::hci_frame>(e);
                           ++stats_.requests;
                           auto answer = d.on_request(req, tick_ms());
                           if (!answer) {
                               refused(fmt::format("{}", fmt::streamed(req)), answer.error());
                               continue;
                           }
                           note(fmt::format("{} -> {}", fmt::streamed(req), fmt::streamed(*answer)));
                           if (auto wire = wmbus::im871a::encode(*answer)) {
                               ++stats_.answers;
                               queue(std::move(*wire));
                           }
                       }
                   },
                   [&](wmbus::amb8465::device& d) {
                       if (stale && amb_.pending() > 0) {
                           note(fmt::format("dropped a partial request of {} byte(s)", amb_.pending()));
                           stats_.junk += amb_.pending();
                           amb_.reset();
                       }
                       for (auto& e : amb_.put(chunk)) {
                           if (auto* j = std::get_if<wmbus::amb8465::junk>(&e)) {
                               skipped(j->raw, j->error);
                               continue;
                           }
                           const auto& req = std::get<wmbus::amb8465::command>(e);
                           ++stats_.requests;
                           auto answer = d.on_request(req);
                           if (!answer) {
                               refused(fmt::format("{}", fmt::streamed(req)), answer.error());
                               continue;
                           }
                           note(fmt::format("{} -> {}", fmt::streamed(req), fmt::streamed(*answer)));
                           if (auto wire = wmbus::amb8465::encode(*answer)) {
                               ++stats_.answers;
                               queue(std::move(*wire));
                           }
                       }
                   }},
        device_);
}

asio::awaitable<std::error_code> dongle::read_loop() {
    std::array<byte, 512> buf{};
    for (;;) {
        auto [ec, n] = co_await io_.read_some(buf);
        if (ec) co_return ec;
        on_bytes(bytes_view(buf.data(), n));
    }
}

asio::awaitable<std::error_code> dongle::write_loop() {
    for (;;) {
        while (!out_.empty()) {
            const auto b = std::move(out_.front());
            out_.pop_front();
            if (auto ec = co_await io_.write(b)) co_return ec;
        }
        if (stopped_) co_return make_error_code(transport::errc::closed);
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

asio::awaitable<std::error_code> dongle::serve() {
    using namespace asio::experimental::awaitable_operators;
    auto r = co_await (read_loop() || write_loop());
    co_return std::visit([](std::error_code ec) { return ec; }, r);
}

} // namespace mbus::runtime
