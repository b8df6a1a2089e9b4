#include <mbus/master/scan.hpp>

#include <mbus/app/manufacturer.hpp>
#include <mbus/app/secondary_address.hpp>
#include <mbus/master/errc.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <ostream>
#include <set>

namespace mbus::master {

namespace {

constexpr byte fd = link::address::selected;

// The fields after the identification number, by the nibble positions they take.
enum class field : std::uint8_t { manufacturer, version, medium };
struct field_span {
    field f;
    std::size_t first;
    std::size_t width;
};
constexpr std::array<field_span, 3> fields{
    {{field::manufacturer, 8, 4}, {field::version, 12, 2}, {field::medium, 14, 2}}};
const field_span& span_of(std::size_t pos) {
    for (const auto& s : fields)
        if (pos >= s.first && pos < s.first + s.width) return s;
    return fields[0]; // unreachable for pos 8..15
}
bool field_open(const app::secondary_address& a, const field_span& s) {
    for (std::size_t p = s.first; p < s.first + s.width; ++p)
        if (app::nibble(a, p) != app::wildcard_nibble) return false;
    return true;
}
app::secondary_address with_field(app::secondary_address a, field f, unsigned v) {
    switch (f) {
    case field::manufacturer: a.manufacturer = static_cast<std::uint16_t>(v); break;
    case field::version: a.version = static_cast<std::uint8_t>(v); break;
    case field::medium: a.medium = static_cast<std::uint8_t>(v); break;
    }
    return a;
}

// Whether `mask` selects `a` (an F nibble takes any value): an answer that it does not is no
// answer to this select.
bool selected_by(const app::secondary_address& mask, const app::secondary_address& a) {
    return app::matches({mask, std::nullopt}, a, std::nullopt, app::wildcard_style::nibbles_everywhere);
}

bool open_id_digit(const app::secondary_address& a) {
    for (std::size_t p = 0; p < app::id_nibbles; ++p)
        if (app::nibble(a, p) == app::wildcard_nibble) return true;
    return false;
}

bool is_rsp_ud(const link::frame& f) {
    return (f.kind == link::frame_kind::long_frame || f.kind == link::frame_kind::control) &&
           (f.c & 0xCFU) == link::c_field::rsp_ud;
}

// Counts frames by kind, and the bytes each way, as they pass to the caller's hook.
struct frame_counter {
    unsigned sent{0}, selects{0}, requests{0};
    line_use use;
    transcript_hook forward;
    void operator()(const transcript_entry& e) {
        if (e.kind == transcript_kind::sent) {
            use.request_bytes += e.raw.size();
            if (!e.frame || e.frame->a != link::address::broadcast) ++use.requests;
        } else {
            use.answer_bytes += e.raw.size(); // received, junk, stale; a timeout carries none
        }
        if (e.kind == transcript_kind::sent && e.frame) {
            ++sent;
            const auto& f = *e.frame;
            if (f.kind != link::frame_kind::short_frame &&
                (f.ci == app::ci::select || f.ci == app::ci::select_msb) && f.a == fd)
                ++selects;
            if (f.kind == link::frame_kind::short_frame && (f.c & 0xDFU) == link::c_field::req_ud2)
                ++requests;
        }
        if (forward) forward(e);
    }
};

class secondary_scanner {
  public:
    secondary_scanner(transport::byte_stream& io, const master_options& mo, const secondary_scan_options& o)
        : master_(io, mo), options_(o), start_(clock::now()) {
        counter_ = std::make_shared<frame_counter>();
        counter_->forward = o.transcript;
        master_.set_transcript([c = counter_](const transcript_entry& e) { (*c)(e); });
    }

