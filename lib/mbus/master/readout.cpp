#include <mbus/master/readout.hpp>

#include <mbus/app/codec.hpp>
#include <mbus/app/dif.hpp>

#include <ostream>

namespace mbus::master {

bool telegram::more_follows() const { return data && app::more_records_follow(*data); }

const app::variable_data* telegram::variable() const {
    return data ? std::get_if<app::variable_data>(&*data) : nullptr;
}

std::ostream& operator<<(std::ostream& os, const telegram& t) {
    os << link::describe(t.frame);
    if (t.data)
        os << ": " << *t.data;
    else
        os << ": undecodable (" << t.decode_error.message() << ')';
    return os;
}

telegram make_telegram(link::frame f) {
    telegram t;
    auto d = app::decode(f.ci, f.data);
    if (d)
        t.data = std::move(*d);
    else
        t.decode_error = d.error();
    t.frame = std::move(f);
    return t;
}

std::ostream& operator<<(std::ostream& os, const readout& r) {
    os << r.telegrams.size() << " telegram(s)";
    if (r.error) os << ", stopped: " << r.error.message();
    for (const auto& t : r.telegrams)
        os << "\n  " << t;
    return os;
}

} // namespace mbus::master
