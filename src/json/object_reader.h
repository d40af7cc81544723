#pragma once

#include "base/clock.h"
#include "base/units.h"

#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::json {

/// Parses a request body as JSON. An empty body is an empty object when `empty_is_object`.
/// On failure returns nullopt and sets `error` to a message with the byte offset. The value's
/// strings, arrays and objects are allocated from `storage` (default: the heap).
std::optional<boost::json::value> parse(
    std::string_view text, std::string& error, bool empty_is_object = false,
    boost::json::storage_ptr storage = {});

/// Reads typed, bounded fields out of a JSON object and remembers the first problem, so request
/// handlers validate in a straight line and answer with one clear message:
///
///     object_reader r(obj);
///     auto max = r.uint("max_messages", 1, 100).value_or(1);
///     r.reject_unknown();
///     if (!r.ok()) return bad_request(r.error());
///
/// Every getter returns nullopt when the field is absent or wrong (then ok() is false).
class object_reader {
public:
    explicit object_reader(const boost::json::object& obj, std::string prefix = "")
      : _obj(obj)
      , _prefix(std::move(prefix)) {}

    std::optional<std::string_view> string(std::string_view key, size_t max_len = 1 << 20);
    std::optional<uint64_t> uint(std::string_view key, uint64_t lo, uint64_t hi);
    std::optional<bool> boolean(std::string_view key);
    /// A duration as "30s" text or integer seconds, within [lo, hi].
    std::optional<millis> duration(std::string_view key, millis lo, millis hi);
    /// A size as integer bytes or "64KiB" text, within [lo, hi].
    std::optional<byte_size> size(std::string_view key, byte_size lo, byte_size hi);
    /// An RFC 3339 time.
    std::optional<timestamp> time(std::string_view key);
    /// Any value (marks the field as known).
    const boost::json::value* any(std::string_view key);

    /// Flags fields that no getter asked for.
    void reject_unknown();

    bool ok() const { return _error.empty(); }
    const std::string& error() const { return _error; }
    void fail(std::string message);

private:
    const boost::json::value* find(std::string_view key);
    std::string path(std::string_view key) const { return _prefix + std::string(key); }

    void mark_known(size_t position);
    bool known(size_t position) const;

    const boost::json::object& _obj;
    std::string _prefix;
    /// The object's fields a getter asked for, by position (a publish batch reads ~9 fields of
    /// each of up to 1,000 entries: a set of names cost a node allocation per field).
    uint64_t _known_first64 = 0;
    std::vector<size_t> _known_beyond;
    std::string _error;
};

} // namespace sluice::json
