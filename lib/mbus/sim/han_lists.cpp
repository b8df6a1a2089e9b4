#include <mbus/sim/han_lists.hpp>

#include <algorithm>
#include <cmath>

namespace mbus::sim {

namespace {

using han::data;
using han::data_type;

data text_octets(const std::string& s) {
    return data::octets(data_type::octet_string, bytes(s.begin(), s.end()));
}

// A double-long-unsigned of `v` in units of 10^scaler: rounded to the nearest, clamped to the type
// (a register past 2^32 - 1 wraps on a real meter; the simulator holds it rather than lie about it).
data u32(double v, int scaler = 0) {
    const double scaled = std::round(v / std::pow(10.0, scaler));
    const double clamped = std::clamp(scaled, 0.0, 4294967295.0);
    return data::unsigned_integer(data_type::uint32, static_cast<std::uint64_t>(clamped));
}
// Energy registers show the whole units accumulated, as a meter's counter does.
data u32_floor(double v) {
    const double clamped = std::clamp(std::floor(v), 0.0, 4294967295.0);
    return data::unsigned_integer(data_type::uint32, static_cast<std::uint64_t>(clamped));
}

result<han::object_list> kaifa_no(const han_identity& who, int list, const han_readings& r,
                                  const han::date_time& clock) {
    std::vector<data> values;
    if (list == 1) {
        values.push_back(u32(r.import_w));
    } else {
        values.push_back(text_octets(who.list_version));
        values.push_back(text_octets(who.id));
        values.push_back(text_octets(who.type));
        values.push_back(u32(r.import_w));
        values.push_back(u32(r.export_w));
        values.push_back(u32(r.import_var));
        values.push_back(u32(r.export_var));
        const std::size_t n = who.phases == 1 ? 1 : 3;
        for (std::size_t i = 0; i < n; ++i)
            values.push_back(u32(r.current_a[i], -3)); // mA
        for (std::size_t i = 0; i < n; ++i)
            values.push_back(u32(r.voltage_v[i], -1)); // 0.1 V
        if (list == 3) {
            values.push_back(data::octets(data_type::octet_string, clock.encode()));
            values.push_back(u32_floor(r.import_wh));
            values.push_back(u32_floor(r.export_wh));
            values.push_back(u32_floor(r.import_varh));
            values.push_back(u32_floor(r.export_varh));
        } else if (list != 2) {
            return han::errc::bad_value;
        }
    }
    const auto codes = han::kfm_001_list(values.size());
    if (codes.size() != values.size()) return han::errc::bad_value;
    han::object_list out{han::body_layout::positional, {}};
    for (std::size_t i = 0; i < values.size(); ++i)
        out.objects.push_back({codes[i], han::code_source::position, std::move(values[i]), std::nullopt});
    return out;
}

} // namespace

const char* name_of(han_make m) noexcept {
    switch (m) {
    case han_make::aidon: return "Aidon";
    case han_make::kaifa: return "Kaifa";
    case han_make::kamstrup: return "Kamstrup";
    }
    return "?";
}

const char* name_of(han_variant v) noexcept {
    switch (v) {
    case han_variant::no: return "NO";
    case han_variant::se: return "SE";
    case han_variant::dk: return "DK";
    case han_variant::ch: return "CH";
    }
    return "?";
}

std::string default_list_version(han_make m, han_variant v) {
    (void)v;
    switch (m) {
    case han_make::aidon: return "AIDON_V0001";
    case han_make::kaifa: return "KFM_001";
    case han_make::kamstrup: return "Kamstrup_V0001";
    }
    return {};
}

result<han::object_list> han_list(const han_identity& who, int list, const han_readings& r,
                                  const han::date_time& clock) {
    if (who.make == han_make::kaifa && who.variant == han_variant::no) return kaifa_no(who, list, r, clock);
    return han::errc::bad_value;
}

han::data_notification han_notification(const han_identity& who, const han::object_list& objects,
                                        const han::date_time& time) {
    han::data_notification n;
    n.body = han::body_of(objects);
    switch (who.make) {
    case han_make::kaifa:
        n.invoke_id_and_priority = 0x40000000;
        n.encoding = han::datetime_encoding::tagged_octet_string;
        n.datetime = time.encode();
        break;
    case han_make::aidon:
        n.invoke_id_and_priority = 0x40000000;
        n.encoding = han::datetime_encoding::absent;
        break;
    case han_make::kamstrup:
        n.invoke_id_and_priority = 0;
        n.encoding = han::datetime_encoding::octet_string;
        n.datetime = time.encode();
        break;
    }
    return n;
}

han::hdlc_frame han_header(const han_identity& who) {
    han::hdlc_frame f;
    switch (who.make) {
    case han_make::kaifa:
        f.destination = {0x01};
        f.source = {0x02, 0x01};
        f.control = 0x10;
        break;
    case han_make::aidon:
        f.destination = {0x41};
        f.source = {0x08, 0x83};
        f.control = 0x13;
        break;
    case han_make::kamstrup:
        f.destination = {0x2B};
        f.source = {0x21};
        f.control = 0x13;
        break;
    }
    return f;
}

std::size_t han_max_information(const han_identity& who) {
    (void)who;
    // The 11-bit length less the header and FCS of a frame with the longest addresses: no corpus
    // frame of these makes is segmented, so a list goes out in one frame whenever it fits one.
    return han::max_frame_length - 2 - 4 - 4 - 1 - 2 - 2;
}

result<bytes> han_frames(const han_identity& who, const han::data_notification& n,
                         const std::optional<han_cipher>& cipher, std::uint32_t frame_counter) {
    auto apdu = han::encode_notification(n);
    if (!apdu) return unexpected(apdu.error());
    if (cipher) {
        han::glo_ciphered header;
        header.system_title = cipher->system_title;
        header.security_control = cipher->auth_key.empty() ? byte{0x20} : byte{0x30};
        header.frame_counter = frame_counter;
        auto c = han::encrypt(*apdu, header, cipher->key, cipher->auth_key);
        if (!c) return unexpected(c.error());
        *apdu = han::encode_glo_ciphered(*c);
    }
    const auto information = han::with_llc(*apdu);
    bytes out;
    for (const auto& f : han::segment(han_header(who), information, han_max_information(who))) {
        auto b = han::encode_hdlc(f);
        if (!b) return unexpected(b.error());
        out.insert(out.end(), b->begin(), b->end());
    }
    return out;
}

} // namespace mbus::sim
