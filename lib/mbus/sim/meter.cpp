#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/record_value.hpp>

#include <bit>
#include <chrono>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <boost/container/small_vector.hpp>
#include <fmt/format.h>

namespace mbus::sim {

namespace {

// A wall time every date field can hold, for trying date sources before any request.
const wall_time probe_wall{std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}};
constexpr std::size_t long_header_size = 12;
// L counts C, A, CI, the 12-byte header and the records.
constexpr std::size_t max_records_size = link::max_long_l - 3 - long_header_size;

constexpr byte dif_more_records_follow = 0x1F;
constexpr std::size_t frame_overhead = 9; // 68 L L 68 C A CI before the data, CS 16 after it

// The bytes of `r` inside a telegram, as app::encode writes them (a plain-text unit after VIF
// 7C/FC, with its length first).
constexpr bool is_plain_text_vif(byte vif) { return (vif & 0x7F) == 0x7C; }

std::size_t head_size(const app::record& r) {
    std::size_t n = 1 + r.dib.dife.size();
    if (r.vib) {
        n += 1 + r.vib->vife.size();
        if (is_plain_text_vif(r.vib->vif)) n += 1 + r.vib->plain_text.size();
    }
    return n;
}

// Equal values (app::value, or a generator's sample) encode to equal bytes. Doubles are compared bit
// for bit: 0.0 and -0.0 are equal numbers but not equal real32 fields.
template <class Variant>
bool same_value(const Variant& a, const Variant& b) {
    const auto* x = std::get_if<double>(&a);
    const auto* y = std::get_if<double>(&b);
    if (x != nullptr || y != nullptr)
        return x != nullptr && y != nullptr &&
               std::bit_cast<std::uint64_t>(*x) == std::bit_cast<std::uint64_t>(*y);
    return a == b;
}

void put16(bytes& out, std::uint16_t v) {
    out.push_back(static_cast<byte>(v & 0xFFU));
    out.push_back(static_cast<byte>(v >> 8U));
}

bool more_follows_in(byte ci, bytes_view data) {
    const auto ud = app::decode(ci, data);
    return ud && app::more_records_follow(*ud);
}

telegram frame_telegram(const link::frame& f) {
    auto wire = link::encode(f);
    // Only a frame over 255 L fails to encode; check() reports such a meter before it runs.
    if (!wire) return {};
    return {std::move(*wire), false};
}

// Powers of ten from a source's number to the record's field. The exponent comes from the VIB
// alone (spec.v may be unset).
int source_shift(const spec_record& sr) {
    auto bare = sr.spec;
    bare.coding = app::data_coding::none;
    bare.v = {};
    const auto vib = app::encode_record(bare);
    const auto meaning = vib ? app::describe(*vib) : result<app::record_meaning>(app::errc::invalid_value);
    const int exponent = meaning && meaning->vib ? meaning->vib->exponent : 0;
    return sr.value_exponent - exponent;
}

// A sample as its operator<< writes it (fmt finds no operator<< for a std::variant by ADL).
std::string text(const sample& x) {
    std::ostringstream os;
    os << x;
    return os.str();
}

// The numbers a source reaches, for checking them against a coding before it runs.
std::vector<sample> extremes(const value_source& s) {
    struct visitor {
        std::vector<sample> operator()(const constant& c) const { return {c.value}; }
        std::vector<sample> operator()(const counter& c) const { return {c.start}; }
        std::vector<sample> operator()(const ramp& r) const { return {r.from, r.to}; }
        std::vector<sample> operator()(const sine& w) const {
            return {w.offset - w.amplitude, w.offset + w.amplitude};
        }
        std::vector<sample> operator()(const random_walk& w) const { return {w.min, w.max, w.start}; }
        std::vector<sample> operator()(const current_date& d) const {
            return {evaluate(d, duration{}, probe_wall)};
        }
        std::vector<sample> operator()(const current_date_time& d) const {
            return {evaluate(d, duration{}, probe_wall)};
        }
    };
    return std::visit(visitor{}, s);
}

} // namespace

