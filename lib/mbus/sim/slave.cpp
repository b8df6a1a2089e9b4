#include <mbus/app/codec.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/sim/slave.hpp>
#include <mbus/sim/timing.hpp>

#include <algorithm>
#include <ostream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace mbus::sim {

namespace {

constexpr byte function_mask = 0x0F;
constexpr byte reserved_bit = 0x80;
constexpr byte fn_snd_nke = link::c_field::snd_nke & function_mask;
constexpr byte fn_snd_ud = link::c_field::snd_ud & function_mask;
constexpr byte fn_req_ud2 = link::c_field::req_ud2 & function_mask;
constexpr byte fn_req_ud1 = link::c_field::req_ud1 & function_mask;

constexpr byte dif_int8 = 0x01;
constexpr byte dif_int64 = 0x07;
constexpr byte dif_bcd8 = 0x0C;
constexpr byte dif_idle_filler = 0x2F;
constexpr byte vif_enhanced_id = 0x79;
constexpr byte vif_bus_address = 0x7A;

bool is_short(const link::frame& f) { return f.kind == link::frame_kind::short_frame; }
bool is_long(const link::frame& f) {
    return f.kind == link::frame_kind::long_frame || f.kind == link::frame_kind::control;
}

std::uint8_t status_for(std::error_code ec) {
    if (ec == app::errc::premature_end_at_dif || ec == app::errc::premature_end_at_vif ||
        ec == app::errc::premature_end_at_plain_vif || ec == app::errc::premature_end_at_data)
        return app_status::premature_end;
    if (ec == app::errc::too_many_dife) return app_status::too_many_dife;
    if (ec == app::errc::too_many_vife) return app_status::too_many_vife;
    return app_status::unspecified;
}

bool is_bcd_id(std::uint32_t id) {
    for (int shift = 0; shift < 32; shift += 4)
        if (((id >> shift) & 0xFU) > 9) return false;
    return true;
}

bool is_plain(const app::record& r, byte dif, byte vif) {
    return r.dib.dif == dif && r.dib.dife.empty() && r.vib && r.vib->vif == vif && r.vib->vife.empty();
}

std::string describe_record(const app::record& r) {
    bytes head{r.dib.dif};
    head.insert(head.end(), r.dib.dife.begin(), r.dib.dife.end());
    if (r.vib) {
        head.push_back(r.vib->vif);
        head.insert(head.end(), r.vib->vife.begin(), r.vib->vife.end());
    }
    return to_hex(head);
}

} // namespace

std::ostream& operator<<(std::ostream& os, const slave_reply& r) {
    os << (r.wire.empty() ? std::string("(silent)") : to_hex(r.wire));
    if (r.baud_after) os << " baud->" << *r.baud_after;
    if (r.address_after) os << " address->" << static_cast<unsigned>(*r.address_after);
    if (!r.note.empty()) os << " [" << r.note << "]";
    return os;
}

bool is_request(const link::frame& f) {
    return f.kind != link::frame_kind::ack && (f.c & link::c_field::prm) != 0 && (f.c & reserved_bit) == 0;
}

bool is_select(const link::frame& f) {
    return (f.c & function_mask) == fn_snd_ud && is_long(f) &&
           (f.ci == app::ci::select || f.ci == app::ci::select_msb);
}

bool is_snd_nke(const link::frame& f) { return (f.c & function_mask) == fn_snd_nke && is_short(f); }

slave::slave(meter_config config, time_point start) : meter_(std::move(config), start) {}

slave_reply slave::on_frame(const link::frame& f, const sim_now& now) {
    if (!is_request(f)) return {};
    const byte function = f.c & function_mask;
    const bool select_frame = is_select(f);
    const bool for_me = f.a == meter_.address() || f.a == link::address::broadcast_reply ||
                        f.a == link::address::broadcast ||
                        (f.a == link::address::selected &&
                         (selected_ || select_frame ||
                          (function == fn_snd_nke && meter_.config().options.fd_unselected == fd_mode::ack)));
    if (!for_me) return {};

    slave_reply r;
    if (function == fn_snd_nke && is_short(f))
        r = snd_nke(f);
    else if (function == fn_req_ud2 && is_short(f))
        r = req_ud(f, request_kind::req_ud2, now);
    else if (function == fn_req_ud1 && is_short(f))
        r = req_ud(f, request_kind::req_ud1, now);
    else if (function == fn_snd_ud && is_long(f))
        r = snd_ud(f, now);
    else
        return {};

    if (f.a == link::address::broadcast && !r.wire.empty()) {
        r.wire.clear();
        r.note += " (FF: no answer)";
    }
    return r;
}

