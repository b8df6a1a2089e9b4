#include <mbus/wmbus/im871a.hpp>

#include <mbus/core/crc.hpp>
#include <mbus/wmbus/receiver_errc.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <ostream>

namespace mbus::wmbus::im871a {

namespace {
constexpr byte flag_reserved = 0x10;
constexpr byte flag_timestamp = 0x20;
constexpr byte flag_rssi = 0x40;
constexpr byte flag_crc = 0x80;

void put_le16(bytes& out, std::uint16_t v) {
    out.push_back(static_cast<byte>(v & 0xFF));
    out.push_back(static_cast<byte>(v >> 8));
}
void put_le32(bytes& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<byte>((v >> (8 * i)) & 0xFF));
}
std::uint32_t le32(bytes_view b, std::size_t at) {
    return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
           std::uint32_t{b[at + 3]} << 24;
}

bool known_endpoint(byte e) { return e >= endpoint::devmgmt && e <= endpoint::hwtest; }

hci_frame answer(byte msg_id, bytes payload = {}) {
    return hci_frame{endpoint::devmgmt, msg_id, std::move(payload), std::nullopt, std::nullopt, true};
}
} // namespace

std::ostream& operator<<(std::ostream& os, const hci_frame& f) {
    os << fmt::format("hci{{ep={:02X} msg={:02X} payload=[{}]", f.endpoint, f.msg_id, to_hex(f.payload));
    if (f.timestamp) os << fmt::format(" ts={:08X}", *f.timestamp);
    if (f.rssi) os << fmt::format(" rssi={:02X}", *f.rssi);
    return os << (f.crc ? " crc}" : "}");
}

std::uint16_t crc16_hci(bytes_view data) noexcept { return crc16_x25(data); }

result<bytes> encode(const hci_frame& f) {
    if (f.payload.size() > 0xFF || !known_endpoint(f.endpoint)) return receiver_errc::bad_parameters;
    bytes out;
    out.reserve(f.payload.size() + 11);
    out.push_back(sof);
    auto control = f.endpoint;
    if (f.timestamp) control |= flag_timestamp;
    if (f.rssi) control |= flag_rssi;
    if (f.crc) control |= flag_crc;
    out.push_back(control);
    out.push_back(f.msg_id);
    out.push_back(static_cast<byte>(f.payload.size()));
    out.insert(out.end(), f.payload.begin(), f.payload.end());
    if (f.timestamp) put_le32(out, *f.timestamp);
    if (f.rssi) out.push_back(*f.rssi);
    if (f.crc) put_le16(out, crc16_hci(bytes_view(out).subspan(1)));
    return out;
}

std::vector<hci_event> hci_parser::put(bytes_view chunk) {
    buf_.insert(buf_.end(), chunk.begin(), chunk.end());
    std::vector<hci_event> events;
    std::size_t at = 0;
    auto skip = [&](std::size_t n, receiver_errc why) {
        events.emplace_back(hci_junk{bytes(buf_.begin() + static_cast<std::ptrdiff_t>(at),
                                           buf_.begin() + static_cast<std::ptrdiff_t>(at + n)),
                                     make_error_code(why)});
        at += n;
    };
    while (at < buf_.size()) {
        if (buf_[at] != sof) {
            const auto next = std::find(buf_.begin() + static_cast<std::ptrdiff_t>(at), buf_.end(), sof);
            skip(static_cast<std::size_t>(next - buf_.begin()) - at, receiver_errc::junk);
            continue;
        }
        if (buf_.size() - at < 2) break;
        const byte control = buf_[at + 1];
        if (control & flag_reserved) {
            skip(1, receiver_errc::reserved_bit);
            continue;
        }
        if (!known_endpoint(control & 0x0F)) {
            skip(1, receiver_errc::unknown_endpoint);
            continue;
        }
        if (buf_.size() - at < 4) break;
        const std::size_t len = buf_[at + 3];
        const bool has_ts = control & flag_timestamp, has_rssi = control & flag_rssi,
                   has_crc = control & flag_crc;
        const std::size_t total = 4 + len + (has_ts ? 4 : 0) + (has_rssi ? 1 : 0) + (has_crc ? 2 : 0);
        if (buf_.size() - at < total) break;
        const bytes_view whole(buf_.data() + at, total);
        if (has_crc) {
            const auto want = crc16_hci(whole.subspan(1, total - 3));
            const auto got = static_cast<std::uint16_t>(whole[total - 2] | whole[total - 1] << 8);
            if (want != got) {
                skip(total, receiver_errc::bad_crc);
                continue;
            }
        }
        hci_frame f;
        f.endpoint = control & 0x0F;
        f.msg_id = whole[2];
        f.payload.assign(whole.begin() + 4, whole.begin() + 4 + static_cast<std::ptrdiff_t>(len));
        std::size_t i = 4 + len;
        if (has_ts) {
            f.timestamp = le32(whole, i);
            i += 4;
        }
        if (has_rssi) f.rssi = whole[i];
        f.crc = has_crc;
        events.emplace_back(std::move(f));
        at += total;
    }
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(at));
    return events;
}

bytes encode_config(const config& c) {
    bytes out{0xFF, c.device_mode, c.link_mode, c.c_field};
    put_le16(out, c.manufacturer);
    put_le32(out, c.id);
    out.insert(out.end(),
               {c.version, c.device_type, c.radio_channel, 0xFF, c.power_level, c.data_rate, c.rx_window,
                c.auto_power_saving, c.auto_rssi, c.auto_rx_timestamp, c.led_control, c.rtc_control});
    return out;
}

