#include "pattern/json_tree.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>

namespace sluice::pattern {

namespace {

namespace json = boost::json;

/// basic_parser handler that builds a json_node tree. Containers under construction live on
/// `_stack`; a finished value is attached to the container below it (its key was already
/// appended by on_key).
class tree_builder
{
public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }

    bool on_array_begin(json::error_code&)
    {
        _stack.push_back(json_node{ .type = json_node::kind::array });
        return true;
    }
    bool on_array_end(std::size_t, json::error_code&) { return finish_container(); }
    bool on_object_begin(json::error_code&)
    {
        _stack.push_back(json_node{ .type = json_node::kind::object });
        return true;
    }
    bool on_object_end(std::size_t, json::error_code&) { return finish_container(); }

    bool on_string_part(json::string_view s, std::size_t, json::error_code&)
    {
        _buffer.append(s.data(), s.size());
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&)
    {
        _buffer.append(s.data(), s.size());
        json_node n{ .type = json_node::kind::string };
        n.text = std::move(_buffer);
        _buffer.clear();
        return attach(std::move(n));
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&)
    {
        _buffer.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code& ec)
    {
        _buffer.append(s.data(), s.size());
        auto& keys = _stack.back().keys;
        for (const auto& k : keys) {
            if (k == _buffer) {
                duplicate = _buffer;
                ec = make_error_code(errc::duplicate_key);
                return false;
            }
        }
        keys.push_back(std::move(_buffer));
        _buffer.clear();
        return true;
    }

    bool on_number_part(json::string_view s, json::error_code&)
    {
        _buffer.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t, json::string_view s, json::error_code& ec)
    {
        return on_number(s, ec);
    }
    bool on_uint64(std::uint64_t, json::string_view s, json::error_code& ec)
    {
        return on_number(s, ec);
    }
    bool on_double(double, json::string_view s, json::error_code& ec) { return on_number(s, ec); }

    bool on_bool(bool b, json::error_code&)
    {
        return attach(json_node{ .type = json_node::kind::boolean, .boolean = b });
    }
    bool on_null(json::error_code&) { return attach(json_node{ .type = json_node::kind::null }); }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

    json_node root;
    std::string duplicate; ///< the duplicated key, when parsing stopped on one
    bool number_overflow = false;

private:
    bool on_number(json::string_view s, json::error_code& ec)
    {
        _buffer.append(s.data(), s.size());
        json_node n{ .type = json_node::kind::number };
        // Boost.JSON 1.81 may round the last bit differently from simdjson; re-read the text.
        auto [end, err]
          = std::from_chars(_buffer.data(), _buffer.data() + _buffer.size(), n.number);
        if (err != std::errc{} || !std::isfinite(n.number)) {
            number_overflow = true;
            ec = make_error_code(errc::too_large);
            return false;
        }
        n.text = std::move(_buffer);
        _buffer.clear();
        return attach(std::move(n));
    }

    bool finish_container()
    {
        json_node done = std::move(_stack.back());
        _stack.pop_back();
        return attach(std::move(done));
    }

    bool attach(json_node n)
    {
        if (_stack.empty()) {
            root = std::move(n);
        } else {
            _stack.back().items.push_back(std::move(n));
        }
        return true;
    }

    std::vector<json_node> _stack;
    std::string _buffer;
};

} // namespace

std::string_view describe(json_node::kind k)
{
    switch (k) {
        case json_node::kind::null:
            return "null";
        case json_node::kind::boolean:
            return "a boolean";
        case json_node::kind::number:
            return "a number";
        case json_node::kind::string:
            return "a string";
        case json_node::kind::array:
            return "an array";
        case json_node::kind::object:
            return "an object";
    }
    return "a value";
}

compile_result<json_node> parse_json_tree(std::string_view text, std::size_t max_depth)
{
    json::parse_options opts;
    opts.max_depth = max_depth;
    json::basic_parser<tree_builder> parser(opts);
    json::error_code ec;
    std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
    if (ec) {
        if (ec == make_error_code(errc::duplicate_key)) {
            return error_at_offset(
              errc::duplicate_key,
              consumed,
              "duplicate key \"" + parser.handler().duplicate + "\"");
        }
        if (ec == make_error_code(errc::too_large)) {
            return error_at_offset(errc::too_large, consumed, "number out of range");
        }
        if (ec == json::error::too_deep) {
            return error_at_offset(
              errc::too_large,
              consumed,
              "pattern nested deeper than " + std::to_string(max_depth) + " levels");
        }
        return error_at_offset(errc::malformed_json, consumed, "malformed JSON: " + ec.message());
    }
    // write_some stops after the document; only whitespace may follow it.
    for (std::size_t i = consumed; i < text.size(); ++i) {
        char c = text[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return error_at_offset(
              errc::malformed_json, i, "malformed JSON: unexpected text after the document");
        }
    }
    return std::move(parser.handler().root);
}

} // namespace sluice::pattern
