#include "json/object_reader.h"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace sluice::json {

namespace {

/// Builds a boost::json::value like boost::json::parser, except that a number which is not an
/// integer is converted from its text with std::from_chars (correctly rounded). Boost.JSON 1.81
/// rounds some decimals (more than 19 digits, or a 17-digit mantissa with a large exponent)
/// to a neighbouring double, so a value written back with the shortest round-trip form could
/// read back as another number: what is stored (a rule's pattern, say) would not be a fixed
/// point of parse and serialize.
class value_builder {
public:
    static constexpr std::size_t max_object_size = boost::json::object::max_size();
    static constexpr std::size_t max_array_size = boost::json::array::max_size();
    static constexpr std::size_t max_key_size = boost::json::string::max_size();
    static constexpr std::size_t max_string_size = boost::json::string::max_size();

    boost::json::value_stack st;

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code&) { return true; }
    bool on_object_end(std::size_t n, boost::system::error_code&)
    {
        st.push_object(n);
        return true;
    }
    bool on_array_begin(boost::system::error_code&) { return true; }
    bool on_array_end(std::size_t n, boost::system::error_code&)
    {
        st.push_array(n);
        return true;
    }
    bool on_key_part(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        st.push_chars(s);
        return true;
    }
    bool on_key(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        st.push_key(s);
        return true;
    }
    bool on_string_part(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        st.push_chars(s);
        return true;
    }
    bool on_string(boost::json::string_view s, std::size_t, boost::system::error_code&)
    {
        st.push_string(s);
        return true;
    }
    bool on_number_part(boost::json::string_view s, boost::system::error_code&)
    {
        _number.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, boost::json::string_view, boost::system::error_code&)
    {
        _number.clear();
        st.push_int64(i);
        return true;
    }
    bool on_uint64(std::uint64_t u, boost::json::string_view, boost::system::error_code&)
    {
        _number.clear();
        st.push_uint64(u);
        return true;
    }
    bool on_double(double d, boost::json::string_view s, boost::system::error_code&)
    {
        std::string_view text(s.data(), s.size());
        if (!_number.empty()) {
            _number.append(s.data(), s.size());
            text = _number;
        }
        double exact = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
        // Out of range (1e400) keeps what Boost made of it; JSON text is always from_chars text.
        st.push_double(ec == std::errc() && end == text.data() + text.size() ? exact : d);
        _number.clear();
        return true;
    }
    bool on_bool(bool b, boost::system::error_code&)
    {
        st.push_bool(b);
        return true;
    }
    bool on_null(boost::system::error_code&)
    {
        st.push_null();
        return true;
    }
    bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

private:
    std::string _number; // the parts of a number split across buffers
};

} // namespace

std::optional<boost::json::value>
parse(std::string_view text, std::string& error, bool empty_is_object, boost::json::storage_ptr storage) {
    if (text.empty() && empty_is_object) {
        return boost::json::value(boost::json::object());
    }
    boost::json::parse_options opts;
    opts.max_depth = 64;
    boost::system::error_code ec;
    boost::json::basic_parser<value_builder> p(opts);
    p.handler().st.reset(std::move(storage));
    size_t consumed = p.write_some(false, text.data(), text.size(), ec);
    if (!ec && consumed < text.size()) {
        ec = boost::json::error::extra_data;
    }
    if (ec) {
        error = fmt::format("malformed JSON at byte {}: {}", consumed, ec.message());
        return std::nullopt;
    }
    return p.handler().st.release();
}

void object_reader::mark_known(size_t position) {
    if (position < 64) {
        _known_first64 |= uint64_t(1) << position;
    } else {
        _known_beyond.push_back(position);
    }
}

bool object_reader::known(size_t position) const {
    if (position < 64) {
        return (_known_first64 >> position) & 1;
    }
    return std::find(_known_beyond.begin(), _known_beyond.end(), position) != _known_beyond.end();
}

const boost::json::value* object_reader::find(std::string_view key) {
    auto it = _obj.find(key);
    if (it == _obj.end()) {
        return nullptr;
    }
    mark_known(static_cast<size_t>(it - _obj.begin()));
    if (it->value().is_null()) {
        return nullptr;
    }
    return &it->value();
}

