#pragma once
// A vector that its copies share until one of them changes (copy on write). The meters a scenario's
// `repeat` makes from one table (100,000 on one bus) differ in name, address and identity, not in
// their records: with this, they hold one list of records, and a bus that copies them holds no more.
//
// Reading is as for a const std::vector; changing goes through push_back, emplace_back, clear or
// edit(), which first make the list this copy's own when another copy shares it. There is no
// non-const operator[] or begin(): a loop that only reads must not copy the list by accident.

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace mbus {

template <class T>
class shared_vector {
  public:
    using value_type = T;
    using size_type = std::size_t;
    using const_iterator = typename std::vector<T>::const_iterator;
    using iterator = const_iterator;

    shared_vector() = default;
    shared_vector(std::initializer_list<T> items) : shared_vector(std::vector<T>(items)) {}
    shared_vector(std::vector<T> items) { // NOLINT: a vector converts, as an assignment from one reads
        if (!items.empty()) items_ = std::make_shared<std::vector<T>>(std::move(items));
    }

    const std::vector<T>& get() const { return items_ ? *items_ : none(); }
    const_iterator begin() const { return get().begin(); }
    const_iterator end() const { return get().end(); }
    size_type size() const { return get().size(); }
    bool empty() const { return get().empty(); }
    const T& operator[](size_type i) const { return get()[i]; }
    const T& at(size_type i) const { return get().at(i); }
    const T& front() const { return get().front(); }
    const T& back() const { return get().back(); }

    // The list, this copy's own from now on.
    std::vector<T>& edit() {
        if (!items_)
            items_ = std::make_shared<std::vector<T>>();
        else if (items_.use_count() > 1)
            items_ = std::make_shared<std::vector<T>>(*items_);
        return *items_;
    }
    void push_back(T x) { edit().push_back(std::move(x)); }
    template <class... A>
    T& emplace_back(A&&... args) {
        return edit().emplace_back(std::forward<A>(args)...);
    }
    void clear() { items_.reset(); }
    void reserve(size_type n) { edit().reserve(n); }

    // Whether two copies share one list (for tests and memory checks).
    bool shares_with(const shared_vector& o) const { return items_ != nullptr && items_ == o.items_; }

    friend bool operator==(const shared_vector& a, const shared_vector& b) {
        return a.items_ == b.items_ || a.get() == b.get();
    }

  private:
    static const std::vector<T>& none() {
        static const std::vector<T> nothing;
        return nothing;
    }
    std::shared_ptr<std::vector<T>> items_; // null: empty
};

} // namespace mbus