    asio::awaitable<secondary_scan_result> run() {
        if (options_.ci != app::ci::select && options_.ci != app::ci::select_msb) {
            fail(make_error_code(errc::invalid_argument));
            out_.stop_reason = "the select CI must be 52 or 56";
            co_return finish();
        }
        if (options_.reset_first) {
            // Deselects whatever an earlier master left selected; a selected meter answers E5.
            auto r = co_await master_.exchange(link::frame::short_frame(link::c_field::snd_nke, fd));
            if (!r) fail(r.error());
            if (!stopped_) {
                auto s = co_await master_.send(
                    link::frame::short_frame(link::c_field::snd_nke, link::address::broadcast));
                if (!s) fail(s.error());
            }
        }
        if (!stopped_) co_await visit(options_.start, 0);
        co_return finish();
    }

  private:
    enum class outcome : std::uint8_t { none, one, many };
    static unsigned count(outcome o) { return o == outcome::none ? 0U : o == outcome::one ? 1U : 2U; }

    void fail(std::error_code ec) {
        stop(ec.message());
        out_.error = ec;
    }
    void stop(std::string why) {
        if (stopped_) return;
        stopped_ = true;
        out_.complete = false;
        out_.stop_reason = std::move(why);
    }
    bool out_of_time() {
        if (options_.cancelled && options_.cancelled()) stop("interrupted");
        if (options_.max_duration > duration::zero() && clock::now() - start_ >= options_.max_duration)
            stop("time limit reached");
        if (counter_->selects >= options_.max_selects)
            stop("select limit reached (" + std::to_string(options_.max_selects) +
                 "): does the line garble every answer?");
        return stopped_;
    }

    secondary_scan_result finish() {
        for (auto& [key, m] : found_)
            out_.meters.push_back(m);
        out_.selects = counter_->selects;
        out_.requests = counter_->requests;
        out_.frames_sent = counter_->sent;
        out_.use = counter_->use;
        out_.elapsed = clock::now() - start_;
        return std::move(out_);
    }

    // The probes already due: the untried siblings on every level of the search so far.
    struct level {
        std::vector<unsigned>& due;
        explicit level(std::vector<unsigned>& d) : due(d) { due.push_back(0); }
        level(const level&) = delete;
        level& operator=(const level&) = delete;
        ~level() { due.pop_back(); }
        void left(std::size_t n) { due.back() = static_cast<unsigned>(n); }
    };

    void report(const app::secondary_address& mask) {
        if (!options_.progress) return;
        scan_progress p;
        p.probing = "mask " + secondary_string(mask);
        p.found = found_.size();
        p.collisions = out_.collisions.size();
        p.probes = counter_->sent;
        p.elapsed = clock::now() - start_;
        unsigned due = 0;
        for (auto d : due_)
            due += d;
        // Each probe due costs at least what one has cost so far, and at least a silent one.
        const auto mean =
            counter_->sent == 0 ? master_.options().timing.response_timeout : p.elapsed / counter_->sent;
        p.left = due * mean;
        p.left_at_least = true;
        options_.progress(p);
    }

    // Tells the caller of a meter once, when it is known to be there.
    void announce(const std::string& key) {
        const auto it = found_.find(key);
        if (it == found_.end() || !announced_.insert(key).second) return;
        if (options_.on_found) options_.on_found(it->second);
    }

    // Probes `mask`, and if meters answer, finds them all: the number of meters it accounts for
    // (0, 1, or 2 for "more than one").
    asio::awaitable<outcome> visit(const app::secondary_address& mask, std::size_t pos) {
        if (stopped_ || out_of_time()) co_return outcome::none;
        report(mask);
        auto r = co_await master_.select({mask, {}}, options_.ci, options_.retries_on_silence);
        if (!r) {
            fail(r.error());
            co_return outcome::none;
        }
        switch (presence_of(*r)) {
        case presence::none: co_return outcome::none;
        case presence::one: {
            const auto before = found_.size();
            const auto o = co_await identify(mask);
            if (o == outcome::many) {
                co_await explore(mask, pos);
                co_return outcome::many;
            }
            if (o == outcome::none || !options_.thorough || !open_id_digit(mask)) {
                if (o == outcome::one) announce(last_key_);
                co_return o;
            }
            const auto first = last_key_;
            co_await explore(mask, pos, false);
            if (found_.size() <= before + 1) {
                announce(first);
                co_return outcome::one;
            }
            // Several meters below a mask that got one clean answer: their answers lined up bit for
            // bit, and what the REQ_UD2 brought back may be their wired-AND, a meter that does not
            // exist. A real one is found again by a narrower select (record() then narrows its
            // mask); one that is not was made by the wire.
            if (const auto it = found_.find(first); it != found_.end() && it->second.mask == mask)
                found_.erase(it);
            co_return outcome::many;
        }
        case presence::collision:
            out_.collisions.push_back({mask, collision_source::select, r->kind});
            co_await explore(mask, pos);
            co_return outcome::many;
        }
        co_return outcome::none;
    }

