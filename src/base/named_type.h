#pragma once

#include <compare>
#include <cstddef>
#include <functional>

namespace sluice {

/// A strong type over an arithmetic value, so offsets, epochs and counts do not mix
/// (Redpanda model/fundamental.h).
template<class T, class Tag>
class named_type {
public:
    using type = T;
    constexpr named_type() = default;
    constexpr explicit named_type(T v)
      : _value(v) {}
    constexpr T operator()() const { return _value; }
    constexpr auto operator<=>(const named_type&) const = default;
    constexpr named_type& operator++() {
        ++_value;
        return *this;
    }

private:
    T _value{};
};

} // namespace sluice

template<class T, class Tag>
struct std::hash<sluice::named_type<T, Tag>> {
    size_t operator()(const sluice::named_type<T, Tag>& v) const { return std::hash<T>{}(v()); }
};
