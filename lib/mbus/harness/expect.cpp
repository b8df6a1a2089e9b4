#include <mbus/harness/expect.hpp>
#include <mbus/harness/jsonl.hpp>

#include <mbus/app/secondary_address.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mbus::harness {

namespace {

std::string address_text(byte a) {
    // Primary addresses are numbers people configure; 251..255 are known by their hex names.
    return a > link::address::max_primary ? fmt::format("{} ({:02X})", a, a) : fmt::format("{}", a);
}

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
    std::string out;
    for (const auto& x : v)
        out += (out.empty() ? "" : std::string(sep)) + x;
    return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

bool is_from_master(const record& r) { return r.kind == record_kind::request || r.kind == record_kind::junk; }

// A whole RSP_UD from one meter that the master received intact.
bool clean_reply(const record& r) {
    return r.kind == record_kind::reply && !r.collision && r.answered_by.size() == 1 && r.frame &&
           (r.frame->kind == link::frame_kind::long_frame || r.frame->kind == link::frame_kind::control) &&
           link::c_field_name(r.frame->c) == "RSP_UD";
}

bool fcv(const link::frame& f) { return (f.c & link::c_field::fcv) != 0; }
bool fcb(const link::frame& f) { return (f.c & link::c_field::fcb) != 0; }

// The request each reply or silence answers: the last request of the same session before it.
std::vector<std::optional<std::size_t>> pair_requests(const std::vector<record>& records) {
    std::vector<std::optional<std::size_t>> out(records.size());
    std::map<unsigned, std::size_t> last;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (r.kind == record_kind::request) {
            last[r.session] = i;
        } else if (r.kind == record_kind::reply || r.kind == record_kind::silence) {
            if (const auto it = last.find(r.session); it != last.end()) out[i] = it->second;
        }
    }
    return out;
}

// The meters an expectation names, or every meter when it names none.
const std::vector<std::string>& targets(const std::vector<std::string>& named,
                                        const std::vector<std::string>& meters) {
    return named.empty() ? meters : named;
}

// Collects record indices, then turns them into the verdict's evidence in transcript order.
class evidence_set {
  public:
    void add(std::size_t i) { set_.insert(i); }
    void add(std::optional<std::size_t> i) {
        if (i) set_.insert(*i);
    }
    void fill(verdict& v, const std::vector<record>& records, std::size_t max) const {
        for (const auto i : set_) {
            if (v.evidence.size() < max)
                v.evidence.push_back(records[i]);
            else
                ++v.evidence_left_out;
        }
    }

  private:
    std::set<std::size_t> set_;
};

// ---- one function per kind; each fills held, reason and evidence ----

void eval_read(verdict& v, evidence_set& ev, const std::vector<record>& records,
               const std::vector<std::string>& names) {
    struct progress {
        std::size_t telegrams{0};              // new telegrams received (repetitions not counted)
        bool done{false};                      // got a telegram that announced nothing more
        std::optional<std::size_t> last_reply; // the last clean telegram received
        std::size_t collisions{0};             // its answers that collided with others
        std::optional<std::size_t> last_collision;
    };
    std::map<std::string, progress> by_meter;
    for (const auto& n : names)
        by_meter[n];
    const auto paired = pair_requests(records);
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (r.kind != record_kind::reply || r.request != link::request_kind::req_ud2) continue;
        if (clean_reply(r)) {
            const auto it = by_meter.find(r.answered_by[0]);
            if (it == by_meter.end()) continue;
            auto& p = it->second;
            if (!r.repeated) ++p.telegrams;
            p.last_reply = i;
            if (!r.more_follows) {
                if (!p.done) {
                    ev.add(paired[i]);
                    ev.add(i);
                }
                p.done = true;
            }
        } else if (r.collision) {
            for (const auto& m : r.answered_by)
                if (const auto it = by_meter.find(m); it != by_meter.end()) {
                    ++it->second.collisions;
                    it->second.last_collision = i;
                }
        }
    }
    std::vector<std::string> good;
    std::vector<std::string> bad;
    evidence_set failures;
    for (const auto& n : names) {
        const auto& p = by_meter[n];
        if (p.done) {
            good.push_back(fmt::format("{} ({})", n, plural(p.telegrams, "telegram", "telegrams")));
            continue;
        }
        if (p.last_reply) {
            bad.push_back(fmt::format("{} sent {} announcing more (DIF 1F) and the master never got the "
                                      "next",
                                      n, plural(p.telegrams, "telegram", "telegrams")));
            failures.add(paired[*p.last_reply]);
            failures.add(*p.last_reply);
        } else if (p.collisions > 0) {
            bad.push_back(fmt::format("{} answered a REQ_UD2 only together with other meters ({})", n,
                                      plural(p.collisions, "collision", "collisions")));
            failures.add(paired[*p.last_collision]);
            failures.add(*p.last_collision);
        } else {
            bad.push_back(fmt::format("{} never answered a REQ_UD2", n));
        }
    }
    v.held = bad.empty();
    if (v.held) {
        v.reason = fmt::format("read {}: {}", plural(good.size(), "meter", "meters"), join(good));
    } else {
        v.reason = fmt::format("{} of {} not read: {}", bad.size(), plural(names.size(), "meter", "meters"),
                               join(bad, "; "));
        ev = failures;
    }
}