    // One meter said E5: REQ_UD2 at FD for its identity. Repeated on silence only; a collision
    // means several meters whose E5s lined up.
    asio::awaitable<outcome> identify(const app::secondary_address& mask) {
        const byte c = static_cast<byte>(link::c_field::req_ud2 | link::c_field::fcv |
                                         (master_.next_fcb(fd) ? link::c_field::fcb : 0));
        for (unsigned attempt = 0; attempt <= master_.options().retries; ++attempt) {
            if (stopped_ || out_of_time()) co_return outcome::none;
            auto r = co_await master_.exchange(link::frame::short_frame(c, fd));
            if (!r) {
                fail(r.error());
                co_return outcome::none;
            }
            if (r->kind == reply_kind::none) continue;
            if (is_collision(r->kind)) {
                out_.collisions.push_back({mask, collision_source::request, r->kind});
                co_return outcome::many;
            }
            meter_found m{mask, {}, mask, false};
            if (r->kind == reply_kind::frame && is_rsp_ud(*r->frame)) {
                m.primary = r->frame->a;
                const auto t = make_telegram(*r->frame);
                if (const auto* v = t.variable(); v != nullptr && v->header.address) {
                    m.address = *v->header.address;
                    m.identified = true;
                }
            }
            // A telegram from a meter this mask does not select is a late answer to something
            // earlier: ask again. A meter that keeps giving it is taken at its word.
            if (m.identified && !selected_by(mask, m.address) && attempt < master_.options().retries)
                continue;
            record(m);
            co_return outcome::one;
        }
        // Selected, then silent: a meter that takes selects but does not answer at FD.
        record(meter_found{mask, {}, mask, false});
        co_return outcome::one;
    }

    void record(const meter_found& m) {
        const auto key = secondary_string(m.address);
        last_key_ = key;
        if (auto it = found_.find(key); it != found_.end()) {
            // Found again below a wildcard mask that hid others (thorough): the answer to the more
            // specific select is this meter's own, not a wired-AND of several.
            if (app::open_nibbles(m.mask) < app::open_nibbles(it->second.mask)) it->second = m;
            return;
        }
        found_.emplace(key, m);
        if (m.identified && std::find(seen_.begin(), seen_.end(), m.address.manufacturer) == seen_.end())
            seen_.push_back(m.address.manufacturer);
    }

