#include <mbus/sim/fault.hpp>

#include <mbus/app/telegram.hpp>
#include <mbus/sim/fault_bytes.hpp>
#include <mbus/sim/slave.hpp>
#include <mbus/sim/uart_rate.hpp>

#include <algorithm>
#include <concepts>
#include <type_traits>
#include <variant>

#include <fmt/format.h>

namespace mbus::sim {

namespace {

bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
    bytes out(n);
    for (auto& b : out)
        b = static_cast<byte>(rng() & 0xFF);
    return out;
}

// The kinds that act on the request in offer(); every other kind acts on the answers in shape().
template <class T>
concept request_fault = std::same_as<T, faults::ignore_fcb> || std::same_as<T, faults::any_address> ||
    std::same_as<T, faults::wake_up> || std::same_as<T, faults::preamble>;

bool acts_on_request(const fault_action& a) {
    return std::visit([](const auto& x) { return request_fault<std::remove_cvref_t<decltype(x)>>; }, a);
}

bool is_fcv_req_ud2(const link::frame& f) {
    return link::kind_of(f) == link::request_kind::req_ud2 && (f.c & link::c_field::fcv) != 0;
}

// Whether the slave takes the frame as addressed to it (the rule slave::on_frame applies).
bool addressed(const slave& s, const link::frame& f) {
    const bool select = link::kind_of(f) == link::request_kind::select;
    return f.a == s.address() || f.a == link::address::broadcast_reply || f.a == link::address::broadcast ||
           (f.a == link::address::selected && (s.selected() || select));
}

bool is_ack(const bytes& wire) { return wire.size() == 1 && wire[0] == link::ack_byte; }

} // namespace

fault_engine::fault_engine(std::vector<fault_spec> faults, std::vector<std::string> meters,
                           std::uint64_t seed, time_point start)
    : meters_(std::move(meters)), start_(start), seed_(seed) {
    for (auto& f : faults)
        add(std::move(f));
    addresses_.assign(meters_.size(), 0);
}

void fault_engine::add(fault_spec f) {
    const std::size_t i = faults_.size();
    faults_.push_back(std::move(f));
    auto& st = states_.emplace_back();
    const auto& added = faults_.back();
    st.rng.seed(fault_seed(added.trigger, seed_, i));
    if (!added.meter.empty()) {
        const auto it = std::find(meters_.begin(), meters_.end(), added.meter);
        if (it == meters_.end())
            st.unknown_meter = true;
        else
            st.meter = static_cast<std::size_t>(it - meters_.begin());
    }
    st.heard.assign(meters_.size(), 0);
}

bool fault_engine::in_scope(const state& st, std::size_t slave) const {
    return !st.unknown_meter && (!st.meter || *st.meter == slave);
}

std::optional<bool> fault_engine::active(std::string_view name) const {
    for (const auto& f : faults_)
        if (f.name == name) return f.active;
    return std::nullopt;
}

bool fault_engine::set_active(std::string_view name, bool on) {
    bool found = false;
    for (auto& f : faults_)
        if (f.name == name) {
            f.active = on;
            found = true;
        }
    return found;
}

bool fault_engine::remove(std::string_view name) {
    for (std::size_t i = 0; i < faults_.size(); ++i)
        if (faults_[i].name == name) {
            faults_.erase(faults_.begin() + static_cast<std::ptrdiff_t>(i));
            states_.erase(states_.begin() + static_cast<std::ptrdiff_t>(i));
            return true;
        }
    return false;
}

void fault_engine::add_meter(std::string name) {
    meters_.push_back(std::move(name));
    addresses_.push_back(0);
    const auto index = meters_.size() - 1;
    for (std::size_t i = 0; i < faults_.size(); ++i) {
        auto& st = states_[i];
        st.heard.push_back(0);
        // A fault that named a meter the bus did not have yet acts on it from now on.
        if (st.unknown_meter && faults_[i].meter == meters_.back()) {
            st.unknown_meter = false;
            st.meter = index;
        }
    }
}

void fault_engine::power_cycled(std::size_t slave) {
    for (auto& st : states_)
        if (slave < st.heard.size()) st.heard[slave] = 0;
}

bool fault_engine::fires(std::size_t i, const link::frame& request, const request_context& ctx,
                         const sim_now& now) {
    auto& st = states_[i];
    if (st.decided_for == ctx.index) return st.fired;
    st.decided_for = ctx.index;
    st.fired = false;
    const auto& f = faults_[i];
    const auto& w = f.trigger;
    if (!f.active) return false;
    if (!w.requests.empty() &&
        std::find(w.requests.begin(), w.requests.end(), link::kind_of(request)) == w.requests.end())
        return false;
    const auto n = ++st.matched;
    if (!trigger_fires(w, n, std::chrono::duration_cast<microseconds>(now.mono - start_), st.rng))
        return false;
    st.fired = true;
    return true;
}