void eval_fcb(verdict& v, evidence_set& ev, const std::vector<record>& records) {
    // A readout in progress: the REQ_UD2 whose reply announced more telegrams.
    struct pending {
        std::size_t request;
        std::size_t reply;
    };
    std::map<std::pair<unsigned, byte>, pending> open; // (session, address)
    std::map<unsigned, std::size_t> last_request;
    std::size_t steps = 0;
    std::vector<std::string> bad;
    evidence_set failures;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (r.kind == record_kind::request && r.frame) {
            last_request[r.session] = i;
            const auto a = r.frame->a;
            switch (r.request) {
            case link::request_kind::snd_nke:
                // A reset starts over: the master owes no toggle across it.
                if (a == link::address::broadcast || a == link::address::broadcast_reply) {
                    std::erase_if(open, [&](const auto& x) { return x.first.first == r.session; });
                } else {
                    open.erase({r.session, a});
                }
                break;
            case link::request_kind::select: open.erase({r.session, link::address::selected}); break;
            case link::request_kind::req_ud2: {
                const auto it = open.find({r.session, a});
                if (it == open.end()) break;
                const auto& before = records[it->second.request].frame;
                const bool toggled = fcv(*r.frame) && (!fcv(*before) || fcb(*r.frame) != fcb(*before));
                if (toggled) {
                    ++steps;
                    ev.add(it->second.request);
                    ev.add(i);
                } else {
                    bad.push_back(
                        fcv(*r.frame)
                            ? fmt::format("at {:.3f} s the REQ_UD2 to {} repeated FCB={} after a telegram "
                                          "that announced more",
                                          r.t, address_text(a), fcb(*r.frame) ? 1 : 0)
                            : fmt::format("at {:.3f} s the REQ_UD2 to {} had FCV=0 after a telegram that "
                                          "announced more, so the meter cannot move on",
                                          r.t, address_text(a)));
                    failures.add(it->second.request);
                    failures.add(it->second.reply);
                    failures.add(i);
                }
                open.erase(it);
                break;
            }
            default: break;
            }
        } else if (r.kind == record_kind::reply && r.request == link::request_kind::req_ud2 &&
                   clean_reply(r)) {
            const auto q = last_request.find(r.session);
            if (q == last_request.end() || !r.more_follows) continue;
            const auto& req = records[q->second];
            if (req.frame) open[{r.session, req.frame->a}] = {q->second, i};
        }
    }
    if (!bad.empty()) {
        v.held = false;
        v.reason =
            fmt::format("{} of {} multi-telegram steps did not toggle the FCB: {}; the meter repeated "
                        "its telegram instead of sending the next; toggle the FCB (with FCV=1) on each "
                        "REQ_UD2 after a telegram that announces more",
                        bad.size(), bad.size() + steps, join(bad, "; "));
        ev = failures;
    } else if (steps == 0) {
        v.held = false;
        v.reason = "no REQ_UD2 followed a telegram that announced more (DIF 1F): no multi-telegram readout "
                   "showed the FCB";
    } else {
        v.held = true;
        v.reason = steps == 1
                       ? std::string("the FCB toggled in the one step of a multi-telegram readout")
                       : fmt::format("the FCB toggled in all {} steps of multi-telegram readouts", steps);
    }
}