void slave::reset_link() {
    last_fcb_.reset();
    toggled_ = false;
    last_reply_.clear();
    position_ = 0;
    last_more_ = false;
}

void slave::missed_select() {
    // As snd_ud() and select() do for a select that does not match.
    last_reply_.clear();
    selected_ = false;
}

void slave::power_cycle() {
    reset_link();
    selected_ = false;
    pending_reply_.reset();
    pending_error_.reset();
}

slave_reply slave::ack(std::string note) const { return {{link::ack_byte}, {}, {}, std::move(note), false}; }

slave_reply slave::snd_nke(const link::frame& f) {
    reset_link();
    if (f.a == link::address::selected) {
        if (!std::exchange(selected_, false))
            return ack("SND_NKE at FD while not selected: E5 (quirk fd_unselected)");
        return ack("SND_NKE: link reset, deselected");
    }
    return ack("SND_NKE: link reset");
}

telegram slave::fresh_ud2(std::size_t index, const sim_now& now, std::string& note) {
    const bool acd = meter_.alarm_pending();
    if (pending_error_) {
        const auto status = *pending_error_;
        pending_error_.reset();
        note = fmt::format("REQ_UD2: application error {:02X} for a refused write", status);
        return meter_.app_error(status, acd);
    }
    if (pending_reply_) {
        const auto reply = std::move(*pending_reply_);
        pending_reply_.reset();
        if (const auto* k = std::get_if<std::size_t>(&reply)) {
            auto t = meter_.readout(*k, now, acd);
            note = fmt::format("REQ_UD2: telegram {} as a write rule asked", t.index + 1);
            return t;
        }
        note = "REQ_UD2: the telegram a write rule gave";
        return meter_.render(std::get<recorded_telegram>(reply), acd);
    }
    auto t = meter_.readout(index, now, acd);
    if (!notes_) return t;
    note = fmt::format("REQ_UD2: telegram {}{}", t.index + 1, t.more_follows ? " (more follow)" : "");
    for (const auto& n : meter_.notes())
        note += "; " + n;
    return t;
}

slave_reply slave::req_ud(const link::frame& f, request_kind kind, const sim_now& now) {
    const bool fcv = (f.c & link::c_field::fcv) != 0;
    const bool fcb = (f.c & link::c_field::fcb) != 0;
    const bool standard = meter_.config().options.fcb == fcb_mode::standard;
    const bool counted = standard && fcv; // takes part in the FCB sequence

    if (counted && toggled_ && last_fcb_ == fcb && last_kind_ == kind && !last_reply_.empty())
        return {last_reply_, {}, {}, "repetition (same FCB): the previous reply again", true};
    const bool toggle = counted && last_fcb_.has_value() && *last_fcb_ != fcb;
    if (toggle) toggled_ = true;

    slave_reply r;
    if (kind == request_kind::req_ud1) {
        if (!meter_.alarm_pending()) {
            r = ack("REQ_UD1: no class 1 data");
        } else {
            r.wire = meter_.alarm_telegram(now).wire;
            meter_.set_alarm(false);
            r.note = "REQ_UD1: class 1 data, alarm cleared";
        }
    } else {
        // Only a toggled FCB moves on through a multi-telegram readout; an unchanged FCB from a master
        // that never toggles asks for the current data from the first telegram.
        const std::size_t next = toggle && last_more_ ? position_ + 1 : 0;
        auto t = fresh_ud2(next, now, r.note);
        if (counted) {
            position_ = t.index;
            last_more_ = t.more_follows;
        }
        r.wire = std::move(t.wire);
        if (r.wire.empty()) r.note += ": too long for a frame, not sent";
    }
    if (counted) {
        last_fcb_ = fcb;
        last_kind_ = kind;
        last_reply_ = r.wire;
    }
    return r;
}

slave_reply slave::refuse(std::uint8_t status, std::string why) {
    switch (meter_.config().options.refuse) {
    case refusal::silent: return {{}, {}, {}, "refused silently: " + why, false};
    case refusal::ack: return ack("refused with E5: " + why);
    case refusal::ack_then_app_error:
        pending_error_ = status;
        return ack(fmt::format("refused: {}; CI 70 status {:02X} on the next REQ_UD2", why, status));
    }
    return {};
}

