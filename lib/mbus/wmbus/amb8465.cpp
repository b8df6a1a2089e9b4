#include <mbus/wmbus/amb8465.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace mbus::wmbus::amb8465 {

namespace {
command status_answer(byte code, byte status = 0x00) {
    return command{static_cast<byte>(code | answer_bit), {status}};
}
} // namespace

std::ostream& operator<<(std::ostream& os, const command& c) {
    return os << fmt::format("amb{{cmd={:02X} payload=[{}]}}", c.code, to_hex(c.payload));
}

byte xor_checksum(bytes_view data) noexcept {
    byte c = 0;
    for (byte b : data)
        c ^= b;
    return c;
}

result<bytes> encode(const command& c) {
    if (c.payload.size() > 0xFF) return receiver_errc::bad_parameters;
    bytes out{sof, c.code, static_cast<byte>(c.payload.size())};
    out.insert(out.end(), c.payload.begin(), c.payload.end());
    out.push_back(xor_checksum(out));
    return out;
}

std::vector<event> parser::put(bytes_view chunk) {
    buf_.insert(buf_.end(), chunk.begin(), chunk.end());
    std::vector<event> events;
    std::size_t at = 0;
    auto take = [&](std::size_t n) {
        bytes raw(buf_.begin() + static_cast<std::ptrdiff_t>(at),
                  buf_.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
        return raw;
    };
    while (at < buf_.size()) {
        if (buf_[at] != sof) {
            const auto next = std::find(buf_.begin() + static_cast<std::ptrdiff_t>(at), buf_.end(), sof);
            events.emplace_back(junk{take(static_cast<std::size_t>(next - buf_.begin()) - at),
                                     make_error_code(receiver_errc::junk)});
            continue;
        }
        if (buf_.size() - at < 3) break;
        const std::size_t total = 4 + std::size_t{buf_[at + 2]};
        if (buf_.size() - at < total) break;
        const bytes_view whole(buf_.data() + at, total);
        if (xor_checksum(whole.first(total - 1)) != whole[total - 1]) {
            // Only the FF is dropped: the checksum may fail because the FF was noise and a real
            // command starts inside what we took for its length.
            events.emplace_back(junk{take(1), make_error_code(receiver_errc::bad_checksum)});
            continue;
        }
        command c{whole[1], bytes(whole.begin() + 3, whole.end() - 1)};
        at += total;
        events.emplace_back(std::move(c));
    }
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(at));
    return events;
}

memory factory_memory() noexcept {
    // FF 8A 7A 00 78 <these 0x78 bytes> 17, as a real AMB8465 answered (wmbusmeters' detect code).
    static constexpr memory m{
        0x00, 0x80, 0x71, 0x02, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFA, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, //
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x32, 0x00, 0x02, //
        0x14, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, //
        0x01, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0x0B, 0x04, 0x01, 0x00, //
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x03, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, //
        0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, //
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, //
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    return m;
}

byte rssi_byte(int dbm) noexcept {
    const int raw = std::clamp((dbm + 74) * 2, -128, 127);
    return static_cast<byte>(raw & 0xFF);
}

device::device(const memory& m, std::uint32_t serial)
    : factory_(m), nvm_(m), serial_(serial), mode_(m[param::mode_preselect]) {}

result<command> device::on_request(const command& request) {
    const auto& p = request.payload;
    switch (request.code) {
    case cmd::get_req: {
        if (p.size() != 2 || p[0] >= param::memory_size) return receiver_errc::bad_parameters;
        // The stick answers what it has: a request past the end is cut (0x80 asked, 0x78 sent).
        const std::size_t n = std::min<std::size_t>(p[1], param::memory_size - p[0]);
        command c{static_cast<byte>(cmd::get_req | answer_bit), {p[0], static_cast<byte>(n)}};
        c.payload.insert(c.payload.end(), nvm_.begin() + p[0],
                         nvm_.begin() + p[0] + static_cast<std::ptrdiff_t>(n));
        return c;
    }
    case cmd::set_req: {
        if (p.size() < 2 || p.size() != 2u + p[1] || std::size_t{p[0]} + p[1] > param::memory_size)
            return receiver_errc::bad_parameters;
        std::copy(p.begin() + 2, p.end(), nvm_.begin() + p[0]);
        return status_answer(cmd::set_req);
    }
    case cmd::set_mode_req:
        if (p.size() != 1) return receiver_errc::bad_parameters;
        mode_ = p[0]; // volatile: a reset goes back to the preselected mode
        return status_answer(cmd::set_mode_req);
    case cmd::reset_req: mode_ = nvm_[param::mode_preselect]; return status_answer(cmd::reset_req);
    case cmd::factoryreset_req:
        nvm_ = factory_;
        mode_ = nvm_[param::mode_preselect];
        return status_answer(cmd::factoryreset_req);
    case cmd::serialno_req:
        return command{static_cast<byte>(cmd::serialno_req | answer_bit),
                       {static_cast<byte>(serial_ >> 24), static_cast<byte>(serial_ >> 16),
                        static_cast<byte>(serial_ >> 8), static_cast<byte>(serial_)}};
    case cmd::fwv_req: return command{static_cast<byte>(cmd::fwv_req | answer_bit), {0x01, 0x03, 0x00}};
    case cmd::rssi_req: return status_answer(cmd::rssi_req, last_rssi_);
    default: return receiver_errc::unknown_request;
    }
}

std::optional<byte> mode_hearing(const std::vector<air_mode>& modes) {
    const auto [s, t, c] = modes_of(modes);
    if (s && (t || c)) return std::nullopt;
    if (s) return mode::s2;
    if (t && c) return mode::c2_t2_other;
    if (c) return mode::c2_other;
    return mode::t2_other;
}

bool device::hears(air_mode m) const noexcept {
    switch (m) {
    case air_mode::s1: return mode_ == mode::s2;
    case air_mode::t1: return mode_ == mode::t2_other || mode_ == mode::c2_t2_other;
    case air_mode::c1: return mode_ == mode::c2_other || mode_ == mode::c2_t2_other;
    }
    return false;
}

result<bytes> device::indication(bytes_view telegram, int rssi_dbm) {
    if (telegram.size() < 2 || std::size_t{telegram[0]} + 1 != telegram.size())
        return receiver_errc::telegram_length;
    const bool with_rssi = nvm_[param::rssi_enable] != 0;
    last_rssi_ = rssi_byte(rssi_dbm);
    if (nvm_[param::uart_cmd_out_enable] != 0) {
        if (telegram.size() - 1 + (with_rssi ? 1 : 0) > 0xFF) return receiver_errc::telegram_length;
        command c{cmd::data_ind, bytes(telegram.begin() + 1, telegram.end())};
        if (with_rssi) c.payload.push_back(last_rssi_);
        return encode(c);
    }
    bytes out(telegram.begin(), telegram.end());
    if (with_rssi) out.push_back(last_rssi_);
    return out;
}

} // namespace mbus::wmbus::amb8465