bool request_matches(const std::vector<byte>& addresses, const std::optional<link::request_kind>& request,
                     const record& r) {
    if (r.kind != record_kind::request || !r.frame) return false;
    if (request && r.request != *request) return false;
    if (!addresses.empty() && r.frame->kind != link::frame_kind::ack &&
        std::find(addresses.begin(), addresses.end(), r.frame->a) == addresses.end())
        return false;
    // An E5 carries no address: it matches only when no address is asked for.
    return addresses.empty() || r.frame->kind != link::frame_kind::ack;
}

void eval_nothing_sent(verdict& v, evidence_set& ev, const std::vector<record>& records,
                       const expects::nothing_sent_to& e) {
    std::size_t total = 0;
    std::size_t hits = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (records[i].kind != record_kind::request) continue;
        ++total;
        if (request_matches(e.addresses, e.request, records[i])) {
            ++hits;
            ev.add(i);
        }
    }
    v.held = hits == 0;
    v.reason = v.held ? fmt::format("none of {} went there", plural(total, "request", "requests"))
                      : fmt::format("{} of {} went there", hits, plural(total, "request", "requests"));
}

void eval_scan(verdict& v, evidence_set& ev, const std::vector<record>& records,
               const std::vector<std::string>& names) {
    std::map<std::string, std::optional<std::size_t>> found;
    std::map<std::string, std::optional<std::size_t>> together; // selected, but not alone
    for (const auto& n : names)
        found[n];
    const auto paired = pair_requests(records);
    std::size_t selects = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (r.kind == record_kind::request && r.request == link::request_kind::select) ++selects;
        if (r.kind != record_kind::reply || r.request != link::request_kind::select) continue;
        // The master learns it found one meter from a lone E5: nothing before it, nothing after it.
        const bool alone = !r.collision && r.answered_by.size() == 1 && r.raw == bytes{link::ack_byte};
        if (alone) {
            const auto it = found.find(r.answered_by[0]);
            if (it != found.end() && !it->second) it->second = i;
        } else {
            for (const auto& m : r.answered_by)
                if (found.count(m) != 0 && !together[m]) together[m] = i;
        }
    }
    std::vector<std::string> missing;
    for (const auto& n : names) {
        if (const auto& i = found[n]) {
            ev.add(paired[*i]);
            ev.add(*i);
        } else {
            missing.push_back(together[n] ? n + " (only in collisions)" : n);
        }
    }
    v.held = missing.empty();
    if (v.held) {
        v.reason = fmt::format("each of {} was selected alone and answered with a clean E5 ({} in all)",
                               plural(names.size(), "meter", "meters"), plural(selects, "select", "selects"));
        return;
    }
    v.reason = fmt::format("{} of {} never selected alone ({} in all): {}", missing.size(),
                           plural(names.size(), "meter", "meters"), plural(selects, "select", "selects"),
                           join(missing));
    ev = {};
    for (const auto& n : names)
        if (!found[n] && together[n]) {
            ev.add(paired[*together[n]]);
            ev.add(*together[n]);
        }
}

