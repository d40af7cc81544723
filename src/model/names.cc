#include "model/names.h"

namespace sluice::model {
namespace {
bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
           || c == '.' || c == '-';
}
bool all_name_chars(std::string_view s) {
    for (char c : s) {
        if (!is_name_char(c)) {
            return false;
        }
    }
    return true;
}
} // namespace

bool is_valid_name(std::string_view name) {
    return !name.empty() && name.size() <= max_name_length && all_name_chars(name);
}

bool is_valid_attribute_key(std::string_view key) {
    return !key.empty() && key.size() <= 256 && all_name_chars(key);
}

} // namespace sluice::model