std::optional<std::string> source_problem(const meter_config& m, std::size_t index,
                                          const value_source& source) {
    if (!m.recorded.empty()) return "the meter replays recorded telegrams: its records are never sent";
    if (index >= m.records.size())
        return fmt::format("record {} does not exist: the meter has {} record{}", index + 1, m.records.size(),
                           m.records.size() == 1 ? "" : "s");
    const auto* sr = std::get_if<spec_record>(&m.records[index].content);
    if (sr == nullptr)
        return fmt::format("record {} is given as raw bytes: only a record described by its quantity "
                           "takes a new value",
                           index + 1);
    if (sr->spec.coding == app::data_coding::none)
        return fmt::format("record {} has type \"none\" and sends no value", index + 1);
    const auto shift = source_shift(*sr);
    for (const auto& x : extremes(source)) {
        const auto v = fit(x, sr->spec.coding, shift, rounding_of(source));
        if (!v)
            return fmt::format("record {} cannot send {} as {}: {}", index + 1, text(x),
                               app::name(sr->spec.coding), v.error().message());
        if (v->clamped)
            return fmt::format("record {} cannot send {}: it is beyond what {} holds", index + 1, text(x),
                               app::name(sr->spec.coding));
    }
    return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, const telegram& t) {
    return os << to_hex(t.wire) << (t.more_follows ? " (more follow)" : "");
}

std::size_t encoded_size(const app::record& r) { return head_size(r) + r.data.size(); }

bool same_field(const app::record& a, const app::record& b) { return a.dib == b.dib && a.vib == b.vib; }

meter::meter(meter_config config, time_point start)
    : config_(std::move(config)), start_(start), address_(config_.primary_address),
      identity_(config_.identity), baud_(config_.baud), alarm_pending_(config_.alarm_pending),
      status_(config_.status), access_(config_.access_number.initial), shapes_(shapes_of(config_)) {}

std::shared_ptr<const meter::record_shapes> meter::shapes_of(const meter_config& config) {
    // The meters of one table come one after the other: the last list's shapes serve them all
    // without keeping a map of every list (one per thread: buses may be built on several).
    thread_local shared_vector<record_config> last_records;
    thread_local std::shared_ptr<const record_shapes> last_shapes;
    static const auto no_records = std::make_shared<const record_shapes>();
    if (config.records.empty()) return no_records;
    if (last_shapes && config.records.shares_with(last_records)) return last_shapes;

    auto out = std::make_shared<record_shapes>();
    out->records.resize(config.records.size());
    for (std::size_t i = 0; i < config.records.size(); ++i) {
        auto& st = out->records[i];
        if (const auto* raw = std::get_if<raw_record>(&config.records[i].content)) {
            st.shape = raw->record;
            continue;
        }
        const auto& sr = std::get<spec_record>(config.records[i].content);
        auto spec = sr.spec;
        if (sr.source) {
            // The shape of a sourced record is what its source gives at the start (spec.v may be
            // unset); the exponent that scales the source comes from the VIB alone.
            st.shift = source_shift(sr);
            st.round = rounding_of(*sr.source);
            const auto first =
                fit(evaluate(*sr.source, duration{}, probe_wall), spec.coding, st.shift, st.round);
            if (!first) {
                st.shape = app::idle_filler_record();
                out->problems.push_back(fmt::format("record {}: its source does not fit {} ({})", i + 1,
                                                    app::name(spec.coding), first.error().message()));
                continue;
            }
            spec.v = first->value;
        }
        auto encoded = app::encode_record(spec);
        if (!encoded) {
            st.shape = app::idle_filler_record();
            out->problems.push_back(fmt::format("record {}: {}", i + 1, encoded.error().message()));
            continue;
        }
        st.shape = std::move(*encoded);
        st.sourced = sr.source.has_value();
    }
    for (auto& st : out->records) {
        app::append_record(st.wire, st.shape);
        st.head = head_size(st.shape);
    }
    last_records = config.records;
    last_shapes = out;
    return out;
}

std::vector<meter::record_state>& meter::state() {
    if (state_.empty() && !shapes_->records.empty()) {
        state_.resize(shapes_->records.size());
        for (std::size_t i = 0; i < state_.size(); ++i) {
            const auto& shape = shapes_->records[i];
            auto& st = state_[i];
            st.since = start_;
            st.shift = shape.shift;
            st.round = shape.round;
            if (shape.sourced)
                st.generator.emplace(*std::get<spec_record>(config_.records[i].content).source);
        }
    }
    return state_;
}

const std::optional<bytes>& meter::written(std::size_t index) const {
    static const std::optional<bytes> none;
    if (!state_.empty()) return state_.at(index).written;
    if (index >= shapes_->records.size()) throw std::out_of_range("meter::written: no such record");
    return none;
}

std::optional<app::value> meter::value_at(std::size_t i, const sim_now& now) {
    auto& st = state()[i];
    return fitted(i, st.generator->at(now.mono - st.since, now.wall));
}