void eval_malformed(verdict& v, evidence_set& ev, const std::vector<record>& records) {
    std::size_t junk = 0;
    std::size_t junk_bytes = 0;
    std::size_t requests = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        if (records[i].kind == record_kind::request) ++requests;
        if (records[i].kind != record_kind::junk) continue;
        ++junk;
        junk_bytes += records[i].raw.size();
        ev.add(i);
    }
    v.held = junk == 0;
    v.reason =
        v.held ? fmt::format("all {} arrived as whole frames", plural(requests, "request", "requests"))
               : fmt::format("{} of junk ({}) beside {}", plural(junk, "stretch", "stretches"),
                             plural(junk_bytes, "byte", "bytes"), plural(requests, "request", "requests"));
}

void eval_within(verdict& v, evidence_set& ev, const std::vector<record>& records, double seconds,
                 const evaluation_context& ctx) {
    std::optional<std::size_t> last;
    for (std::size_t i = 0; i < records.size(); ++i)
        if (is_from_master(records[i])) last = i;
    const auto end = ctx.session_end ? ctx.session_end
                     : last          ? std::optional<double>{records[*last].t}
                                     : std::nullopt;
    if (!end) {
        v.held = true;
        v.reason = "the master sent nothing";
        return;
    }
    v.held = *end <= seconds;
    const std::string what = ctx.session_end ? "the master exited" : "the master's last request came";
    v.reason = fmt::format("{} after {:.3f} s ({} the limit of {} s)", what, *end,
                           v.held ? "within" : "beyond", seconds);
    if (last && !v.held) ev.add(*last);
}

void eval_count(verdict& v, evidence_set& ev, const std::vector<record>& records,
                const expects::request_count& e) {
    std::vector<std::size_t> hits;
    for (std::size_t i = 0; i < records.size(); ++i)
        if (request_matches(e.addresses, e.request, records[i])) hits.push_back(i);
    const auto n = hits.size();
    const bool low = e.at_least && n < *e.at_least;
    const bool high = e.at_most && n > *e.at_most;
    v.held = !low && !high;
    v.reason = fmt::format("{} {}", plural(n, "request matched", "requests matched"),
                           low    ? "(too few)"
                           : high ? "(too many)"
                                  : "");
    if (v.reason.back() == ' ') v.reason.pop_back();
    // Too many: the ones past the limit show it; otherwise the matching ones are the account.
    const std::size_t from = high ? static_cast<std::size_t>(*e.at_most) : 0;
    for (std::size_t k = from; k < n; ++k)
        ev.add(hits[k]);
}

std::string hex_short(const bytes& b) {
    constexpr std::size_t shown = 24;
    if (b.size() <= shown) return to_hex(b);
    return fmt::format("{} ... ({} bytes)", to_hex(bytes_view(b).first(shown)), b.size());
}

void eval_fresh_fcb(verdict& v, evidence_set& ev, const std::vector<record>& records) {
    const auto paired = pair_requests(records);
    // Per address: how the last REQ_UD2 to it went. A meter repeats its last telegram when the FCB
    // did not toggle; that is the master's own retry after an answer it lost, or, after an answer it
    // got whole, an FCB carried over (a new run of the master, or another master) with no SND_NKE
    // first. A multi-telegram step in one session is fcb_toggled's to judge.
    struct last_read {
        bool clean{false};
        bool more{false};
        unsigned session{0};
        std::size_t reply{0};
    };
    std::map<byte, last_read> last;
    std::vector<std::string> bad;
    std::size_t reads = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (r.kind == record_kind::request && r.frame) {
            const auto a = r.frame->a;
            if (r.request == link::request_kind::snd_nke) {
                if (a == link::address::broadcast || a == link::address::broadcast_reply)
                    last.clear();
                else
                    last.erase(a);
            } else if (r.request == link::request_kind::select) {
                last.erase(link::address::selected);
            }
            continue;
        }
        if ((r.kind != record_kind::reply && r.kind != record_kind::silence) ||
            r.request != link::request_kind::req_ud2 || !paired[i])
            continue;
        const auto& q = records[*paired[i]];
        if (!q.frame) continue;
        const auto a = q.frame->a;
        ++reads;
        if (const auto it = last.find(a); r.kind == record_kind::reply && r.repeated && it != last.end() &&
                                          it->second.clean &&
                                          !(it->second.more && it->second.session == r.session)) {
            bad.push_back(fmt::format("at {:.3f} s the REQ_UD2 to {} had FCB={}", q.t, address_text(a),
                                      fcb(*q.frame) ? 1 : 0));
            ev.add(paired[it->second.reply]);
            ev.add(it->second.reply);
            ev.add(paired[i]);
            ev.add(i);
        }
        last[a] = {clean_reply(r), r.more_follows, r.session, i};
    }
    v.held = bad.empty();
    v.reason =
        v.held ? fmt::format("no meter repeated a telegram the master had already received ({})",
                             plural(reads, "REQ_UD2", "REQ_UD2s"))
               : fmt::format("{}: the master's first REQ_UD2 had the FCB of the previous session's last "
                             "request; the meter repeated its last telegram; send SND_NKE first or toggle",
                             join(bad, "; "));
}