result<config> apply_config(const config& base, bytes_view in) {
    config c = base;
    std::size_t i = 0;
    auto take = [&](std::size_t n) -> std::optional<bytes_view> {
        if (in.size() - i < n) return std::nullopt;
        const auto v = in.subspan(i, n);
        i += n;
        return v;
    };
    auto one = [&](byte& field) {
        const auto v = take(1);
        if (v) field = (*v)[0];
        return v.has_value();
    };
    byte flags1 = 0, flags2 = 0;
    if (!one(flags1)) return receiver_errc::bad_parameters;
    bool ok = true;
    if (flags1 & 0x01) ok = ok && one(c.device_mode);
    if (flags1 & 0x02) ok = ok && one(c.link_mode);
    if (flags1 & 0x04) ok = ok && one(c.c_field);
    if (ok && (flags1 & 0x08)) {
        const auto v = take(2);
        ok = v.has_value();
        if (ok) c.manufacturer = static_cast<std::uint16_t>((*v)[0] | (*v)[1] << 8);
    }
    if (ok && (flags1 & 0x10)) {
        const auto v = take(4);
        ok = v.has_value();
        if (ok) c.id = le32(*v, 0);
    }
    if (flags1 & 0x20) ok = ok && one(c.version);
    if (flags1 & 0x40) ok = ok && one(c.device_type);
    if (flags1 & 0x80) ok = ok && one(c.radio_channel);
    // IIFlag2 and its fields are optional as a whole: a request may stop after the first group.
    if (ok && i < in.size()) {
        ok = one(flags2);
        if (flags2 & 0x01) ok = ok && one(c.power_level);
        if (flags2 & 0x02) ok = ok && one(c.data_rate);
        if (flags2 & 0x04) ok = ok && one(c.rx_window);
        if (flags2 & 0x08) ok = ok && one(c.auto_power_saving);
        if (flags2 & 0x10) ok = ok && one(c.auto_rssi);
        if (flags2 & 0x20) ok = ok && one(c.auto_rx_timestamp);
        if (flags2 & 0x40) ok = ok && one(c.led_control);
        if (flags2 & 0x80) ok = ok && one(c.rtc_control);
    }
    if (!ok || i != in.size()) return receiver_errc::bad_parameters;
    return c;
}

std::optional<byte> link_mode_hearing(const std::vector<air_mode>& modes) {
    const auto [s, t, c] = modes_of(modes);
    if (s && (t || c)) return std::nullopt;
    if (s) return link_mode::s2;
    if (t && c) return link_mode::c1_t1;
    if (c) return link_mode::c1b;
    return link_mode::t1;
}

bool device::hears(air_mode m) const noexcept {
    if (active_.device_mode != 0x00) return false;
    const byte l = active_.link_mode;
    switch (m) {
    case air_mode::s1: return l == link_mode::s1 || l == link_mode::s1m || l == link_mode::s2;
    case air_mode::t1: return l == link_mode::t1 || l == link_mode::t2 || l == link_mode::c1_t1;
    case air_mode::c1:
        return l == link_mode::c1a || l == link_mode::c1b || l == link_mode::c2a || l == link_mode::c2b ||
               l == link_mode::c1_t1;
    }
    return false;
}

byte rssi_byte(int dbm) noexcept {
    const int raw = 45 + (dbm + 100) * 2;
    return static_cast<byte>(std::clamp(raw, 0, 255));
}

device::device(device_info info, config factory)
    : info_(info), factory_(factory), saved_(factory), active_(factory) {}

result<hci_frame> device::on_request(const hci_frame& request, std::uint32_t tick_ms) {
    if (request.endpoint != endpoint::devmgmt) return receiver_errc::unknown_request;
    switch (request.msg_id) {
    case devmgmt::ping_req: return answer(devmgmt::ping_rsp);
    case devmgmt::get_deviceinfo_req: {
        bytes p{info_.module_type, info_.device_mode, info_.firmware_version, info_.hci_version};
        put_le32(p, info_.uid);
        return answer(devmgmt::get_deviceinfo_rsp, std::move(p));
    }
    case devmgmt::get_config_req: return answer(devmgmt::get_config_rsp, encode_config(active_));
    case devmgmt::set_config_req: {
        // The first byte says whether to keep the change over a reset (1: save in NVM).
        if (request.payload.empty()) return receiver_errc::bad_parameters;
        auto next = apply_config(active_, bytes_view(request.payload).subspan(1));
        if (!next) return unexpected(next.error());
        active_ = *next;
        if (request.payload[0] != 0) saved_ = active_;
        return answer(devmgmt::set_config_rsp);
    }
    case devmgmt::reset_req: active_ = saved_; return answer(devmgmt::reset_rsp);
    case devmgmt::factory_reset_req: saved_ = active_ = factory_; return answer(devmgmt::factory_reset_rsp);
    case devmgmt::get_sysstatus_req: {
        bytes p{0x00}; // NVM status: ok
        for (const std::uint32_t word : {tick_ms, 0u, 0u, 0u, 0u, rx_frames_, 0u, 0u, 0u})
            put_le32(p, word);
        return answer(devmgmt::get_sysstatus_rsp, std::move(p));
    }
    default: return receiver_errc::unknown_request;
    }
}

result<hci_frame> device::indication(bytes_view telegram, int rssi_dbm, std::uint32_t tick_ms) {
    if (telegram.size() < 2 || std::size_t{telegram[0]} + 1 != telegram.size())
        return receiver_errc::telegram_length;
    hci_frame f;
    f.endpoint = endpoint::radiolink;
    f.msg_id = radiolink::wmbusmsg_ind;
    f.payload.assign(telegram.begin() + 1, telegram.end());
    if (active_.auto_rx_timestamp) f.timestamp = tick_ms;
    if (active_.auto_rssi) f.rssi = rssi_byte(rssi_dbm);
    ++rx_frames_;
    return f;
}

} // namespace mbus::wmbus::im871a