    // `mask` collided (or, with `collided` false, a thorough scan checks what one clean answer
    // may hide); nibbles before `pos` are decided (fixed, or left open on purpose).
    asio::awaitable<void> explore(const app::secondary_address& mask, std::size_t pos, bool collided = true) {
        while (pos < app::address_nibbles && app::nibble(mask, pos) != app::wildcard_nibble)
            ++pos;
        if (stopped_ || (!collided && pos >= 8)) co_return;
        if (pos == app::address_nibbles) {
            out_.unresolved.push_back(
                {mask, "meters answer this mask together and no candidate told them apart (identical "
                       "secondary addresses, or values outside the candidate lists)"});
            co_return;
        }
        unsigned accounted = 0;
        const unsigned top = pos < 8 && !options_.hex ? 9 : 0xE;
        level here(due_);
        for (unsigned d = 0; d <= top && !stopped_; ++d) {
            here.left(top - d);
            accounted += count(co_await visit(app::with_nibble(mask, pos, d), pos + 1));
        }
        here.left(0);
        // Children that explain fewer than two meters leave part of a collision unexplained; after
        // one clean answer there is nothing left to explain.
        if (accounted >= 2 || stopped_ || !collided) co_return;
        if (pos >= 8) {
            const auto& s = span_of(pos);
            if (pos == s.first && field_open(mask, s)) {
                // No nibble wildcards in this field: whole values.
                const auto values = candidates(s.f);
                for (std::size_t i = 0; i < values.size(); ++i) {
                    if (stopped_) co_return;
                    here.left(values.size() - 1 - i);
                    accounted += count(co_await visit(with_field(mask, s.f, values[i]), s.first + s.width));
                }
                here.left(0);
                if (accounted >= 2 || stopped_) co_return;
                co_await explore(mask, s.first + s.width); // leave the field open
                co_return;
            }
        }
        // The F branch (hex digits), or a digit outside 0-9: leave this nibble open.
        co_await explore(mask, pos + 1);
    }