// The fields among manufacturer, version and medium that hold an F nibble without being whole-field
// wildcards (FFFF, FF, FF).
std::vector<std::string> nibble_wildcards(const app::secondary_address& a) {
    const auto partial = [](unsigned value, unsigned nibbles) {
        bool any = false;
        bool all = true;
        for (unsigned k = 0; k < nibbles; ++k) {
            const bool f = ((value >> (4 * k)) & 0xFU) == 0xFU;
            any = any || f;
            all = all && f;
        }
        return any && !all;
    };
    std::vector<std::string> out;
    if (partial(a.manufacturer, 4)) out.emplace_back("manufacturer");
    if (partial(a.version, 2)) out.emplace_back("version");
    if (partial(a.medium, 2)) out.emplace_back("medium");
    return out;
}

void eval_whole_fields(verdict& v, evidence_set& ev, const std::vector<record>& records,
                       const std::vector<std::string>& names) {
    const auto paired = pair_requests(records);
    std::size_t selects = 0;
    std::size_t nibbled = 0;
    std::set<std::string> fields;
    std::set<std::string> alone;
    std::set<std::string> together;
    std::optional<std::size_t> example;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (r.kind == record_kind::request && r.request == link::request_kind::select && r.frame) {
            ++selects;
            const auto mask = app::parse_select(r.frame->ci, r.frame->data);
            if (!mask) continue;
            const auto f = nibble_wildcards(mask->address);
            if (f.empty()) continue;
            ++nibbled;
            fields.insert(f.begin(), f.end());
            if (!example) example = i;
            continue;
        }
        if (r.kind != record_kind::reply || r.request != link::request_kind::select) continue;
        if (!r.collision && r.answered_by.size() == 1 && r.raw == bytes{link::ack_byte})
            alone.insert(r.answered_by[0]);
        else
            for (const auto& m : r.answered_by)
                together.insert(m);
    }
    v.held = nibbled == 0;
    if (v.held) {
        v.reason = fmt::format("none of {} left manufacturer, version or medium open by single F nibbles",
                               plural(selects, "select", "selects"));
        return;
    }
    std::vector<std::string> apart;
    for (const auto& n : names)
        if (together.contains(n) && !alone.contains(n)) apart.push_back(n);
    const std::vector<std::string> field_names(fields.begin(), fields.end());
    v.reason = fmt::format(
        "{} of {} had F nibbles in {} that are not whole-field wildcards (FFFF, FF, FF); the meters accept "
        "whole-field wildcards only there (EN 13757-3), so those selects matched no meter{}; use whole-field "
        "wildcards there, or set the meter quirk wildcards = \"nibbles_everywhere\" if your meters take "
        "nibbles",
        nibbled, plural(selects, "select", "selects"), join(field_names, " and "),
        apart.empty() ? std::string()
                      : fmt::format(", and the master could not separate {}: they answered only together",
                                    join(apart)));
    ev.add(example);
    for (std::size_t j = 0; j < records.size(); ++j)
        if (example && paired[j] == example) {
            ev.add(j);
            break;
        }
}