std::string fault_engine::line(std::size_t slave, std::string_view what, std::size_t fault) const {
    const auto& who = slave < meters_.size() ? meters_[slave] : fmt::format("#{}", slave);
    return fmt::format("meter {}: {} (fault '{}')", who, what, faults_[fault].name);
}

listeners fault_engine::listening() const {
    listeners out;
    for (std::size_t i = 0; i < faults_.size(); ++i) {
        const auto& st = states_[i];
        if (!faults_[i].active || !acts_on_request(faults_[i].action) || st.unknown_meter) continue;
        if (!st.meter) return {true, {}};
        out.slaves.push_back(*st.meter);
    }
    return out;
}

bool fault_engine::offer(std::size_t index, slave& s, link::frame& request, const request_context& ctx,
                         const sim_now& now) {
    if (index < addresses_.size()) addresses_[index] = s.address();
    for (std::size_t i = 0; i < faults_.size(); ++i) {
        const auto& f = faults_[i];
        if (!acts_on_request(f.action) || !in_scope(states_[i], index)) continue;
        const bool heard = std::visit(
            overloaded{
                [&](const faults::ignore_fcb&) {
            if (!is_fcv_req_ud2(request) || !addressed(s, request) || !fires(i, request, ctx, now))
                return true;
            pending_.push_back(
                line(index, fmt::format("took C={:02X} as FCV=0 (ignores the FCB)", request.c), i));
            request.c = static_cast<byte>(request.c & ~(link::c_field::fcv | link::c_field::fcb));
            return true;
                },
                [&](const faults::any_address&) {
            if (request.a > link::address::max_primary || request.a == s.address() ||
                !fires(i, request, ctx, now))
                return true;
            pending_.push_back(line(index, fmt::format("took address {} as its own", request.a), i));
            request.a = s.address();
            return true;
                },
                [&](const faults::wake_up& w) {
            if (!addressed(s, request) || !fires(i, request, ctx, now)) return true;
            auto& heard_so_far = states_[i].heard.at(index);
            if (heard_so_far >= w.count) return true;
            ++heard_so_far;
            pending_.push_back(line(
                index,
                fmt::format("asleep: request {} of {} after power-on not heard", heard_so_far, w.count), i));
            return false;
                },
                [&](const faults::preamble& p) {
            if (ctx.preamble_zeros >= p.zeros || !addressed(s, request) || !fires(i, request, ctx, now))
                return true;
            pending_.push_back(line(
                index,
                fmt::format("not heard: {} preamble 0x00 bytes, needs {}", ctx.preamble_zeros, p.zeros), i));
            return false;
                },
                // Filtered out above: these act in shape().
                []<class T>(const T&) requires(!request_fault<T>) { return true;
    }
    ,
},
            f.action);
if (!heard) return false;
} // namespace mbus::sim
return true;
}

