// `sluice apply`: reading and validating the `topics:` section (apply_topics.h); the server
// state and the plan are in apply_topics.cc.
#include "cli/apply_topics.h"

#include "base/units.h"
#include "cli/apply_yaml.h"
#include "cli/output.h"
#include "cli/topic_args.h"
#include "model/names.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <map>

namespace sluice::cli {
namespace json = boost::json;

namespace {

constexpr uint64_t second_ms = 1000;
constexpr uint64_t hour_ms = 3600 * second_ms;
constexpr uint64_t day_ms = 24 * hour_ms;

constexpr std::array<std::string_view, 7> topic_fields{
    "partitions",          "retention",    "retention_bytes", "max_message_size",
    "content_based_dedup", "dedup_window", "subscriptions",
};
constexpr std::array<std::string_view, 11> subscription_fields{
    "mode",        "from",         "visibility_timeout", "max_deliveries", "dead_letter_queue",
    "backoff",     "max_backoff",  "consumer_ttl",       "filter",         "push",
    "description",
};
constexpr std::array<std::string_view, 5> push_fields{
    "url", "format", "secret", "concurrency", "timeout"};

class topics_parser : public yaml_reader
{
public:
    topics_parser(std::vector<topic_spec>& out, std::vector<spec_error>& errors)
      : yaml_reader(errors)
      , _out(out)
    {}

    void run(const YAML::Node& key, const YAML::Node& topics)
    {
        if (topics.IsNull()) {
            return;
        }
        if (!topics.IsMap()) {
            error(key.Mark(), "'topics' must be a mapping of topic name to settings");
            return;
        }
        std::map<std::string, int, std::less<>> seen;
        for (const auto& entry : topics) {
            const auto& name = entry.first;
            if (!name.IsScalar()) {
                error(name.Mark(), "topic names must be plain strings");
                continue;
            }
            topic_spec spec;
            spec.name = name.Scalar();
            spec.line = name.Mark().line + 1;
            if (!model::is_valid_name(spec.name)) {
                error(name.Mark(), fmt::format("invalid topic name '{}' ({})", spec.name, name_rule));
                continue;
            }
            if (auto [pos, inserted] = seen.emplace(spec.name, spec.line); !inserted) {
                error(
                    name.Mark(), fmt::format(
                                     "topic '{}' is declared twice (first on line {})", spec.name,
                                     pos->second));
                continue;
            }
            if (parse_topic(name, entry.second, spec)) {
                _out.push_back(std::move(spec));
            }
        }
    }

private:
    static constexpr std::string_view name_rule = "names are 1–128 characters of A-Z a-z 0-9 _ . -";

    bool parse_topic(const YAML::Node& name, const YAML::Node& settings, topic_spec& spec)
    {
        if (settings.IsNull()) {
            return true; // all defaults
        }
        if (!settings.IsMap()) {
            error(
                name.Mark(),
                fmt::format(
                    "topic '{}' must be a mapping of settings (or empty for defaults)", spec.name));
            return false;
        }
        size_t errors_before = error_count();
        auto topic_where = fmt::format("topic '{}'", spec.name);
        for (const auto& entry : settings) {
            const auto& key = entry.first;
            const auto& value = entry.second;
            std::string field = key.IsScalar() ? key.Scalar() : "<non-scalar>";
            auto where = fmt::format("{}: {}", topic_where, field);
            if (field == "partitions") {
                spec.partitions = count(key, value, where, 1, 256);
                spec.partitions_at = at(value.IsNull() ? key.Mark() : value.Mark());
            } else if (field == "retention") {
                spec.retention = duration(key, value, where, 60 * second_ms, 365 * day_ms);
            } else if (field == "retention_bytes") {
                spec.retention_bytes = size(key, value, where, 0, 1ULL << 50);
            } else if (field == "max_message_size") {
                spec.max_message_size = size(key, value, where, 1, 16ULL << 20);
            } else if (field == "content_based_dedup") {
                spec.content_based_dedup = boolean(key, value, where);
            } else if (field == "dedup_window") {
                spec.dedup_window = duration(key, value, where, second_ms, day_ms);
            } else if (field == "subscriptions") {
                parse_subscriptions(key, value, spec);
            } else {
                error(key.Mark(), unknown_field(topic_where, field, topic_fields));
            }
        }
        return error_count() == errors_before;
    }

