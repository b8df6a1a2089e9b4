#include <mbus/sim/address_index.hpp>

#include <algorithm>

namespace mbus::sim {

namespace {

// Moving one slave shifts the sorted vectors it is filed in; past this many at once (a broadcast
// that gives every meter a new address, a wildcard select of thousands) filing all anew is cheaper.
constexpr std::size_t refile_limit = 32;

std::uint32_t reversed(std::uint32_t id) {
    std::uint32_t out = 0;
    for (int k = 0; k < 8; ++k, id >>= 4)
        out = out << 4 | (id & 0xFU);
    return out;
}

// How many nibbles from the top of `id` are not F.
unsigned fixed_leading(std::uint32_t id) {
    unsigned n = 0;
    for (int shift = 28; shift >= 0 && ((id >> shift) & 0xFU) != app::wildcard_nibble; shift -= 4)
        ++n;
    return n;
}

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
    by_reversed_id_.clear();
    selected_.clear();
    for (std::size_t i = 0; i < slaves.size(); ++i)
        add(slaves.first(i + 1));
    sort_ids();
}

void address_index::sort_ids() {
    if (by_id_sorted_) return;
    std::sort(by_id_.begin(), by_id_.end());
    std::sort(by_reversed_id_.begin(), by_reversed_id_.end());
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
    by_reversed_id_.push_back({reversed(k.id), i});
    if (by_reversed_id_.size() > 1 && by_reversed_id_.back() < by_reversed_id_[by_reversed_id_.size() - 2])
        by_id_sorted_ = false;
}

void address_index::file(slave_index i, const keys& k) {
    insert_sorted(by_address_[k.address], i);
    insert_sorted(by_id_, id_entry{k.id, i});
    insert_sorted(by_reversed_id_, id_entry{reversed(k.id), i});
    if (k.selected) insert_sorted(selected_, i);
}

void address_index::unfile(slave_index i, const keys& k) {
    erase_sorted(by_address_[k.address], i);
    erase_sorted(by_id_, id_entry{k.id, i});
    erase_sorted(by_reversed_id_, id_entry{reversed(k.id), i});
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
    sort_ids();
    for (const auto i : changed_) {
        unfile(i, keys_[i]);
        keys_[i] = keys_of(slaves[i]);
        file(i, keys_[i]);
    }
}

void address_index::matching(const app::select_mask& mask, std::span<const slave> slaves,
                             std::vector<slave_index>& out) {
    sort_ids();
    // Every wildcard style compares the identification number nibble by nibble, so a meter whose ID
    // differs in a digit the mask fixes cannot match; app::matches decides for the rest. The fixed
    // digits at the start (as a scan sends them) or at the end bound a range of one of the sorted
    // tables; a mask open at both ends is checked against every ID.
    const std::uint32_t want = mask.address.id;
    const bool from_end = fixed_leading(reversed(want)) > fixed_leading(want);
    const auto& table = from_end ? by_reversed_id_ : by_id_;
    const std::uint32_t key = from_end ? reversed(want) : want;
    std::uint32_t fixed = 0;
    for (unsigned shift = 0; shift < 32; shift += 4)
        if (((key >> shift) & 0xFU) != app::wildcard_nibble) fixed |= 0xFU << shift;
    const auto leading = fixed_leading(key);
    const std::uint32_t top = leading == 0 ? 0 : ~std::uint32_t{0} << (32 - 4 * leading);
    const std::uint32_t low = key & top;
    const std::uint32_t high = low | ~top;

    const auto start = out.size();
    for (auto it = std::lower_bound(table.begin(), table.end(), id_entry{low, 0});
         it != table.end() && it->id <= high; ++it) {
        if ((it->id & fixed) != (key & fixed)) continue;
        const auto& m = slaves[it->slave].app();
        if (app::matches(mask, m.identity(), m.config().fabrication_number, m.config().options.wildcards))
            out.push_back(it->slave);
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(start), out.end());
}

} // namespace mbus::sim
