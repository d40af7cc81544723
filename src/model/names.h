#pragma once

#include <string_view>

namespace sluice::model {

inline constexpr size_t max_name_length = 128;

/// True for resource names (queues, topics, subscriptions, functions…): [A-Za-z0-9_.-]{1,128}.
bool is_valid_name(std::string_view name);

/// True for attribute keys: [A-Za-z0-9_.-]{1,256}, the subset that survives HTTP headers.
bool is_valid_attribute_key(std::string_view key);

} // namespace sluice::model