void eval_fd_answer(verdict& v, evidence_set& ev, const std::vector<record>& records) {
    const auto paired = pair_requests(records);
    // Sessions whose SND_NKE to FD went unanswered (the first such silence), and those that selected
    // after it.
    std::map<unsigned, std::size_t> unanswered;
    std::set<unsigned> selected_after;
    std::size_t resets = 0;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& r = records[i];
        if (r.kind == record_kind::request && r.request == link::request_kind::select &&
            unanswered.contains(r.session))
            selected_after.insert(r.session);
        if (r.kind != record_kind::silence || r.request != link::request_kind::snd_nke || !paired[i])
            continue;
        const auto& q = records[*paired[i]];
        if (!q.frame || q.frame->a != link::address::selected) continue;
        ++resets;
        unanswered.try_emplace(r.session, i);
    }
    std::vector<std::string> bad;
    for (const auto& [session, i] : unanswered) {
        if (selected_after.contains(session)) continue;
        bad.push_back(fmt::format("session {} at {:.3f} s", session, records[i].t));
        ev.add(paired[i]);
        ev.add(i);
    }
    v.held = bad.empty();
    v.reason =
        v.held
            ? fmt::format("{} to FD, and every session went on to select",
                          plural(resets, "unanswered SND_NKE", "unanswered SND_NKEs"))
            : fmt::format("{}: the master sent SND_NKE to FD and waited for an answer before selecting (as "
                          "pyMeterBus's read by secondary address does); no meter is selected then, so none "
                          "answers (EN 13757-3), and the master never selected; select without waiting for "
                          "that answer, or set the meter quirk fd_unselected = \"ack\" if your meters answer "
                          "there",
                          join(bad, "; "));
}

} // namespace

std::string_view name(const expect_that& that) { return alternative_name(that); }

std::optional<expect_that> parse_expect_kind(std::string_view text) {
    return alternative_named<expect_that>(text, std::equal_to<>{});
}

std::string describe(const expectation& e) {
    const auto meters = [](const std::vector<std::string>& named, std::string_view all) {
        return named.empty() ? std::string(all) : join(named);
    };
    const auto addresses = [](const std::vector<byte>& as) {
        std::vector<std::string> out;
        for (const auto a : as)
            out.push_back(address_text(a));
        return out;
    };
    const auto kind = [](const std::optional<link::request_kind>& r) {
        return r ? std::string(link::name(*r)) + " " : std::string();
    };
    return std::visit(
        overloaded{
            [&](const expects::read& x) {
                if (x.meters.empty()) return std::string("every meter was read");
                return fmt::format("{} {} read", join(x.meters), x.meters.size() == 1 ? "was" : "were");
            },
            [](const expects::fcb_toggled&) {
                return std::string("the FCB toggled between the requests of a multi-telegram readout");
            },
            [&](const expects::nothing_sent_to& x) {
                return fmt::format("no {}request was sent to {}", kind(x.request),
                                   join(addresses(x.addresses), " or "));
            },
            [&](const expects::found_by_scan& x) {
                return fmt::format("a secondary scan found {}", meters(x.meters, "every meter"));
            },
            [](const expects::no_malformed&) { return std::string("no request arrived malformed"); },
            [](const expects::within& x) { return fmt::format("the session ended within {} s", x.seconds); },
            [](const expects::fresh_fcb&) {
                return std::string("each session's first REQ_UD2 to a meter got a fresh telegram");
            },
            [](const expects::whole_field_wildcards&) {
                return std::string("selects left manufacturer, version and medium open only as whole fields");
            },
            [](const expects::select_without_fd_answer&) {
                return std::string("no master waited for an answer to SND_NKE at FD instead of selecting");
            },
            [&](const expects::request_count& x) {
                std::string bounds;
                if (x.at_least) bounds = fmt::format("at least {}", *x.at_least);
                if (x.at_most)
                    bounds += fmt::format("{}at most {}", bounds.empty() ? "" : " and ", *x.at_most);
                const auto to = addresses(x.addresses);
                return fmt::format("{} {}requests{}", bounds, kind(x.request),
                                   to.empty() ? "" : " to " + join(to, " or "));
            },
        },
        e.that);
}

