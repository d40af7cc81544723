// `sluice apply`: reading and validating the `triggers:` section (apply_triggers.h); the server
// state and the plan are in apply_triggers.cc.
#include "cli/apply_triggers.h"

#include "base/units.h"
#include "cli/apply_yaml.h"
#include "cli/trigger_args.h"
#include "model/names.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <map>

namespace sluice::cli {

namespace {

constexpr std::array<std::string_view, 16> trigger_fields{
    "source",
    "function",
    "enabled",
    "batch_size",
    "batch_window",
    "max_batch_bytes",
    "max_concurrency",
    "max_attempts",
    "backoff",
    "max_backoff",
    "max_record_age",
    "bisect_on_error",
    "report_batch_item_failures",
    "on_failure",
    "filter",
    "description",
};

constexpr std::string_view name_rule = "names are 1–128 characters of A-Z a-z 0-9 _ . -";

uint64_t ms(millis d)
{
    return static_cast<uint64_t>(d.count());
}

class triggers_parser : public yaml_reader
{
public:
    triggers_parser(std::vector<trigger_spec>& out, std::vector<spec_error>& errors)
      : yaml_reader(errors)
      , _out(out)
    {
    }

    void run(const YAML::Node& key, const YAML::Node& triggers)
    {
        if (triggers.IsNull()) {
            return;
        }
        if (!triggers.IsMap()) {
            error(key.Mark(), "'triggers' must be a mapping of trigger name to settings");
            return;
        }
        std::map<std::string, int, std::less<>> seen;
        for (const auto& entry : triggers) {
            const auto& name = entry.first;
            if (!name.IsScalar()) {
                error(name.Mark(), "trigger names must be plain strings");
                continue;
            }
            trigger_spec spec;
            spec.name = name.Scalar();
            spec.line = name.Mark().line + 1;
            if (!model::is_valid_name(spec.name)) {
                error(
                  name.Mark(), fmt::format("invalid trigger name '{}' ({})", spec.name, name_rule));
                continue;
            }
            if (auto [pos, inserted] = seen.emplace(spec.name, spec.line); !inserted) {
                error(
                  name.Mark(),
                  fmt::format(
                    "trigger '{}' is declared twice (first on line {})", spec.name, pos->second));
                continue;
            }
            if (parse_trigger(name, entry.second, spec)) {
                _out.push_back(std::move(spec));
            }
        }
    }

private:
    bool parse_trigger(const YAML::Node& name, const YAML::Node& settings, trigger_spec& spec)
    {
        auto trigger_where = fmt::format("trigger '{}'", spec.name);
        if (!settings.IsMap()) {
            error(
              name.Mark(),
              fmt::format(
                "{} must be a mapping of settings with at least 'source' and 'function'",
                trigger_where));
            return false;
        }
        size_t errors_before = error_count();
        std::map<std::string, YAML::Mark, std::less<>> marks;
        std::optional<endpoint_arg> source;
        std::optional<endpoint_arg> on_failure;
        using limits = trigger_limits;
        for (const auto& entry : settings) {
            const auto& key = entry.first;
            const auto& value = entry.second;
            std::string field = key.IsScalar() ? key.Scalar() : "<non-scalar>";
            auto where = fmt::format("{}: {}", trigger_where, field);
            marks[field] = value.IsNull() ? key.Mark() : value.Mark();
            if (field == "source") {
                source = endpoint(key, value, where, endpoint_use::source);
                if (source) {
                    spec.source = value.Scalar();
                }
            } else if (field == "function") {
                if (auto text = scalar(key, value, where, "a function name")) {
                    if (model::is_valid_name(*text)) {
                        spec.function = *text;
                    } else {
                        error(
                          value.Mark(),
                          fmt::format(
                            "{}: invalid function name '{}' ({})", where, *text, name_rule));
                    }
                }
            } else if (field == "enabled") {
                spec.enabled = boolean(key, value, where);
            } else if (field == "batch_size") {
                spec.batch_size = count(key, value, where, 1, limits::max_batch_size);
            } else if (field == "batch_window") {
                spec.batch_window = duration(key, value, where, 0, ms(limits::max_batch_window));
            } else if (field == "max_batch_bytes") {
                spec.max_batch_bytes = size(key, value, where, 1, limits::max_batch_bytes);
            } else if (field == "max_concurrency") {
                spec.max_concurrency = count(key, value, where, 1, limits::max_concurrency);
            } else if (field == "max_attempts") {
                spec.max_attempts = count(key, value, where, 1, limits::max_attempts);
            } else if (field == "backoff") {
                spec.backoff
                  = duration(key, value, where, ms(limits::min_backoff), ms(limits::max_backoff));
            } else if (field == "max_backoff") {
                spec.max_backoff = duration(
                  key, value, where, ms(limits::min_backoff), ms(limits::max_max_backoff));
            } else if (field == "max_record_age") {
                spec.max_record_age = duration(key, value, where, 0, ms(limits::max_record_age));
            } else if (field == "bisect_on_error") {
                spec.bisect_on_error = boolean(key, value, where);
            } else if (field == "report_batch_item_failures") {
                spec.report_batch_item_failures = boolean(key, value, where);
            } else if (field == "on_failure") {
                if (value.IsNull()) {
                    spec.on_failure = std::string(); // `on_failure: ~`: none
                } else if ((on_failure = endpoint(key, value, where, endpoint_use::on_failure))) {
                    spec.on_failure = value.Scalar();
                }
            } else if (field == "filter") {
                spec.filter = filter(key, value, where);
            } else if (field == "description") {
                // A note for people reading the file; not sent.
            } else if (field == "name") {
                error(
                  key.Mark(),
                  fmt::format(
                    "{}: the name is the key above ('{}'); remove 'name'",
                    trigger_where,
                    spec.name));
            } else {
                error(key.Mark(), unknown_field(trigger_where, field, trigger_fields));
            }
        }
        if (error_count() != errors_before) {
            return false;
        }
        if (spec.source.empty() || spec.function.empty()) {
            error(
              name.Mark(),
              fmt::format(
                "{}: 'source' and 'function' are required (missing: {})",
                trigger_where,
                spec.source.empty() && spec.function.empty() ? "both"
                : spec.source.empty()                        ? "source"
                                                             : "function"));
            return false;
        }
        if (source && on_failure) {
            auto conflict = on_failure_conflict(*source, *on_failure);
            if (!conflict.empty()) {
                error(marks.at("on_failure"), fmt::format("{}: {}", trigger_where, conflict));
            }
        }
        auto backoff = spec.backoff.value_or(limits::default_backoff);
        auto max_backoff = spec.max_backoff.value_or(limits::default_max_backoff);
        if ((spec.backoff || spec.max_backoff) && max_backoff < backoff) {
            error(
              marks.at(spec.max_backoff ? "max_backoff" : "backoff"),
              fmt::format(
                "{}: max_backoff {}{} must not be below backoff {}{}",
                trigger_where,
                format_duration(max_backoff),
                spec.max_backoff ? "" : " (the default)",
                format_duration(backoff),
                spec.backoff ? "" : " (the default)"));
        }
        return error_count() == errors_before;
    }

    std::optional<endpoint_arg> endpoint(
      const YAML::Node& key,
      const YAML::Node& value,
      const std::string& where,
      endpoint_use use)
    {
        auto text = scalar(
          key,
          value,
          where,
          use == endpoint_use::source ? "queue:NAME or topic:TOPIC/SUBSCRIPTION"
                                      : "queue:NAME or topic:TOPIC");
        if (!text) {
            return std::nullopt;
        }
        auto parsed = parse_endpoint_arg(*text, use);
        if (auto* e = std::get_if<std::string>(&parsed)) {
            error(value.Mark(), fmt::format("{}: {}", where, *e));
            return std::nullopt;
        }
        return std::get<endpoint_arg>(parsed);
    }

    std::vector<trigger_spec>& _out;
};

} // namespace

void parse_triggers_section(
  const YAML::Node& key,
  const YAML::Node& triggers,
  std::vector<trigger_spec>& out,
  std::vector<spec_error>& errors)
{
    triggers_parser(out, errors).run(key, triggers);
}

} // namespace sluice::cli