void object_reader::fail(std::string message) {
    if (_error.empty()) {
        _error = std::move(message);
    }
}

const boost::json::value* object_reader::any(std::string_view key) { return find(key); }

std::optional<std::string_view> object_reader::string(std::string_view key, size_t max_len) {
    auto* v = find(key);
    if (!v) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        fail(fmt::format("'{}' must be a string", path(key)));
        return std::nullopt;
    }
    auto& s = v->get_string();
    if (s.size() > max_len) {
        fail(fmt::format("'{}' is longer than {} bytes", path(key), max_len));
        return std::nullopt;
    }
    return std::string_view(s.data(), s.size());
}

std::optional<uint64_t> object_reader::uint(std::string_view key, uint64_t lo, uint64_t hi) {
    auto* v = find(key);
    if (!v) {
        return std::nullopt;
    }
    std::optional<uint64_t> n;
    if (v->is_uint64()) {
        n = v->get_uint64();
    } else if (v->is_int64() && v->get_int64() >= 0) {
        n = static_cast<uint64_t>(v->get_int64());
    }
    if (!n || *n < lo || *n > hi) {
        fail(fmt::format("'{}' must be an integer in {}..{}", path(key), lo, hi));
        return std::nullopt;
    }
    return n;
}

std::optional<bool> object_reader::boolean(std::string_view key) {
    auto* v = find(key);
    if (!v) {
        return std::nullopt;
    }
    if (!v->is_bool()) {
        fail(fmt::format("'{}' must be true or false", path(key)));
        return std::nullopt;
    }
    return v->get_bool();
}

std::optional<millis> object_reader::duration(std::string_view key, millis lo, millis hi) {
    auto* v = find(key);
    if (!v) {
        return std::nullopt;
    }
    std::optional<millis> d;
    if (v->is_string()) {
        d = parse_duration(std::string_view(v->get_string().data(), v->get_string().size()));
    } else if (v->is_uint64() && v->get_uint64() <= 100ULL * 366 * 86400) {
        d = millis(v->get_uint64() * 1000);
    } else if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= 100LL * 366 * 86400) {
        d = millis(v->get_int64() * 1000);
    }
    if (!d || *d < lo || *d > hi) {
        fail(fmt::format(
            "'{}' must be a duration in {}..{} such as \"30s\" or an integer number of seconds",
            path(key), format_duration(lo), format_duration(hi)));
        return std::nullopt;
    }
    return d;
}

std::optional<byte_size> object_reader::size(std::string_view key, byte_size lo, byte_size hi) {
    auto* v = find(key);
    if (!v) {
        return std::nullopt;
    }
    std::optional<byte_size> b;
    if (v->is_string()) {
        b = parse_byte_size(std::string_view(v->get_string().data(), v->get_string().size()));
    } else if (v->is_uint64()) {
        b = byte_size{v->get_uint64()};
    } else if (v->is_int64() && v->get_int64() >= 0) {
        b = byte_size{static_cast<uint64_t>(v->get_int64())};
    }
    if (!b || *b < lo || *b > hi) {
        fail(fmt::format(
            "'{}' must be a size in {}..{} bytes (an integer, or text such as \"64KiB\")", path(key),
            lo.bytes, hi.bytes));
        return std::nullopt;
    }
    return b;
}

std::optional<timestamp> object_reader::time(std::string_view key) {
    auto s = string(key, 64);
    if (!s) {
        return std::nullopt;
    }
    auto t = parse_rfc3339(*s);
    if (!t) {
        fail(fmt::format("'{}' must be an RFC 3339 time such as 2026-12-01T09:00:00Z", path(key)));
    }
    return t;
}

void object_reader::reject_unknown() {
    size_t position = 0;
    for (auto& kv : _obj) {
        if (!known(position++)) {
            fail(fmt::format("unknown field '{}'", path(std::string_view(kv.key()))));
            return;
        }
    }
}

} // namespace sluice::json
