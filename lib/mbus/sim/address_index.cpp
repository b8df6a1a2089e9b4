#include <mbus/sim/address_index.hpp>

#include <algorithm>

namespace mbus::sim {

namespace {

// Moving one slave shifts the sorted vectors it is filed in; past this many at once (a broadcast
// that gives every meter a new address, a wildcard select of thousands) filing all anew is cheaper.
constexpr std::size_t refile_limit = 32;

template <class T>
void insert_sorted(std::vector<T>& v, const T& x) {
    v.insert(std::lower_bound(v.begin(), v.end(), x), x);
}

template <class T>
void erase_sorted(std::vector<T>& v, const T& x) {
    const auto it = std::lower_bound(v.begin(), v.end(), x);
    if (it != v.end() && *it == x) v.erase(it);
}

} // namespace

address_index::keys address_index::keys_of(const slave& s) {
    return {s.app().identity().id, s.address(), s.selected()};
}

void address_index::rebuild(std::span<const slave> slaves) {
    keys_.clear();
    for (auto& b : by_address_)
        b.clear();
    by_id_.clear();
    selected_.clear();
    for (std::size_t i = 0; i < slaves.size(); ++i)
        add(slaves.first(i + 1));
    std::sort(by_id_.begin(), by_id_.end());
    by_id_sorted_ = true;
}

void address_index::add(std::span<const slave> slaves) {
    const auto i = static_cast<slave_index>(slaves.size() - 1);
    const auto k = keys_of(slaves.back());
    keys_.push_back(k);
    // In index order: appending keeps these sorted.
    by_address_[k.address].push_back(i);
    if (k.selected) selected_.push_back(i);
    const id_entry e{k.id, i};
    // Sorted once when first needed: a load that adds ids out of order stays linear.
    if (!by_id_.empty() && e < by_id_.back()) by_id_sorted_ = false;
    by_id_.push_back(e);
}

void address_index::file(slave_index i, const keys& k) {
    insert_sorted(by_address_[k.address], i);
    insert_sorted(by_id_, id_entry{k.id, i});
    if (k.selected) insert_sorted(selected_, i);
}

void address_index::unfile(slave_index i, const keys& k) {
    erase_sorted(by_address_[k.address], i);
    erase_sorted(by_id_, id_entry{k.id, i});
    if (k.selected) erase_sorted(selected_, i);
}

void address_index::refresh(std::span<const slave_index> which, std::span<const slave> slaves) {
    changed_.clear();
    for (const auto i : which)
        if (keys_of(slaves[i]) != keys_[i]) changed_.push_back(i);
    if (changed_.empty()) return;
    std::sort(changed_.begin(), changed_.end());
    changed_.erase(std::unique(changed_.begin(), changed_.end()), changed_.end());
    if (changed_.size() > refile_limit) {
        rebuild(slaves);
        return;
    }
    if (!by_id_sorted_) {
        std::sort(by_id_.begin(), by_id_.end());
        by_id_sorted_ = true;
    }
    for (const auto i : changed_) {
        unfile(i, keys_[i]);
        keys_[i] = keys_of(slaves[i]);
        file(i, keys_[i]);
    }
}

void address_index::matching(const app::select_mask& mask, std::span<const slave> slaves,
                             std::vector<slave_index>& out) {
    if (!by_id_sorted_) {
        std::sort(by_id_.begin(), by_id_.end());
        by_id_sorted_ = true;
    }
    // Every wildcard style compares the identification number nibble by nibble, so a meter whose ID
    // differs in a digit the mask fixes cannot match; app::matches decides for the rest.
    const std::uint32_t want = mask.address.id;
    std::uint32_t fixed = 0;
    for (unsigned shift = 0; shift < 32; shift += 4)
        if (((want >> shift) & 0xFU) != app::wildcard_nibble) fixed |= 0xFU << shift;
    // The fixed leading digits (as a scan sends them) bound a range of the sorted IDs.
    std::uint32_t leading = 0;
    for (int shift = 28; shift >= 0; shift -= 4) {
        if (((want >> shift) & 0xFU) == app::wildcard_nibble) break;
        leading |= 0xFU << shift;
    }
    const std::uint32_t low = want & leading;
    const std::uint32_t high = low | ~leading;

    const auto start = out.size();
    for (auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id_entry{low, 0});
         it != by_id_.end() && it->id <= high; ++it) {
        if ((it->id & fixed) != (want & fixed)) continue;
        const auto& m = slaves[it->slave].app();
        if (app::matches(mask, m.identity(), m.config().fabrication_number, m.config().options.wildcards))
            out.push_back(it->slave);
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
}

} // namespace mbus::sim