    std::vector<unsigned> candidates(field f) const {
        std::vector<unsigned> out;
        if (f != field::manufacturer) {
            for (unsigned v = 0; v < 0xFF; ++v)
                out.push_back(v);
            return out;
        }
        auto add = [&](std::uint16_t v) {
            if (v != 0xFFFF && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
        };
        for (auto v : seen_)
            add(v);
        for (auto v : options_.manufacturers)
            add(v);
        for (auto v : common_manufacturers())
            add(v);
        return out;
    }

    bus_master master_;
    secondary_scan_options options_;
    time_point start_;
    std::shared_ptr<frame_counter> counter_;
    secondary_scan_result out_;
    std::map<std::string, meter_found> found_; // by secondary_string: sorted, one per address
    std::vector<std::uint16_t> seen_;
    std::string last_key_; // the meter record() saw last
    std::set<std::string> announced_;
    std::vector<unsigned> due_; // per level of explore(): siblings not yet probed
    bool stopped_{false};
};

} // namespace

result<app::secondary_address> parse_secondary(std::string_view text) {
    if (text.size() != 8 && text.size() != 16) return unexpected(errc::invalid_argument);
    std::uint64_t v = 0;
    for (char ch : text) {
        unsigned d = 0;
        if (ch >= '0' && ch <= '9')
            d = static_cast<unsigned>(ch - '0');
        else if (ch >= 'A' && ch <= 'F')
            d = static_cast<unsigned>(ch - 'A' + 10);
        else if (ch >= 'a' && ch <= 'f')
            d = static_cast<unsigned>(ch - 'a' + 10);
        else
            return unexpected(errc::invalid_argument);
        v = v << 4 | d;
    }
    if (text.size() == 8) {
        auto a = any_address();
        a.id = static_cast<std::uint32_t>(v);
        return a;
    }
    const auto wire_lo = static_cast<std::uint16_t>((v >> 24) & 0xFFU);
    const auto wire_hi = static_cast<std::uint16_t>((v >> 16) & 0xFFU);
    return app::secondary_address{static_cast<std::uint32_t>(v >> 32),
                                  static_cast<std::uint16_t>(wire_hi << 8 | wire_lo),
                                  static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

app::secondary_address any_address() { return {0xFFFFFFFF, 0xFFFF, 0xFF, 0xFF}; }

const std::vector<std::uint16_t>& common_manufacturers() {
    static const std::vector<std::uint16_t> codes = [] {
        // The makers libmbus names products for (mbus_data_product_name), then other makers common
        // on wired M-Bus (FLAG association codes).
        static constexpr const char* letters[] = {
            "ABB", "ACW", "AMT", "BEC", "EFE", "ELS", "ELV", "EMH", "EMU", "GAV", "GMC", "KAM", "SLB",
            "HYD", "JAN", "LUG", "LSE", "NZR", "RAM", "REL", "RKE", "SBC", "SEO", "GTE", "SEN", "SON",
            "SPX", "SVM", "TCH", "WZG", "ZRM", "ZRI", "DME", "ITW", "APA", "BMT", "DWZ", "ECS", "ENG",
            "GWF", "IST", "ITR", "LGB", "MAD", "QDS", "SAP", "SCH", "SIE", "WEH", "TST"};
        std::vector<std::uint16_t> out;
        for (const char* l : letters)
            if (auto c = app::manufacturer_code(l)) out.push_back(*c);
        return out;
    }();
    return codes;
}

std::string meter_found::manufacturer() const { return app::manufacturer_letters(address.manufacturer); }

std::string_view name(collision_source s) { return s == collision_source::select ? "select" : "request"; }

std::size_t primary_scan_result::collisions() const {
    return static_cast<std::size_t>(std::count_if(
        found.begin(), found.end(), [](const address_found& a) { return a.answer == presence::collision; }));
}

asio::awaitable<primary_scan_result> scan_primary(transport::byte_stream& io, const master_options& mo,
                                                  const primary_scan_options& options) {
    primary_scan_result out;
    const auto start = clock::now();
    bus_master master(io, mo);
    auto counter = std::make_shared<frame_counter>();
    counter->forward = options.transcript;
    master.set_transcript([counter](const transcript_entry& e) { (*counter)(e); });
    const repeats when{options.retries_on_silence, mo.retries};
    for (unsigned a = options.first; a <= options.last; ++a) {
        if (options.cancelled && options.cancelled()) {
            out.complete = false;
            out.stop_reason = "interrupted";
            break;
        }
        if (options.max_duration > duration::zero() && clock::now() - start >= options.max_duration) {
            out.complete = false;
            out.stop_reason = "time limit reached";
            break;
        }
        if (options.progress) {
            scan_progress p;
            p.probing = "address " + std::to_string(a);
            p.found = out.found.size();
            p.collisions = out.collisions();
            p.probes = counter->sent;
            p.elapsed = clock::now() - start;
            const auto left = options.last - a + 1U;
            p.left =
                out.addresses == 0 ? left * mo.timing.response_timeout : left * (p.elapsed / out.addresses);
            options.progress(p);
        }
        auto r = co_await master.ping(static_cast<byte>(a), when);
        if (!r) {
            out.complete = false;
            out.error = r.error();
            out.stop_reason = r.error().message();
            break;
        }
        ++out.addresses;
        const auto p = presence_of(*r);
        if (p == presence::none) continue;
        out.found.push_back({static_cast<byte>(a), p, r->kind, r->raw});
        if (options.on_found) options.on_found(out.found.back());
    }
    out.frames_sent = counter->sent;
    out.use = counter->use;
    out.elapsed = clock::now() - start;
    co_return out;
}

duration physical_bound(const line_use& u, unsigned baud) {
    const std::uint64_t b = baud == 0 ? 2400 : baud;
    // 11 bits a character; the window 330 bit times + 50 ms (EN 13757-2), in microseconds.
    const auto request_us = u.request_bytes * 11'000'000ULL / b;
    const auto window_us = 330'000'000ULL / b + 50'000;
    return std::chrono::microseconds(static_cast<std::int64_t>(request_us + u.requests * window_us));
}

std::ostream& operator<<(std::ostream& os, const line_use& u) {
    return os << u.requests << " requests, " << u.request_bytes << " bytes sent, " << u.answer_bytes
              << " bytes received";
}

asio::awaitable<secondary_scan_result> scan_secondary(transport::byte_stream& io, const master_options& mo,
                                                      const secondary_scan_options& options) {
    secondary_scanner s(io, mo, options);
    co_return co_await s.run();
}

} // namespace mbus::master