std::optional<app::value> meter::fitted(std::size_t i, const sample& s) {
    const auto& st = state()[i];
    const auto& sr = std::get<spec_record>(config_.records[i].content);
    auto value = fit(s, sr.spec.coding, st.shift, st.round);
    if (!value) {
        notes_.push_back(fmt::format("record {}: value not sent ({}), its first value instead", i + 1,
                                     value.error().message()));
        return std::nullopt;
    }
    if (value->clamped)
        notes_.push_back(fmt::format("record {}: value clamped to its data coding's range", i + 1));
    return std::move(value->value);
}

app::record meter::record_at(std::size_t i, const sim_now& now) {
    auto& st = state()[i];
    app::record r = shapes_->records[i].shape;
    if (st.written) {
        r.data = *st.written;
        return r;
    }
    if (!st.generator) return r;
    auto value = value_at(i, now);
    if (!value) return r;
    auto spec = std::get<spec_record>(config_.records[i].content).spec;
    spec.v = std::move(*value);
    auto encoded = app::encode_record(spec);
    if (!encoded) {
        notes_.push_back(fmt::format("record {}: value not sent ({}), its first value instead", i + 1,
                                     encoded.error().message()));
        return r;
    }
    return std::move(*encoded);
}

// What record_at() gives, as bytes, without building the record while its value stays the same.
meter::record_bytes meter::bytes_at(std::size_t i, const sim_now& now) {
    auto& st = state()[i];
    const auto& shape = shapes_->records[i];
    const bytes_view head{shape.wire.data(), shape.head};
    if (st.written) return {head, *st.written};
    const auto whole = record_bytes{head, bytes_view{shape.wire}.subspan(shape.head)};
    if (!st.generator) return whole;
    const auto s = st.generator->at(now.mono - st.since, now.wall);
    if (st.sent_sample && same_value(*st.sent_sample, s)) return {{}, st.encoded};
    st.sent_sample.reset();
    const auto notes = notes_.size();
    auto value = fitted(i, s);
    if (!value) return whole;
    if (!st.encoded_value || !same_value(*st.encoded_value, *value)) {
        auto spec = std::get<spec_record>(config_.records[i].content).spec;
        spec.v = *value;
        auto encoded = app::encode_record(spec);
        if (!encoded) {
            notes_.push_back(fmt::format("record {}: value not sent ({}), its first value instead", i + 1,
                                         encoded.error().message()));
            return whole;
        }
        st.encoded.clear();
        app::append_record(st.encoded, *encoded);
        st.encoded_value = std::move(*value);
    }
    if (notes_.size() == notes) st.sent_sample = s; // a clamped value says so at every poll
    return {{}, st.encoded};
}

std::vector<app::record> meter::records_at(const sim_now& now) {
    notes_.clear();
    std::vector<app::record> out;
    out.reserve(config_.records.size());
    for (std::size_t i = 0; i < config_.records.size(); ++i)
        out.push_back(record_at(i, now));
    return out;
}

std::uint8_t meter::take_access_number() {
    const auto n = access_;
    if (!config_.access_number.fixed) ++access_;
    return n;
}