std::ostream& operator<<(std::ostream& os, const expectation& e) {
    os << describe(e);
    if (!e.where.empty()) os << " (" << e.where << ')';
    return os;
}

verdict evaluate(const expectation& e, const std::vector<record>& records,
                 const std::vector<std::string>& meters, const evaluation_context& ctx) {
    verdict v{e, false, {}, {}, 0};
    evidence_set ev;
    std::visit(
        overloaded{
            [&](const expects::read& x) { eval_read(v, ev, records, targets(x.meters, meters)); },
            [&](const expects::fcb_toggled&) { eval_fcb(v, ev, records); },
            [&](const expects::nothing_sent_to& x) { eval_nothing_sent(v, ev, records, x); },
            [&](const expects::found_by_scan& x) { eval_scan(v, ev, records, targets(x.meters, meters)); },
            [&](const expects::no_malformed&) { eval_malformed(v, ev, records); },
            [&](const expects::within& x) { eval_within(v, ev, records, x.seconds, ctx); },
            [&](const expects::request_count& x) { eval_count(v, ev, records, x); },
            [&](const expects::fresh_fcb&) { eval_fresh_fcb(v, ev, records); },
            [&](const expects::whole_field_wildcards&) { eval_whole_fields(v, ev, records, meters); },
            [&](const expects::select_without_fd_answer&) { eval_fd_answer(v, ev, records); },
        },
        e.that);
    ev.fill(v, records, ctx.max_evidence);
    return v;
}

std::vector<verdict> evaluate_all(const std::vector<record>& records,
                                  const std::vector<expectation>& expectations,
                                  const std::vector<std::string>& meters, const evaluation_context& ctx) {
    std::vector<verdict> out;
    out.reserve(expectations.size());
    for (const auto& e : expectations)
        out.push_back(evaluate(e, records, meters, ctx));
    return out;
}

bool master_sent_anything(const std::vector<record>& records) {
    return std::any_of(records.begin(), records.end(), is_from_master);
}

std::string evidence_line(const record& r) {
    return fmt::format("{:9.3f} s  {:<7}  {}{}{}", r.t, name(r.kind), hex_short(r.raw),
                       r.summary.empty() ? "" : "  ", r.summary);
}

std::ostream& operator<<(std::ostream& os, const verdict& v) {
    os << (v.held ? "PASS  " : "FAIL  ");
    if (!v.what.label.empty()) os << v.what.label << ": ";
    os << v.what << "\n      " << v.reason << '\n';
    for (const auto& r : v.evidence)
        os << "      " << evidence_line(r) << '\n';
    if (v.evidence_left_out > 0)
        os << "      ... and " << plural(v.evidence_left_out, "more record", "more records") << '\n';
    return os;
}

void print_report(std::ostream& os, const std::vector<verdict>& verdicts) {
    std::size_t failed = 0;
    for (const auto& v : verdicts) {
        os << v;
        if (!v.held) ++failed;
    }
    os << fmt::format("{} of {} held", verdicts.size() - failed,
                      plural(verdicts.size(), "expectation", "expectations"));
    if (failed > 0) os << fmt::format(", {} failed", failed);
    os << '\n';
}

std::string to_json(const std::vector<verdict>& verdicts) {
    auto out = nlohmann::json::array();
    for (const auto& v : verdicts) {
        auto evidence = nlohmann::json::array();
        for (const auto& r : v.evidence)
            evidence.push_back(to_json(r)); // as the transcript writes it
        out.push_back({{"expect", std::string(name(v.what.that))},
                       {"label", v.what.label},
                       {"where", v.what.where},
                       {"description", describe(v.what)},
                       {"held", v.held},
                       {"reason", v.reason},
                       {"evidence", std::move(evidence)},
                       {"evidence_left_out", v.evidence_left_out}});
    }
    return out.dump();
}

} // namespace mbus::harness