slave_reply slave::snd_ud(const link::frame& f, const sim_now&) {
    // A write (new address, new ID, a selection) ends any repetition: the next REQ_UD2 is new.
    last_reply_.clear();
    if (f.ci == app::ci::select || f.ci == app::ci::select_msb) {
        if (f.a == link::address::selected) return select(f);
        return refuse(app_status::unimplemented_ci, fmt::format("select CI {:02X} not sent to FD", f.ci));
    }

    const auto& rules = meter_.config().write_rules;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto& rule = rules[i];
        if (rule.ci != f.ci) continue;
        const bool hit = rule.prefix ? f.data.size() >= rule.data.size() &&
                                           std::equal(rule.data.begin(), rule.data.end(), f.data.begin())
                                     : f.data == rule.data;
        if (!hit) continue;
        pending_reply_ = rule.reply;
        pending_error_.reset();
        return ack(fmt::format("SND_UD: write rule {} matched; the next REQ_UD2 gets its telegram", i + 1));
    }

    if (f.ci == app::ci::data_send) return data_send(f);
    if (f.ci == app::ci::app_reset) {
        pending_reply_.reset();
        pending_error_.reset();
        position_ = 0;
        last_more_ = false;
        return ack(f.data.empty() ? std::string("application reset")
                                  : fmt::format("application reset, subcode {}", to_hex(f.data)));
    }
    if (const auto rate = baud_for_ci(f.ci); rate != 0) {
        auto r = ack(fmt::format("baud rate {} -> {} after this E5", meter_.baud(), rate));
        meter_.set_baud(rate);
        r.baud_after = rate;
        return r;
    }
    return refuse(app_status::unimplemented_ci, fmt::format("CI {:02X} not supported", f.ci));
}

slave_reply slave::select(const link::frame& f) {
    const auto mask = app::parse_select(f.ci, f.data);
    if (mask && app::matches(*mask, meter_.identity(), meter_.config().fabrication_number,
                             meter_.config().options.wildcards)) {
        selected_ = true;
        reset_link();
        return ack(fmt::format("selected by {}", fmt::streamed(*mask)));
    }
    // Only a meter that was selected has something to say: on a bus of many meters every select
    // passes all but a few by, and a line for each would cost more than the select itself.
    const bool was_selected = std::exchange(selected_, false);
    if (!was_selected) return {};
    return {{},
            {},
            {},
            mask ? fmt::format("deselected by {}", fmt::streamed(*mask))
                 : std::string("deselected by a malformed select"),
            false};
}

slave_reply slave::data_send(const link::frame& f) {
    const auto decoded = app::decode(app::ci::variable_none, f.data);
    if (!decoded)
        return refuse(status_for(decoded.error()), "malformed CI 51 records: " + decoded.error().message());
    const auto& records = std::get<app::variable_data>(*decoded).records;

    // Checked whole before anything changes, so that a refused SND_UD leaves the meter as it was.
    std::optional<byte> new_address;
    std::optional<app::secondary_address> new_identity;
    std::vector<const app::record*> writes;
    for (const auto& r : records) {
        if (r.dib.dif == dif_idle_filler) continue;
        if (is_plain(r, dif_int8, vif_bus_address)) {
            if (r.data[0] > link::address::max_primary)
                return refuse(app_status::unspecified,
                              fmt::format("new primary address {} above 250", r.data[0]));
            new_address = r.data[0];
        } else if (is_plain(r, dif_bcd8, vif_enhanced_id)) {
            auto id = new_identity.value_or(meter_.identity());
            id.id = app::decode_address(bytes{r.data[0], r.data[1], r.data[2], r.data[3], 0, 0, 0, 0}).id;
            if (!is_bcd_id(id.id)) return refuse(app_status::unspecified, "new identification is not BCD");
            new_identity = id;
        } else if (is_plain(r, dif_int64, vif_enhanced_id)) {
            // Eight bytes: the whole secondary address, in the order a select sends it.
            const auto id = app::decode_address(r.data);
            if (!is_bcd_id(id.id)) return refuse(app_status::unspecified, "new identification is not BCD");
            new_identity = id;
        } else if (meter_.can_write(r)) {
            writes.push_back(&r);
        } else {
            return refuse(app_status::unspecified, "record " + describe_record(r) + " is not writable");
        }
    }

    std::string note = "SND_UD:";
    for (const auto* w : writes) {
        meter_.write(*w);
        note += " wrote " + describe_record(*w) + ";";
    }
    slave_reply r;
    if (new_identity) {
        meter_.set_identity(*new_identity);
        note += fmt::format(" identification {:08X};", new_identity->id);
    }
    if (new_address) {
        note += fmt::format(" primary address {} -> {};", meter_.address(), *new_address);
        meter_.set_address(*new_address);
        r.address_after = new_address;
    }
    if (records.empty()) note += " no records";
    r.wire = {link::ack_byte};
    r.note = std::move(note);
    return r;
}

} // namespace mbus::sim
