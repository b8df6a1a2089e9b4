#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/record_spec.hpp>
#include <mbus/link/frame.hpp>
#include <mbus/sim/meter.hpp>
#include <mbus/sim/record_value.hpp>

#include <chrono>
#include <numeric>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace mbus::sim {

namespace {

// A wall time every date field can hold, for trying date sources before any request.
const wall_time probe_wall{std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}};
constexpr std::size_t long_header_size = 12;
// L counts C, A, CI, the 12-byte header and the records.
constexpr std::size_t max_records_size = link::max_long_l - 3 - long_header_size;

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

std::size_t encoded_size(const app::record& r) {
    return app::encode(app::variable_data{app::ci::variable_none, {}, {r}}).data.size();
}

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

app::record meter::record_at(std::size_t i, const sim_now& now) {
    auto& st = state()[i];
    app::record r = shapes_->records[i].shape;
    if (st.written) {
        r.data = *st.written;
        return r;
    }
    if (!st.generator) return r;
    const auto& sr = std::get<spec_record>(config_.records[i].content);
    const auto value =
        fit(st.generator->at(now.mono - st.since, now.wall), sr.spec.coding, st.shift, st.round);
    if (!value) {
        notes_.push_back(fmt::format("record {}: value not sent ({}), its first value instead", i + 1,
                                     value.error().message()));
        return r;
    }
    if (value->clamped)
        notes_.push_back(fmt::format("record {}: value clamped to its data coding's range", i + 1));
    auto spec = sr.spec;
    spec.v = value->value;
    auto encoded = app::encode_record(spec);
    if (!encoded) {
        notes_.push_back(fmt::format("record {}: value not sent ({}), its first value instead", i + 1,
                                     encoded.error().message()));
        return r;
    }
    return std::move(*encoded);
}

std::vector<app::record> meter::records_at(const sim_now& now) {
    notes_.clear();
    std::vector<app::record> out;
    out.reserve(config_.records.size());
    for (std::size_t i = 0; i < config_.records.size(); ++i)
        out.push_back(record_at(i, now));
    return out;
}

std::vector<std::vector<std::size_t>> meter::split(const std::vector<app::record>& records) const {
    if (!config_.pages.empty()) {
        std::vector<std::vector<std::size_t>> pages;
        for (const auto& page : config_.pages) {
            auto& p = pages.emplace_back();
            for (const auto i : page)
                if (i < records.size()) p.push_back(i);
        }
        return pages;
    }
    std::vector<std::size_t> sizes;
    for (const auto& r : records)
        sizes.push_back(encoded_size(r));
    std::vector<std::vector<std::size_t>> pages;
    std::size_t i = 0;
    do {
        auto& page = pages.emplace_back();
        if (std::accumulate(sizes.begin() + static_cast<std::ptrdiff_t>(i), sizes.end(), std::size_t{0}) <=
            max_records_size) {
            for (; i < records.size(); ++i)
                page.push_back(i);
            break;
        }
        // Not the last telegram: leave room for the DIF 1F that says so.
        std::size_t used = 0;
        for (; i < records.size() && used + sizes[i] <= max_records_size - 1; ++i) {
            page.push_back(i);
            used += sizes[i];
        }
        if (page.empty()) page.push_back(i++); // too long for any frame: check() reports it
    } while (i < records.size());
    return pages;
}

std::uint8_t meter::take_access_number() {
    const auto n = access_;
    if (!config_.access_number.fixed) ++access_;
    return n;
}

telegram meter::variable_telegram(std::vector<app::record> records, bool more, bool acd) {
    if (more)
        records.push_back(app::record{app::dib{app::special_dif::more_records_follow, {}}, std::nullopt, {}});
    app::variable_data v;
    v.ci = app::ci::variable_long;
    v.header = app::header{identity_, take_access_number(), status_, config_.signature};
    v.records = std::move(records);
    auto ud = app::encode(v);
    auto t = frame_telegram(
        link::frame::long_frame(static_cast<byte>(link::c_field::rsp_ud | (acd ? link::c_field::acd : 0)),
                                address_, ud.ci, std::move(ud.data)));
    t.more_follows = more;
    return t;
}

telegram meter::readout(std::size_t index, const sim_now& now, bool acd) {
    notes_.clear();
    if (!generates()) {
        if (index >= config_.recorded.size()) index = 0;
        auto t = render(config_.recorded[index], acd);
        t.index = index;
        return t;
    }
    auto records = records_at(now);
    const auto pages = split(records);
    if (index >= pages.size()) index = 0;
    std::vector<app::record> page;
    for (const auto i : pages[index])
        page.push_back(std::move(records[i]));
    auto t = variable_telegram(std::move(page), index + 1 < pages.size(), acd);
    t.index = index;
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