    void parse_subscriptions(const YAML::Node& key, const YAML::Node& subs, topic_spec& topic)
    {
        if (subs.IsNull()) {
            return;
        }
        if (!subs.IsMap()) {
            error(
                key.Mark(),
                fmt::format(
                    "topic '{}': 'subscriptions' must be a mapping of subscription name to "
                    "settings",
                    topic.name));
            return;
        }
        std::map<std::string, int, std::less<>> seen;
        for (const auto& entry : subs) {
            const auto& name = entry.first;
            if (!name.IsScalar()) {
                error(name.Mark(), fmt::format("topic '{}': subscription names must be plain strings", topic.name));
                continue;
            }
            subscription_spec spec;
            spec.name = name.Scalar();
            spec.line = name.Mark().line + 1;
            spec.column = name.Mark().column + 1;
            if (!model::is_valid_name(spec.name)) {
                error(
                    name.Mark(), fmt::format(
                                     "topic '{}': invalid subscription name '{}' ({})", topic.name,
                                     spec.name, name_rule));
                continue;
            }
            if (auto [pos, inserted] = seen.emplace(spec.name, spec.line); !inserted) {
                error(
                    name.Mark(), fmt::format(
                                     "subscription '{}/{}' is declared twice (first on line {})",
                                     topic.name, spec.name, pos->second));
                continue;
            }
            if (parse_subscription(topic.name, name, entry.second, spec)) {
                topic.subscriptions.push_back(std::move(spec));
            }
        }
    }

    bool parse_subscription(
        const std::string& topic, const YAML::Node& name, const YAML::Node& settings,
        subscription_spec& spec)
    {
        auto sub_where = fmt::format("subscription '{}/{}'", topic, spec.name);
        if (settings.IsNull()) {
            return true;
        }
        if (!settings.IsMap()) {
            error(
                name.Mark(),
                fmt::format("{} must be a mapping of settings (or empty for defaults)", sub_where));
            return false;
        }
        size_t errors_before = error_count();
        std::map<std::string, YAML::Mark, std::less<>> marks;
        for (const auto& entry : settings) {
            const auto& key = entry.first;
            const auto& value = entry.second;
            std::string field = key.IsScalar() ? key.Scalar() : "<non-scalar>";
            auto where = fmt::format("{}: {}", sub_where, field);
            marks[field] = value.IsNull() ? key.Mark() : value.Mark();
            if (field == "mode") {
                auto text = scalar(key, value, where, "shared, ordered or broadcast");
                if (text && *text != "shared" && *text != "ordered" && *text != "broadcast") {
                    error(
                        value.Mark(),
                        fmt::format("{}: '{}' is not shared, ordered or broadcast", where, *text));
                } else if (text) {
                    spec.mode = *text;
                    spec.mode_at = at(value.Mark());
                }
            } else if (field == "from") {
                auto text = scalar(key, value, where, "earliest, latest, an offset or a time");
                if (text && !parse_from_arg(*text)) {
                    error(
                        value.Mark(), fmt::format(
                                          "{}: '{}' is not earliest, latest, an offset or an RFC "
                                          "3339 time",
                                          where, *text));
                } else if (text) {
                    spec.from = *text;
                }
            } else if (field == "visibility_timeout") {
                spec.visibility_timeout = duration(key, value, where, 0, 12 * hour_ms);
            } else if (field == "max_deliveries") {
                spec.max_deliveries = count(key, value, where, 0, 1000);
            } else if (field == "dead_letter_queue") {
                if (value.IsNull()) {
                    spec.dead_letter_queue = std::string();
                } else if (auto text = scalar(key, value, where, "a queue name")) {
                    if (!text->empty() && !model::is_valid_name(*text)) {
                        error(
                            value.Mark(),
                            fmt::format("{}: invalid queue name '{}' ({})", where, *text, name_rule));
                    } else {
                        spec.dead_letter_queue = *text;
                    }
                }
            } else if (field == "backoff") {
                spec.backoff = duration(key, value, where, 0, hour_ms);
            } else if (field == "max_backoff") {
                spec.max_backoff = duration(key, value, where, 0, day_ms);
            } else if (field == "consumer_ttl") {
                spec.consumer_ttl = duration(key, value, where, second_ms, 30 * day_ms);
            } else if (field == "filter") {
                spec.filter = filter(key, value, where);
            } else if (field == "push") {
                parse_push(key, value, where, spec);
            } else if (field == "description") {
                // A note for people reading the file; not sent.
            } else {
                error(key.Mark(), unknown_field(sub_where, field, subscription_fields));
            }
        }
        if (error_count() == errors_before) {
            check_subscription(sub_where, spec, marks);
        }
        return error_count() == errors_before;
    }

