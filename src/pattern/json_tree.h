#pragma once

#include "pattern/errc.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::pattern {

/// A small JSON document model for pattern text (not for events, which go through simdjson).
/// Unlike boost::json::value it keeps what the compiler needs: object members in order with
/// duplicate keys reported, and each number's source text (re-read with std::from_chars, so a
/// pattern number becomes exactly the double simdjson produces for the same text in an event).
struct json_node
{
    enum class kind : std::uint8_t
    {
        null,
        boolean,
        number,
        string,
        array,
        object
    };

    kind type = kind::null;
    bool boolean = false;
    double number = 0;
    std::string text;              ///< string value, or the number's source text
    std::vector<std::string> keys; ///< object member names, parallel to `items`
    std::vector<json_node> items;  ///< array elements or object member values

    bool is_object() const { return type == kind::object; }
    bool is_array() const { return type == kind::array; }
    bool is_string() const { return type == kind::string; }
    bool is_number() const { return type == kind::number; }
};

/// Names a JSON type for messages: "a string", "an object", …
std::string_view describe(json_node::kind k);

/// Parses `text` as one JSON document (no comments, no trailing commas).
/// Errors: malformed_json (offset = bytes consumed before the error), duplicate_key (offset of
/// the key's end), too_large when nesting exceeds `max_depth`.
compile_result<json_node> parse_json_tree(std::string_view text, std::size_t max_depth);

} // namespace sluice::pattern
