#include <mbus/app/dif.hpp>
#include <mbus/app/errc.hpp>
#include <mbus/app/outline.hpp>
#include <mbus/app/record_view.hpp>

namespace mbus::app {

namespace {

// Fixed data is 16 bytes: id, access number, status, medium and units, two counters (codec.cpp).
constexpr std::size_t fixed_size = 16;

thread_local std::uint64_t outlines = 0;

} // namespace

std::uint64_t outline_calls() { return outlines; }

result<outline> outline_of(byte ci, bytes_view data) {
    ++outlines;
    switch (ci) {
    case ci::app_error:
        if (data.size() > 1) return outline{other_outline{ci, data.size()}};
        return outline{application_error{data.empty() ? std::nullopt : std::optional<std::uint8_t>(data[0])}};
    case ci::fixed:
    case ci::fixed_msb: {
        if (data.empty()) return errc::no_data;
        if (data.size() != fixed_size) return errc::fixed_data_wrong_size;
        // LSB first, as decode_fixed reads it.
        const auto id = static_cast<std::uint32_t>(data[0]) | static_cast<std::uint32_t>(data[1]) << 8 |
                        static_cast<std::uint32_t>(data[2]) << 16 | static_cast<std::uint32_t>(data[3]) << 24;
        return outline{fixed_outline{id}};
    }
    case ci::variable_long:
    case ci::variable_short:
    case ci::variable_none: {
        const auto view = decode_variable_view(ci, data);
        if (!view) return unexpected(view.error());
        variable_outline v;
        v.address = view->header.address;
        auto cursor = view->cursor();
        byte last = 0;
        while (const auto r = cursor.next()) {
            ++v.records;
            last = r->dif;
        }
        if (cursor.error()) return unexpected(cursor.error());
        v.more_follows = v.records != 0 && last == special_dif::more_records_follow;
        return outline{v};
    }
    default: return outline{other_outline{ci, data.size()}};
    }
}

} // namespace mbus::app
