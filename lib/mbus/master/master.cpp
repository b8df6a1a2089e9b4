#include <mbus/master/master.hpp>

#include <mbus/master/errc.hpp>

#include <algorithm>
#include <array>

namespace mbus::master {

namespace {

constexpr std::array<unsigned, 8> baud_rates{300, 600, 1200, 2400, 4800, 9600, 19200, 38400};

constexpr bool is_rsp_ud(const link::frame& f) {
    const bool long_kind = f.kind == link::frame_kind::long_frame || f.kind == link::frame_kind::control;
    // ACD and DFC may be set in any answer; the function code must be RSP_UD.
    return long_kind && (f.c & ~(link::c_field::acd | link::c_field::dfc)) == link::c_field::rsp_ud;
}

constexpr byte with_fcb(byte c, bool fcb) { return fcb ? static_cast<byte>(c | link::c_field::fcb) : c; }

// The error for an answer that is not the one the call wanted.
std::error_code failure(const reply& r) {
    if (r.kind == reply_kind::none) return errc::timeout;
    if (is_collision(r.kind)) return errc::collision;
    return errc::unexpected_reply;
}

} // namespace

std::optional<byte> baud_switch_ci(unsigned baud) {
    for (std::size_t i = 0; i < baud_rates.size(); ++i)
        if (baud_rates[i] == baud) return static_cast<byte>(app::ci::baud_300 + i);
    return std::nullopt;
}

bytes set_address_data(byte new_address) { return {0x01, 0x7A, new_address}; }

bytes set_identification_data(std::uint32_t id) {
    return {0x0C,
            0x79,
            static_cast<byte>(id),
            static_cast<byte>(id >> 8),
            static_cast<byte>(id >> 16),
            static_cast<byte>(id >> 24)};
}

bus_master::bus_master(transport::byte_stream& io, master_options options) : io_(&io), options_(options) {
    next_fcb_.fill(true);
}

void bus_master::reset_fcb(byte address) {
    if (address == link::address::broadcast || address == link::address::broadcast_reply)
        next_fcb_.fill(true);
    else
        next_fcb_[address] = true;
}

asio::awaitable<result<reply>> bus_master::exchange(const link::frame& request) {
    co_return co_await master::exchange(*io_, request, options_.timing, hook_);
}

asio::awaitable<result<void>> bus_master::send(const link::frame& request) {
    auto wire = link::encode(request);
    if (!wire) co_return unexpected(wire.error());
    co_return co_await master::send(*io_, bytes_view(*wire), hook_);
}

asio::awaitable<result<reply>> bus_master::attempt(const link::frame& request, repeats when) {
    result<reply> last = unexpected(errc::timeout);
    std::optional<reply> heard; // the last answer that was not silence
    unsigned silent = 0;
    unsigned garbled = 0;
    const unsigned attempts = 1 + std::max(when.on_silence, when.on_garbage);
    for (unsigned n = 1; n <= attempts; ++n) {
        last = co_await master::exchange(*io_, request, options_.timing, hook_, n);
        if (!last) co_return last;
        if (last->kind == reply_kind::none) {
            if (++silent > when.on_silence) break;
        } else if (is_collision(last->kind)) {
            heard = *last;
            if (++garbled > when.on_garbage) break;
        } else {
            co_return last;
        }
    }
    if (heard) co_return std::move(*heard);
    co_return last;
}

asio::awaitable<result<void>> bus_master::expect_ack(const link::frame& request, unsigned attempts) {
    auto r = co_await attempt(request, {attempts - 1, attempts - 1});
    if (!r) co_return unexpected(r.error());
    if (r->kind != reply_kind::ack) co_return unexpected(failure(*r));
    co_return result<void>{};
}

asio::awaitable<result<reply>> bus_master::ping(byte address) {
    co_return co_await ping(address, repeats{options_.retries, 0});
}

asio::awaitable<result<reply>> bus_master::ping(byte address, repeats when) {
    auto r = co_await attempt(link::frame::short_frame(link::c_field::snd_nke, address), when);
    if (r && r->kind == reply_kind::ack) reset_fcb(address);
    co_return r;
}

asio::awaitable<result<telegram>> bus_master::request_ud2(byte address) {
    const bool fcb = next_fcb_[address];
    auto r = co_await attempt(link::frame::short_frame(with_fcb(link::c_field::req_ud2, fcb), address),
                              {options_.retries, options_.retries});
    if (!r) co_return unexpected(r.error());
    if (r->kind != reply_kind::frame || !is_rsp_ud(*r->frame)) co_return unexpected(failure(*r));
    next_fcb_[address] = !fcb;
    co_return make_telegram(std::move(*r->frame));
}

asio::awaitable<readout> bus_master::read_all(byte address) {
    readout out;
    for (;;) {
        auto t = co_await request_ud2(address);
        if (!t) {
            out.error = t.error();
            break;
        }
        const bool more = t->more_follows();
        out.telegrams.push_back(std::move(*t));
        if (!more) break;
        if (out.telegrams.size() >= options_.max_telegrams) {
            out.error = errc::too_many_telegrams;
            break;
        }
    }
    co_return out;
}

asio::awaitable<readout> bus_master::read(byte address, read_options options) {
    if (options.reset_first) {
        auto p = co_await ping(address);
        if (!p) co_return readout{{}, p.error()};
        if (p->kind != reply_kind::ack) co_return readout{{}, failure(*p)};
    }
    co_return co_await read_all(address);
}

asio::awaitable<readout> bus_master::read_selected() { co_return co_await read_all(link::address::selected); }

asio::awaitable<result<std::optional<telegram>>> bus_master::request_ud1(byte address) {
    const bool fcb = next_fcb_[address];
    auto r = co_await attempt(link::frame::short_frame(with_fcb(link::c_field::req_ud1, fcb), address),
                              {options_.retries, options_.retries});
    if (!r) co_return unexpected(r.error());
    if (r->kind == reply_kind::ack) {
        next_fcb_[address] = !fcb;
        co_return std::optional<telegram>{};
    }
    if (r->kind != reply_kind::frame || !is_rsp_ud(*r->frame)) co_return unexpected(failure(*r));
    next_fcb_[address] = !fcb;
    co_return std::optional<telegram>{make_telegram(std::move(*r->frame))};
}

asio::awaitable<result<reply>> bus_master::select(const app::select_mask& mask, byte ci,
                                                  unsigned repeats_on_silence) {
    if (ci != app::ci::select && ci != app::ci::select_msb) co_return unexpected(errc::invalid_argument);
    auto r = co_await attempt(link::frame::long_frame(link::c_field::snd_ud, link::address::selected, ci,
                                                      app::encode_select(ci, mask)),
                              {repeats_on_silence, 0});
    if (r && r->kind == reply_kind::ack) next_fcb_[link::address::selected] = true;
    co_return r;
}

asio::awaitable<result<void>> bus_master::send_ud(byte address, byte ci, bytes data) {
    co_return co_await expect_ack(
        link::frame::long_frame(link::c_field::snd_ud, address, ci, std::move(data)), 1 + options_.retries);
}

asio::awaitable<result<void>> bus_master::set_primary_address(byte address, byte new_address) {
    if (new_address > link::address::max_primary) co_return unexpected(errc::invalid_argument);
    auto r = co_await expect_ack(link::frame::long_frame(link::c_field::snd_ud, address, app::ci::data_send,
                                                         set_address_data(new_address)),
                                 1);
    if (r) reset_fcb(new_address);
    co_return r;
}

asio::awaitable<result<void>> bus_master::set_identification(byte address, std::uint32_t id) {
    co_return co_await send_ud(address, app::ci::data_send, set_identification_data(id));
}

asio::awaitable<result<void>> bus_master::application_reset(byte address, std::optional<byte> subcode) {
    bytes data;
    if (subcode) data.push_back(*subcode);
    co_return co_await send_ud(address, app::ci::app_reset, std::move(data));
}

asio::awaitable<result<void>> bus_master::switch_baud(byte address, unsigned baud) {
    const auto ci = baud_switch_ci(baud);
    if (!ci) co_return unexpected(errc::invalid_argument);
    co_return co_await expect_ack(link::frame::long_frame(link::c_field::snd_ud, address, *ci), 1);
}

} // namespace mbus::master
