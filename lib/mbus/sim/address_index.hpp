#pragma once
// Which slaves of a bus a request can concern, found without visiting the others: the slaves at each
// primary address, the slaves a select mask selects, and the slaves that may be selected (the ones
// a request to FD reaches). On a bus of 100,000 meters a request then costs what it costs on a bus
// of one.
//
// The index answers from what it last saw of each slave: the bus tells it (refresh) after anything
// that may have changed a slave's primary address, identity or selection. Whether a mask selects a
// meter is app::matches alone; the index only skips meters whose identification number cannot match.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <mbus/app/secondary_address.hpp>
#include <mbus/core/bytes.hpp>
#include <mbus/sim/slave.hpp>

namespace mbus::sim {

class address_index {
  public:
    using slave_index = std::uint32_t;

    // Indexes `slaves` whole (as they are now).
    void rebuild(std::span<const slave> slaves);
    // Slave `slaves.size() - 1` was just added.
    void add(std::span<const slave> slaves);
    // The slaves in `which` may have changed address, identity or selection since the index last saw
    // them (duplicates allowed).
    void refresh(std::span<const slave_index> which, std::span<const slave> slaves);

    // The slaves at primary address `a`, in index order.
    const std::vector<slave_index>& at(byte a) const { return by_address_[a]; }
    // Every selected slave, in index order (a slave that is not selected may be among them only
    // until the next refresh that covers it).
    const std::vector<slave_index>& selected() const { return selected_; }
    // Appends the slaves that `mask` selects (app::matches with each meter's identity, fabrication
    // number and wildcard style), in index order. Not const: it sorts what add() appended, once.
    void matching(const app::select_mask& mask, std::span<const slave> slaves, std::vector<slave_index>& out);

    std::size_t size() const { return keys_.size(); }

  private:
    // What the index last saw of a slave: where it is filed.
    struct keys {
        std::uint32_t id{0};
        byte address{0};
        bool selected{false};
        friend bool operator==(const keys&, const keys&) = default;
    };
    struct id_entry {
        std::uint32_t id{0};
        slave_index slave{0};
        friend auto operator<=>(const id_entry&, const id_entry&) = default;
    };
    static keys keys_of(const slave& s);
    void sort_ids();
    void file(slave_index i, const keys& k);
    void unfile(slave_index i, const keys& k);

    std::vector<keys> keys_;
    std::array<std::vector<slave_index>, 256> by_address_;
    std::vector<id_entry> by_id_; // sorted: a run of equal leading digits is one range
    // The same with the digits of each ID in reverse order: a mask that fixes the trailing digits
    // and leaves the leading ones open (F1234567) is a range here.
    std::vector<id_entry> by_reversed_id_;
    bool by_id_sorted_{true}; // false after add() appended out of order
    std::vector<slave_index> selected_;
    std::vector<slave_index> changed_; // refresh's scratch space
};

} // namespace mbus::sim
