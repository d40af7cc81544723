#pragma once

// A small validating JSON reader that keeps each value's source text.
//
// Why not Boost.JSON or simdjson, as the rest of the tree: CloudEvents `data` and extension
// values must come back out exactly as they came in (number text such as `1.50` or
// 123456789012345678901234567890 is not rounded through a double), and transforms need the
// same text for their input paths. Both libraries turn numbers into doubles/integers; this
// reader only records where each value starts and ends.

#include "events/errc.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::events::detail {

enum class json_type : std::uint8_t
{
    null,
    boolean,
    number,
    string,
    array,
    object,
};

/// "null", "boolean", "number", "string", "array", "object" (for messages).
std::string_view to_string(json_type t);

/// One parsed JSON document (RFC 8259, strict: no comments, no trailing commas, valid UTF-8, no
/// lone surrogate escapes, nesting ≤ max_depth). Nodes are numbered in document order; the
/// root is node 0. The text is not copied: it must outlive the json_doc. Immutable after
/// parse(), so any thread may read it.
class json_doc
{
public:
    static constexpr std::uint32_t none = UINT32_MAX;
    static constexpr int max_depth = 128;

    struct node
    {
        json_type type = json_type::null;
        std::uint32_t begin = 0; ///< source text [begin, end)
        std::uint32_t end = 0;
        std::uint32_t key_begin = 0; ///< for an object member: its key literal, with quotes
        std::uint32_t key_end = 0;
        std::uint32_t first_child = none;  ///< first member / element
        std::uint32_t next_sibling = none; ///< next member / element of the parent
        std::uint32_t size = 0;            ///< number of members / elements
    };

    /// Parses one document. Errors: errc::malformed_json, "malformed JSON at offset N: …".
    static detailed_result<json_doc> parse(std::string_view text);

    std::uint32_t root() const { return 0; }
    const node& at(std::uint32_t i) const { return _nodes[i]; }
    json_type type(std::uint32_t i) const { return _nodes[i].type; }
    /// The value's source text (a string with its quotes and escapes as written).
    std::string_view raw(std::uint32_t i) const;
    /// An object member's key, unescaped.
    std::string key(std::uint32_t i) const;
    /// A string node's value, unescaped (UTF-8).
    std::string string_value(std::uint32_t i) const;
    /// The first member of object `i` whose key is `key`, or none.
    std::uint32_t find(std::uint32_t i, std::string_view key) const;
    /// Element `index` of array `i`, or none.
    std::uint32_t element(std::uint32_t i, std::size_t index) const;
    /// The value's text without insignificant whitespace (strings and numbers as written).
    std::string minified(std::uint32_t i) const;
    void append_minified(std::uint32_t i, std::string& out) const;

private:
    friend class parser;
    std::string_view _text;
    std::vector<node> _nodes;
};

/// Unescapes a valid JSON string literal (with its quotes).
std::string unescape_json_string(std::string_view literal);

} // namespace sluice::events::detail
