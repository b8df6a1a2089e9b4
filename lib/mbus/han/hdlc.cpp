#include <mbus/han/crc.hpp>
#include <mbus/han/hdlc.hpp>

#include <algorithm>
#include <ostream>

namespace mbus::han {

namespace {

// The length of the address starting at `at` (1-4 bytes, ends on a byte with bit 0 set), or 0.
std::size_t address_length(bytes_view data, std::size_t at) {
    for (std::size_t n = 0; n < 4 && at + n < data.size(); ++n)
        if ((data[at + n] & 1U) != 0) return n + 1;
    return 0;
}

bool valid_address(const bytes& a) {
    if (a.empty() || a.size() > 4) return false;
    for (std::size_t i = 0; i + 1 < a.size(); ++i)
        if ((a[i] & 1U) != 0) return false;
    return (a.back() & 1U) != 0;
}

std::uint16_t crc_at(bytes_view data, std::size_t at) {
    return static_cast<std::uint16_t>(data[at] | (data[at + 1] << 8));
}

} // namespace

std::ostream& operator<<(std::ostream& os, const hdlc_frame& f) {
    return os << "hdlc{dst " << to_hex(f.destination, "") << " src " << to_hex(f.source, "") << " ctrl "
              << to_hex(bytes_view(&f.control, 1)) << (f.segmented ? " segmented" : "") << " info "
              << f.information.size() << " bytes}";
}

result<hdlc_frame> decode_hdlc(bytes_view frame) {
    if (frame.size() < 3) return errc::truncated;
    if (frame.front() != hdlc_flag) return errc::bad_flag;
    if ((frame[1] & 0xF0U) != 0xA0U) return errc::bad_format;
    const std::size_t length = static_cast<std::size_t>(((frame[1] & 0x07U) << 8) | frame[2]);
    if (frame.size() < length + 2) return errc::truncated;
    if (frame.size() > length + 2) return errc::bad_length;
    if (frame.back() != hdlc_flag) return errc::bad_flag;
    const bytes_view body = frame.subspan(1, length); // between the flags
    hdlc_frame f;
    f.segmented = (frame[1] & 0x08U) != 0;
    std::size_t at = 2;
    const std::size_t dst = address_length(body, at);
    if (dst == 0) return body.size() < at + 4 ? errc::bad_length : errc::bad_address;
    f.destination.assign(body.begin() + static_cast<std::ptrdiff_t>(at),
                         body.begin() + static_cast<std::ptrdiff_t>(at + dst));
    at += dst;
    const std::size_t src = address_length(body, at);
    if (src == 0) return body.size() < at + 4 ? errc::bad_length : errc::bad_address;
    f.source.assign(body.begin() + static_cast<std::ptrdiff_t>(at),
                    body.begin() + static_cast<std::ptrdiff_t>(at + src));
    at += src;
    if (body.size() < at + 3) return errc::bad_length; // control and the FCS at least
    f.control = body[at++];
    if (body.size() == at + 2) { // no information field: the FCS is the only check sequence
        if (crc16_x25(body.first(at)) != crc_at(body, at)) return errc::bad_fcs;
        return f;
    }
    if (body.size() < at + 4) return errc::bad_length;
    if (crc16_x25(body.first(at)) != crc_at(body, at)) return errc::bad_hcs;
    const std::size_t fcs_at = body.size() - 2;
    if (crc16_x25(body.first(fcs_at)) != crc_at(body, fcs_at)) return errc::bad_fcs;
    at += 2;
    f.information.assign(body.begin() + static_cast<std::ptrdiff_t>(at),
                         body.begin() + static_cast<std::ptrdiff_t>(fcs_at));
    return f;
}

result<bytes> encode_hdlc(const hdlc_frame& f) {
    if (!valid_address(f.destination) || !valid_address(f.source)) return errc::bad_value;
    const std::size_t header = 2 + f.destination.size() + f.source.size() + 1;
    const std::size_t length = header + (f.information.empty() ? 0 : 2 + f.information.size()) + 2;
    if (length > max_frame_length) return errc::bad_value;
    bytes out;
    out.reserve(length + 2);
    out.push_back(hdlc_flag);
    out.push_back(static_cast<byte>(0xA0U | (f.segmented ? 0x08U : 0U) | (length >> 8)));
    out.push_back(static_cast<byte>(length & 0xFF));
    out.insert(out.end(), f.destination.begin(), f.destination.end());
    out.insert(out.end(), f.source.begin(), f.source.end());
    out.push_back(f.control);
    if (!f.information.empty()) {
        append_crc(out, bytes_view(out).subspan(1));
        out.insert(out.end(), f.information.begin(), f.information.end());
    }
    append_crc(out, bytes_view(out).subspan(1));
    out.push_back(hdlc_flag);
    return out;
}

std::vector<hdlc_frame> segment(const hdlc_frame& header, bytes_view information,
                                std::size_t max_information) {
    std::vector<hdlc_frame> frames;
    const std::size_t step = std::max<std::size_t>(max_information, 1);
    std::size_t at = 0;
    do {
        hdlc_frame f = header;
        const std::size_t n = std::min(step, information.size() - at);
        f.information.assign(information.begin() + static_cast<std::ptrdiff_t>(at),
                             information.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
        f.segmented = at < information.size();
        frames.push_back(std::move(f));
    } while (at < information.size());
    return frames;
}

std::vector<hdlc_event> hdlc_splitter::feed(bytes_view data) {
    buffer_.insert(buffer_.end(), data.begin(), data.end());
    std::vector<hdlc_event> events;
    std::size_t at = 0;
    const auto drop_junk = [&](std::size_t to) {
        if (to > at)
            events.push_back(hdlc_junk{bytes(buffer_.begin() + static_cast<std::ptrdiff_t>(at),
                                             buffer_.begin() + static_cast<std::ptrdiff_t>(to))});
        at = to;
    };
    while (at < buffer_.size()) {
        const auto flag =
            std::find(buffer_.begin() + static_cast<std::ptrdiff_t>(at), buffer_.end(), hdlc_flag);
        drop_junk(static_cast<std::size_t>(flag - buffer_.begin()));
        if (at == buffer_.size()) break;
        if (buffer_.size() - at < 3) break; // flag and format field: wait
        const byte format = buffer_[at + 1];
        if (format == hdlc_flag) { // flags between frames (closing then opening)
            ++at;
            continue;
        }
        if ((format & 0xF0U) != 0xA0U) { // a closing flag followed by junk: what follows is the junk
            ++at;
            continue;
        }
        const std::size_t length = static_cast<std::size_t>(((format & 0x07U) << 8) | buffer_[at + 2]);
        if (buffer_.size() - at < length + 2) break; // wait for the rest
        const bytes_view whole = bytes_view(buffer_).subspan(at, length + 2);
        auto f = decode_hdlc(whole);
        if (f) {
            events.push_back(hdlc_good_frame{std::move(*f), bytes(whole.begin(), whole.end())});
            at += length + 1; // keep the closing flag: it may open the next frame
        } else {
            const bool closed = whole.back() == hdlc_flag && f.error() != make_error_code(errc::bad_flag);
            events.push_back(hdlc_bad_frame{f.error(), bytes(whole.begin(), whole.end())});
            // A frame whose closing flag is where its length says was damaged inside: skip it whole.
            // Otherwise it was cut short and the next frame may start inside it: resynchronise on the
            // next flag after this one.
            at += closed ? length + 1 : 1;
        }
    }
    // A lone flag left over is the closing flag of the last frame: keep it, it may open the next.
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(at));
    return events;
}

std::optional<bytes> hdlc_reassembler::push(const hdlc_frame& f) {
    if (!parts_.empty() && f.source != source_) parts_.clear(); // another sender: the old one is lost
    source_ = f.source;
    parts_.insert(parts_.end(), f.information.begin(), f.information.end());
    if (f.segmented) return std::nullopt;
    bytes whole = std::move(parts_);
    parts_.clear();
    return whole;
}

} // namespace mbus::han