    /// Checks between the fields of one subscription; fills in the other half of
    /// "dead-lettering off".
    void check_subscription(
        const std::string& where, subscription_spec& spec,
        const std::map<std::string, YAML::Mark, std::less<>>& marks)
    {
        const auto& dlq = spec.dead_letter_queue;
        if (spec.max_deliveries && *spec.max_deliveries > 0 && (!dlq || dlq->empty())) {
            error(
                marks.at("max_deliveries"),
                fmt::format(
                    "{}: max_deliveries {} needs a dead_letter_queue (where messages go after {} "
                    "deliveries)",
                    where, *spec.max_deliveries, *spec.max_deliveries));
        }
        if (dlq && !dlq->empty() && (!spec.max_deliveries || *spec.max_deliveries == 0)) {
            error(
                marks.at("dead_letter_queue"),
                fmt::format(
                    "{}: dead_letter_queue needs max_deliveries (1 to 1000: how many deliveries "
                    "before a message moves to '{}')",
                    where, *dlq));
        }
        bool broadcast = spec.mode == "broadcast";
        if (spec.consumer_ttl && !broadcast) {
            error(
                marks.at("consumer_ttl"),
                fmt::format("{}: consumer_ttl applies to broadcast subscriptions: add 'mode: "
                            "broadcast'",
                            where));
        }
        if (broadcast && spec.push && *spec.push) {
            error(
                marks.at("push"), fmt::format(
                                      "{}: a push subscription delivers to one endpoint: use "
                                      "mode shared or ordered",
                                      where));
        }
        if (spec.backoff && spec.max_backoff && *spec.max_backoff < *spec.backoff) {
            error(
                marks.at("max_backoff"),
                fmt::format(
                    "{}: max_backoff {} must not be below backoff {}", where,
                    format_duration(*spec.max_backoff), format_duration(*spec.backoff)));
        }
        if (spec.max_deliveries && *spec.max_deliveries == 0 && !dlq) {
            spec.dead_letter_queue = std::string();
        }
        if (dlq && dlq->empty() && !spec.max_deliveries) {
            spec.max_deliveries = 0;
        }
    }

    void parse_push(
        const YAML::Node& key, const YAML::Node& value, const std::string& where,
        subscription_spec& spec)
    {
        if (value.IsNull()) {
            spec.push = std::optional<push_spec>(); // push: ~ turns push off
            return;
        }
        if (!value.IsMap()) {
            error(key.Mark(), fmt::format("{}: expected a mapping with at least 'url'", where));
            return;
        }
        push_spec push;
        size_t errors_before = error_count();
        for (const auto& entry : value) {
            const auto& k = entry.first;
            const auto& v = entry.second;
            std::string field = k.IsScalar() ? k.Scalar() : "<non-scalar>";
            auto field_where = fmt::format("{}.{}", where, field);
            if (field == "url") {
                if (auto text = scalar(k, v, field_where, "an http or https URL")) {
                    auto u = boost::urls::parse_absolute_uri(*text);
                    if (!u || (u->scheme() != "http" && u->scheme() != "https")
                        || u->host().empty()) {
                        error(
                            v.Mark(), fmt::format(
                                          "{}: '{}' is not an http or https URL with a host",
                                          field_where, *text));
                    } else {
                        push.url = *text;
                    }
                }
            } else if (field == "format") {
                auto text = scalar(k, v, field_where, "json or cloudevents");
                if (text && *text != "json" && *text != "cloudevents") {
                    error(
                        v.Mark(),
                        fmt::format("{}: '{}' is not json or cloudevents", field_where, *text));
                } else if (text) {
                    push.format = *text;
                }
            } else if (field == "secret") {
                if (v.IsNull()) {
                    push.secret = std::string();
                } else if (auto text = scalar(k, v, field_where, "a string")) {
                    if (text->size() > 256) {
                        error(v.Mark(), fmt::format("{}: at most 256 characters", field_where));
                    } else {
                        push.secret = *text;
                    }
                }
            } else if (field == "concurrency") {
                push.concurrency = count(k, v, field_where, 1, 1024);
            } else if (field == "timeout") {
                push.timeout = duration(k, v, field_where, 100, 300 * second_ms);
            } else {
                error(k.Mark(), unknown_field(where, field, push_fields));
            }
        }
        bool ok = error_count() == errors_before;
        if (ok && push.url.empty()) {
            error(key.Mark(), fmt::format("{}: 'url' is required", where));
            ok = false;
        }
        if (ok) {
            spec.push = std::optional<push_spec>(std::move(push));
        }
    }

    std::vector<topic_spec>& _out;
};

} // namespace

void parse_topics_section(
    const YAML::Node& key, const YAML::Node& topics, std::vector<topic_spec>& out,
    std::vector<spec_error>& errors)
{
    topics_parser(out, errors).run(key, topics);
}

} // namespace sluice::cli