telegram meter::readout(std::size_t index, const sim_now& now, bool acd) {
    notes_.clear();
    if (!generates()) {
        if (index >= config_.recorded.size()) index = 0;
        auto t = render(config_.recorded[index], acd);
        t.index = index;
        return t;
    }
    // Every poll comes here: the records go straight into the frame, on the stack until then.
    const auto n = config_.records.size();
    boost::container::small_vector<record_bytes, 16> records;
    for (std::size_t i = 0; i < n; ++i)
        records.push_back(bytes_at(i, now));

    // The record indices of telegram `index` (the first when `index` is past the last), and how many
    // telegrams the readout has: the configured pages, else as many records as fit in each, room
    // left for the DIF 1F that closes every telegram but the last.
    boost::container::small_vector<std::size_t, 16> page;
    std::size_t pages = 0;
    if (!config_.pages.empty()) {
        pages = config_.pages.size();
        if (index >= pages) index = 0;
        for (const auto i : config_.pages[index])
            if (i < n) page.push_back(i);
    } else {
        boost::container::small_vector<std::size_t, 4> starts; // of each telegram, then n
        std::size_t left = 0;
        for (const auto& r : records)
            left += r.size();
        std::size_t i = 0;
        do {
            starts.push_back(i);
            if (left <= max_records_size) {
                i = n;
                break;
            }
            const auto first = i;
            std::size_t used = 0;
            for (; i < n && used + records[i].size() <= max_records_size - 1; ++i)
                used += records[i].size();
            if (i == first) used = records[i++].size(); // too long for any frame: check() reports it
            left -= used;
        } while (i < n);
        starts.push_back(n);
        pages = starts.size() - 1;
        if (index >= pages) index = 0;
        for (auto k = starts[index]; k < starts[index + 1]; ++k)
            page.push_back(k);
    }
    const bool more = index + 1 < pages;

    std::size_t data_size = long_header_size + (more ? 1 : 0);
    for (const auto i : page)
        data_size += records[i].size();
    const auto access = take_access_number();
    telegram t;
    t.more_follows = more;
    t.index = index;
    // Only a frame over 255 L cannot be sent; check() reports such a meter before it runs.
    if (data_size > link::max_long_l - 3) return t;
    auto& w = t.wire;
    w.reserve(data_size + frame_overhead);
    const auto l = static_cast<byte>(data_size + 3);
    const auto c = static_cast<byte>(link::c_field::rsp_ud | (acd ? link::c_field::acd : 0));
    w.insert(w.end(), {link::long_start, l, l, link::long_start, c, address_, app::ci::variable_long});
    // The CI 72 header: identification, manufacturer, version, medium (as in a select), access
    // number, status, signature.
    for (int shift = 0; shift < 32; shift += 8)
        w.push_back(static_cast<byte>(identity_.id >> shift));
    put16(w, identity_.manufacturer);
    w.push_back(identity_.version);
    w.push_back(identity_.medium);
    w.push_back(access);
    w.push_back(status_);
    put16(w, config_.signature);
    for (const auto i : page) {
        w.insert(w.end(), records[i].head.begin(), records[i].head.end());
        w.insert(w.end(), records[i].data.begin(), records[i].data.end());
    }
    if (more) w.push_back(dif_more_records_follow);
    byte sum = 0;
    for (auto k = std::size_t{4}; k < w.size(); ++k)
        sum = static_cast<byte>(sum + w[k]);
    w.push_back(sum);
    w.push_back(link::stop_byte);
    return t;
}

telegram meter::render(const recorded_telegram& t, bool acd) const {
    if (const auto* ud = std::get_if<recorded_user_data>(&t)) {
        auto out = frame_telegram(
            link::frame::long_frame(static_cast<byte>(link::c_field::rsp_ud | (acd ? link::c_field::acd : 0)),
                                    address_, ud->ci, ud->data));
        out.more_follows = more_follows_in(ud->ci, ud->data);
        return out;
    }
    const auto& wire = std::get<recorded_frame>(t).wire;
    telegram out{wire, false};
    if (const auto f = link::decode(wire); f && f->value.kind == link::frame_kind::long_frame)
        out.more_follows = more_follows_in(f->value.ci, f->value.data);
    return out;
}

telegram meter::alarm_telegram(const sim_now& now) {
    // The alarm is delivered with this reply, so the reply itself no longer announces one.
    if (config_.alarm) return render(*config_.alarm, false);
    return readout(0, now, false);
}

telegram meter::app_error(std::uint8_t status, bool acd) const {
    auto ud = app::encode(app::application_error{status});
    return frame_telegram(
        link::frame::long_frame(static_cast<byte>(link::c_field::rsp_ud | (acd ? link::c_field::acd : 0)),
                                address_, ud.ci, std::move(ud.data)));
}

bool meter::set_source(std::size_t index, value_source source, time_point since) {
    if (source_problem(config_, index, source)) return false;
    auto& st = state()[index];
    const auto& sr = std::get<spec_record>(config_.records[index].content);
    st.shift = source_shift(sr);
    st.round = rounding_of(source);
    st.generator.emplace(std::move(source));
    st.since = since;
    st.written.reset();
    st.sent_sample.reset();
    return true;
}

const value_source* meter::source(std::size_t index) const {
    if (state_.empty()) {
        const auto& shape = shapes_->records.at(index);
        return shape.sourced ? &*std::get<spec_record>(config_.records[index].content).source : nullptr;
    }
    const auto& st = state_.at(index);
    if (st.written || !st.generator) return nullptr;
    return &st.generator->source();
}

bool meter::can_write(const app::record& r) const {
    for (std::size_t i = 0; i < config_.records.size(); ++i)
        if (config_.records[i].writable && same_field(shapes_->records[i].shape, r)) return true;
    return false;
}

bool meter::write(const app::record& r) {
    for (std::size_t i = 0; i < config_.records.size(); ++i) {
        if (config_.records[i].writable && same_field(shapes_->records[i].shape, r)) {
            state()[i].written = r.data;
            return true;
        }
    }
    return false;
}

bool meter::write(std::size_t index, bytes data) {
    if (index >= config_.records.size() || !config_.records[index].writable) return false;
    state()[index].written = std::move(data);
    return true;
}

} // namespace mbus::sim
