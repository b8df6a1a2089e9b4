#include <mbus/sim/han_lists.hpp>

namespace mbus::sim {

namespace {

std::optional<han::push_value> reading(const han_identity& who, const han_readings& r,
                                       const han::date_time& clock, han::quantity q) {
    using han::quantity;
    const auto phase = [](quantity x, quantity first) {
        return static_cast<std::size_t>(x) - static_cast<std::size_t>(first);
    };
    switch (q) {
    case quantity::list_version: return who.list_version;
    case quantity::meter_id: return who.id;
    case quantity::meter_type: return who.type;
    case quantity::import_w: return r.import_w;
    case quantity::export_w: return r.export_w;
    case quantity::import_var: return r.import_var;
    case quantity::export_var: return r.export_var;
    case quantity::current_l1:
    case quantity::current_l2:
    case quantity::current_l3: return r.current_a.at(phase(q, quantity::current_l1));
    case quantity::voltage_l1:
    case quantity::voltage_l2:
    case quantity::voltage_l3: return r.voltage_v.at(phase(q, quantity::voltage_l1));
    case quantity::clock: return clock;
    case quantity::import_wh: return r.import_wh;
    case quantity::export_wh: return r.export_wh;
    case quantity::import_varh: return r.import_varh;
    case quantity::export_varh: return r.export_varh;
    case quantity::meter_number: {
        // The number the meter id is (Kamstrup push 1 sends it as a double-long-unsigned).
        if (who.id.empty() || who.id.size() > 10 ||
            who.id.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        const double n = std::stod(who.id);
        if (n > 4294967295.0) return std::nullopt;
        return n;
    }
    case quantity::power_factor: return r.power_factor;
    case quantity::import_w_l1:
    case quantity::import_w_l2:
    case quantity::import_w_l3: return r.import_w_phase.at(phase(q, quantity::import_w_l1));
    case quantity::export_w_l1:
    case quantity::export_w_l2:
    case quantity::export_w_l3: return r.export_w_phase.at(phase(q, quantity::export_w_l1));
    case quantity::import_var_l1:
    case quantity::import_var_l2:
    case quantity::import_var_l3: return r.import_var_phase.at(phase(q, quantity::import_var_l1));
    case quantity::export_var_l1:
    case quantity::export_var_l2:
    case quantity::export_var_l3: return r.export_var_phase.at(phase(q, quantity::export_var_l1));
    case quantity::power_factor_l1:
    case quantity::power_factor_l2:
    case quantity::power_factor_l3: return r.power_factor_phase.at(phase(q, quantity::power_factor_l1));
    case quantity::import_wh_l1:
    case quantity::import_wh_l2:
    case quantity::import_wh_l3: return r.import_wh_phase.at(phase(q, quantity::import_wh_l1));
    case quantity::export_wh_l1:
    case quantity::export_wh_l2:
    case quantity::export_wh_l3: return r.export_wh_phase.at(phase(q, quantity::export_wh_l1));
    }
    return std::nullopt;
}

} // namespace

result<han::object_list> han_list(const han_identity& who, int list, const han_readings& r,
                                  const han::date_time& clock) {
    const auto spec = han::push_list(who.make, who.variant, list, who.phases);
    if (!spec) return han::errc::bad_value;
    return han::push_objects(
        *spec, [&](const han::list_item& item) { return reading(who, r, clock, item.what); }, clock);
}

han::data_notification han_notification(const han_identity& who, int list, const han::object_list& objects,
                                        const han::date_time& time) {
    if (const auto spec = han::push_list(who.make, who.variant, list, who.phases))
        return han::push_notification(*spec, objects, time);
    return han::push_notification(who.make, objects, time);
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
    for (const auto& f :
         han::segment(han::header_of(who.make, who.variant).frame, information, han_max_information(who))) {
        auto b = han::encode_hdlc(f);
        if (!b) return unexpected(b.error());
        out.insert(out.end(), b->begin(), b->end());
    }
    return out;
}

} // namespace mbus::sim