bool fault_engine::apply(std::size_t i, answer& a, const request_context& ctx, std::string& what) {
    const auto& f = faults_[i];
    auto& rng = states_[i].rng;
    const auto replace = [&](std::optional<bytes> b) {
        if (!b) return false;
        a.wire = std::move(*b);
        return true;
    };
    return std::visit(
        overloaded{
            [&](const faults::no_answer&) {
                what = "no answer";
                return true; // the caller drops it
            },
            [&](const faults::late& p) {
                const auto span = static_cast<std::uint64_t>((p.delay.max - p.delay.min).count());
                a.delay = p.delay.min +
                          microseconds(static_cast<microseconds::rep>(span == 0 ? 0 : rng() % (span + 1)));
                what = fmt::format("late answer after {} ms", static_cast<double>(a.delay.count()) / 1000.0);
                return true;
            },
            [&](const faults::gap& p) {
                if (p.pause.after == 0 || p.pause.after >= a.wire.size()) return false;
                a.gaps.push_back(p.pause);
                what = fmt::format("pause of {} ms after byte {}",
                                   static_cast<double>(p.pause.length.count()) / 1000.0, p.pause.after);
                return true;
            },
            [&](const faults::bad_checksum& p) {
                what = fmt::format("checksum off by {}", p.delta);
                return replace(add_to_checksum(a.wire, p.delta));
            },
            [&](const faults::bad_stop& p) {
                what = fmt::format("stop byte {:02X}", p.stop);
                return replace(replace_stop(a.wire, p.stop));
            },
            [&](const faults::bad_length& p) {
                what = fmt::format("length field {:+} ({})", p.delta,
                                   p.which == length_field::both    ? "both"
                                   : p.which == length_field::first ? "first"
                                                                    : "second");
                return replace(add_to_length(a.wire, p.delta, p.which));
            },
            [&](const faults::truncate& p) {
                if (a.wire.size() <= p.keep) return false;
                what = fmt::format("cut to {} of {} bytes", p.keep, a.wire.size());
                a.wire.resize(p.keep);
                return true;
            },
            [&](const faults::bit_errors& p) {
                std::size_t flipped = 0;
                for (auto& b : a.wire)
                    for (unsigned bit = 0; bit < 8; ++bit)
                        if (uniform01(rng) < p.rate) {
                            b = static_cast<byte>(b ^ (1U << bit));
                            ++flipped;
                        }
                if (flipped == 0) return false;
                what = fmt::format("{} bit errors", flipped);
                return true;
            },
            [&](const faults::garbage& p) {
                const auto before = p.prefix.empty() ? random_bytes(rng, p.prefix_random) : p.prefix;
                const auto after = p.suffix.empty() ? random_bytes(rng, p.suffix_random) : p.suffix;
                a.wire.insert(a.wire.begin(), before.begin(), before.end());
                a.wire.insert(a.wire.end(), after.begin(), after.end());
                // Pauses keep their place in the answer proper.
                for (auto& g : a.gaps)
                    g.after += before.size();
                what = fmt::format("garbage [{}] before and [{}] after", to_hex(before), to_hex(after));
                return true;
            },
            [&](const faults::ack_junk& p) {
                if (!is_ack(a.wire)) return false;
                const auto junk = p.junk.empty() ? random_bytes(rng, p.junk_random) : p.junk;
                a.wire.insert(a.wire.end(), junk.begin(), junk.end());
                what = fmt::format("E5 followed by {}", to_hex(junk));
                return true;
            },
            [&](const faults::echo&) {
                a.wire.insert(a.wire.begin(), ctx.raw.begin(), ctx.raw.end());
                for (auto& g : a.gaps)
                    g.after += ctx.raw.size();
                what = fmt::format("echo of the request {}", to_hex(ctx.raw));
                return true;
            },
            [&](const faults::duplicate& p) {
                const auto one = a.wire;
                for (std::size_t k = 1; k < p.copies; ++k)
                    a.wire.insert(a.wire.end(), one.begin(), one.end());
                what = fmt::format("answer sent {} times", p.copies);
                return true;
            },
            [&](const faults::wrong_address& p) {
                auto d = link::decode(a.wire);
                if (!d || d->value.kind == link::frame_kind::ack) return false;
                const byte own = d->value.a;
                const byte to = p.address
                                    ? *p.address
                                    : static_cast<byte>(own >= link::address::max_primary ? 0 : own + 1);
                what = fmt::format("answer from address {} instead of {}", to, own);
                return replace(replace_address(a.wire, to));
            },
            [&](const faults::access_number& p) {
                what = fmt::format("access number {:02X}", p.value);
                return replace(replace_access_number(a.wire, p.value));
            },
            [&](const faults::status_flags& p) {
                what = fmt::format("status |= {:02X}", p.flags);
                return replace(or_status(a.wire, p.flags));
            },
            [&](const faults::app_error& p) {
                const auto d = link::decode(a.wire);
                const bool frame = d && d->value.kind != link::frame_kind::ack;
                const byte c = frame ? d->value.c : link::c_field::rsp_ud;
                const byte addr =
                    frame ? d->value.a : (a.slave < addresses_.size() ? addresses_[a.slave] : 0);
                a.wire = app_error_frame(c, addr, p.status);
                what = fmt::format("application error CI 70 status {:02X}", p.status);
                return true;
            },
            [&](const faults::wrong_baud& p) {
                const unsigned line_baud = ctx.line_baud != 0 ? ctx.line_baud : p.line_baud;
                if (p.baud == line_baud) return false;
                const auto rx = receive_at_rate(a.wire, p.baud, line_baud);
                std::size_t errors = 0;
                for (const auto& r : rx)
                    if (r.parity_error || r.framing_error) ++errors;
                what = fmt::format(
                    "sent {} bytes at {} baud, a {} baud UART read {} ({} with parity or framing errors)",
                    a.wire.size(), p.baud, line_baud, rx.size(), errors);
                a.wire = values(rx);
                return true;
            },
            // These acted on the request in offer().
            []<request_fault T>(const T&) { return false; },
        },
        f.action);
}

void fault_engine::shape(const link::frame& request, const request_context& ctx, const sim_now& now,
                         std::vector<answer>& answers, std::vector<std::string>& injected) {
    injected.insert(injected.end(), std::make_move_iterator(pending_.begin()),
                    std::make_move_iterator(pending_.end()));
    pending_.clear();
    for (std::size_t i = 0; i < faults_.size(); ++i) {
        const auto& f = faults_[i];
        if (acts_on_request(f.action)) continue;
        const auto ours = [&](const answer& a) { return in_scope(states_[i], a.slave) && !a.wire.empty(); };
        if (std::none_of(answers.begin(), answers.end(), ours) || !fires(i, request, ctx, now)) continue;
        for (auto& a : answers) {
            if (!ours(a)) continue;
            std::string what;
            if (!apply(i, a, ctx, what)) continue;
            injected.push_back(line(a.slave, what, i));
            if (std::holds_alternative<faults::no_answer>(f.action)) a.wire.clear();
        }
    }
    std::erase_if(answers, [](const answer& a) { return a.wire.empty(); });
}

} // namespace mbus::sim
