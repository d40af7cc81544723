#pragma once

#include "base/clock.h"
#include "cli/apply_plan.h"

#include <boost/json/value.hpp>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::cli {

/// Scalar reading and messages shared by the sections of an apply file (apply_plan.cc for
/// queues, apply_topics_spec.cc for topics, apply_triggers_spec.cc for triggers).

/// true/True/TRUE/yes/on and false/False/FALSE/no/off.
std::optional<bool> parse_yaml_bool(std::string_view text);

/// A whole number of at most 9 digits.
std::optional<uint64_t> parse_yaml_count(std::string_view text);

/// "a, b, c".
std::string join_names(std::span<const std::string_view> names);

/// " (did you mean 'retention'?)" when a known name is close to the unknown one (a typo or a
/// prefix), else "".
std::string did_you_mean(std::string_view unknown, std::span<const std::string_view> names);

/// "<where>: unknown field '<shown>' (supported: a, b)" with a did-you-mean.
std::string unknown_field(
    std::string_view where, std::string_view shown, std::span<const std::string_view> names);

/// A YAML value as JSON for an event pattern: unquoted true/false, null, integers and decimals
/// keep their type; everything else (and anything quoted) is a string.
boost::json::value yaml_to_json(const YAML::Node& node);

/// Reads the typed values of one section and reports every problem with its line and column.
/// Each getter returns nullopt after reporting; `where` prefixes the message ("topic 't':
/// retention"). Out-of-range values name the bounds.
class yaml_reader
{
public:
    explicit yaml_reader(std::vector<spec_error>& errors)
      : _errors(errors)
    {}

    void error(const YAML::Mark& mark, std::string message);
    static spec_error at(const YAML::Mark& mark) { return {mark.line + 1, mark.column + 1, {}}; }
    size_t error_count() const { return _errors.size(); }

    /// The scalar text of `value`, or nullopt after reporting "expected <what>".
    std::optional<std::string> scalar(
        const YAML::Node& key, const YAML::Node& value, const std::string& where,
        std::string_view what);
    std::optional<millis> duration(
        const YAML::Node& key, const YAML::Node& value, const std::string& where, uint64_t min_ms,
        uint64_t max_ms);
    std::optional<uint64_t> size(
        const YAML::Node& key, const YAML::Node& value, const std::string& where, uint64_t min,
        uint64_t max);
    std::optional<uint32_t> count(
        const YAML::Node& key, const YAML::Node& value, const std::string& where, uint64_t min,
        uint64_t max);
    std::optional<bool> boolean(
        const YAML::Node& key, const YAML::Node& value, const std::string& where);
    /// A message filter: an event pattern (a mapping, or JSON text), a tag expression (other
    /// text), or null for none.
    std::optional<boost::json::value> filter(
        const YAML::Node& key, const YAML::Node& value, const std::string& where);

private:
    std::vector<spec_error>& _errors;
};

} // namespace sluice::cli
