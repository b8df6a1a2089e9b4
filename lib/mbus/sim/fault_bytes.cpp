#include <mbus/sim/fault_bytes.hpp>

#include <mbus/app/telegram.hpp>
#include <mbus/link/frame.hpp>

namespace mbus::sim {

namespace {

bool framed(bytes_view wire) {
    return wire.size() >= 5 && (wire[0] == link::short_start || wire[0] == link::long_start);
}

byte plus(byte b, int delta) { return static_cast<byte>((b + delta) & 0xFF); }

// The offset of the access number in a long frame's user data, by CI; nullopt without a header.
std::optional<std::size_t> access_offset(const link::frame& f) {
    if (f.kind != link::frame_kind::long_frame) return std::nullopt;
    if (f.ci == app::ci::variable_long && f.data.size() >= 12) return 8; // after ID, man, version, medium
    if (f.ci == app::ci::variable_short && f.data.size() >= 4) return 0;
    return std::nullopt;
}

template <class F>
std::optional<bytes> edit_frame(bytes_view wire, F&& edit) {
    auto d = link::decode(wire);
    if (!d || d->value.kind == link::frame_kind::ack) return std::nullopt;
    auto f = d->value;
    if (!edit(f)) return std::nullopt;
    auto out = link::encode(f);
    if (!out) return std::nullopt;
    // Whatever followed the frame (another fault's garbage) stays behind it.
    out->insert(out->end(), wire.begin() + static_cast<std::ptrdiff_t>(d->size), wire.end());
    return std::move(*out);
}

} // namespace

std::optional<bytes> add_to_checksum(bytes_view wire, int delta) {
    if (!framed(wire)) return std::nullopt;
    bytes out(wire.begin(), wire.end());
    out[out.size() - 2] = plus(out[out.size() - 2], delta);
    return out;
}

std::optional<bytes> replace_stop(bytes_view wire, byte stop) {
    if (!framed(wire)) return std::nullopt;
    bytes out(wire.begin(), wire.end());
    out.back() = stop;
    return out;
}

std::optional<bytes> add_to_length(bytes_view wire, int delta, length_field which) {
    if (!framed(wire) || wire[0] != link::long_start) return std::nullopt;
    bytes out(wire.begin(), wire.end());
    if (which != length_field::second) out[1] = plus(out[1], delta);
    if (which != length_field::first) out[2] = plus(out[2], delta);
    return out;
}

std::optional<bytes> replace_address(bytes_view wire, byte a) {
    return edit_frame(wire, [a](link::frame& f) {
        f.a = a;
        return true;
    });
}

std::optional<bytes> replace_access_number(bytes_view wire, byte access) {
    return edit_frame(wire, [access](link::frame& f) {
        const auto at = access_offset(f);
        if (!at) return false;
        f.data[*at] = access;
        return true;
    });
}

std::optional<bytes> or_status(bytes_view wire, byte flags) {
    return edit_frame(wire, [flags](link::frame& f) {
        const auto at = access_offset(f);
        if (!at) return false;
        f.data[*at + 1] = static_cast<byte>(f.data[*at + 1] | flags);
        return true;
    });
}

bytes app_error_frame(byte c, byte a, byte status) {
    return link::encode(link::frame::long_frame(c, a, app::ci::app_error, {status})).value();
}

} // namespace mbus::sim
