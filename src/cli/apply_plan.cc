#include "cli/apply_plan.h"

#include "base/units.h"
#include "cli/errc.h"
#include "cli/output.h"
#include "model/names.h"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <map>

namespace sluice::cli {
namespace json = boost::json;

namespace {

// Bounds of the queue settings, as docs/api.md states them; the server checks them again.
enum class field_type { duration, size };
struct field_def {
    std::string_view name;
    field_type type;
    uint64_t min; ///< milliseconds or bytes
    uint64_t max;
};
constexpr std::array<field_def, 3> queue_fields{{
    {"visibility_timeout", field_type::duration, 0, 12ULL * 3600 * 1000},
    {"max_message_size", field_type::size, 1, 16ULL << 20},
    {"retention", field_type::duration, 60ULL * 1000, 365ULL * 86400 * 1000},
}};
constexpr std::array<std::string_view, 1> top_level_keys{"queues"};

std::string format_value(field_type type, uint64_t v) {
    return type == field_type::duration ? format_duration(millis(v)) : format_byte_size(v);
}

template<size_t n>
std::string join(const std::array<std::string_view, n>& names) {
    std::string out;
    for (auto name : names) {
        out += out.empty() ? "" : ", ";
        out += name;
    }
    return out;
}

std::array<std::string_view, queue_fields.size()> queue_field_names() {
    std::array<std::string_view, queue_fields.size()> names;
    for (size_t i = 0; i < queue_fields.size(); ++i) {
        names[i] = queue_fields[i].name;
    }
    return names;
}

size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

/// " (did you mean 'retention'?)" when a known name is close to the unknown one.
template<class Names>
std::string suggestion(std::string_view unknown, const Names& names) {
    for (const auto& known : names) {
        std::string_view name = known;
        bool typo = unknown.size() < 64 && edit_distance(unknown, name) <= 2;
        bool prefix = unknown.size() >= 4 && name.starts_with(unknown);
        if (typo || prefix) {
            return fmt::format(" (did you mean '{}'?)", name);
        }
    }
    return {};
}

class spec_parser {
public:
    spec_parse run(std::string_view text) {
        try {
            auto docs = YAML::LoadAll(std::string(text));
            if (docs.size() > 1) {
                error(
                    YAML::Mark::null_mark(),
                    "the file has several YAML documents ('---'); put everything in one");
            } else if (!docs.empty()) {
                parse_root(docs.front());
            }
        } catch (const YAML::ParserException& e) {
            _out.errors.push_back({e.mark.line + 1, e.mark.column + 1, e.msg});
        } catch (const YAML::Exception& e) {
            _out.errors.push_back({0, 0, e.what()});
        }
        return std::move(_out);
    }

private:
    void error(const YAML::Mark& mark, std::string message) {
        bool known = !mark.is_null() && mark.line >= 0;
        _out.errors.push_back(
            {known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, std::move(message)});
    }

    void parse_root(const YAML::Node& root) {
        if (root.IsNull()) {
            return; // an empty file declares nothing
        }
        if (!root.IsMap()) {
            error(root.Mark(), "the file must be a mapping with top-level keys such as 'queues'");
            return;
        }
        // yaml-cpp's `it->first` refers into a temporary proxy; iterate by value instead.
        for (const auto& entry : root) {
            const auto& key = entry.first;
            if (!key.IsScalar()) {
                error(key.Mark(), "top-level keys must be plain words such as 'queues'");
                continue;
            }
            if (key.Scalar() == "queues") {
                parse_queues(key, entry.second);
            } else {
                error(
                    key.Mark(),
                    fmt::format(
                        "unknown top-level key '{}' (supported: {}){}", key.Scalar(),
                        join(top_level_keys), suggestion(key.Scalar(), top_level_keys)));
            }
        }
    }

    void parse_queues(const YAML::Node& key, const YAML::Node& queues) {
        if (queues.IsNull()) {
            return;
        }
        if (!queues.IsMap()) {
            error(key.Mark(), "'queues' must be a mapping of queue name to settings");
            return;
        }
        std::map<std::string, int, std::less<>> seen;
        for (const auto& entry : queues) {
            const auto& name = entry.first;
            if (!name.IsScalar()) {
                error(name.Mark(), "queue names must be plain strings");
                continue;
            }
            queue_spec spec;
            spec.name = name.Scalar();
            spec.line = name.Mark().line + 1;
            if (!model::is_valid_name(spec.name)) {
                error(
                    name.Mark(),
                    fmt::format(
                        "invalid queue name '{}' (names are 1–128 characters of A-Z a-z 0-9 _ . -)",
                        spec.name));
                continue;
            }
            if (auto [pos, inserted] = seen.emplace(spec.name, spec.line); !inserted) {
                error(
                    name.Mark(),
                    fmt::format(
                        "queue '{}' is declared twice (first on line {})", spec.name, pos->second));
                continue;
            }
            if (parse_queue(name, entry.second, spec)) {
                _out.spec.queues.push_back(std::move(spec));
            }
        }
    }

    bool parse_queue(const YAML::Node& name, const YAML::Node& settings, queue_spec& spec) {
        if (settings.IsNull()) {
            return true; // all defaults
        }
        if (!settings.IsMap()) {
            error(
                name.Mark(),
                fmt::format(
                    "queue '{}' must be a mapping of settings (or empty for defaults)", spec.name));
            return false;
        }
        bool ok = true;
        for (const auto& entry : settings) {
            ok = parse_field(spec, entry.first, entry.second) && ok;
        }
        return ok;
    }

    bool parse_field(queue_spec& spec, const YAML::Node& key, const YAML::Node& value) {
        const field_def* def = nullptr;
        if (key.IsScalar()) {
            for (const auto& f : queue_fields) {
                if (f.name == key.Scalar()) {
                    def = &f;
                }
            }
        }
        if (def == nullptr) {
            std::string shown = key.IsScalar() ? key.Scalar() : "<non-scalar>";
            auto names = queue_field_names();
            error(
                key.Mark(), fmt::format(
                                "queue '{}': unknown field '{}' (supported: {}){}", spec.name,
                                shown, join(names), suggestion(shown, names)));
            return false;
        }
        auto where = fmt::format("queue '{}': {}", spec.name, def->name);
        if (!value.IsScalar()) {
            error(
                value.IsNull() ? key.Mark() : value.Mark(),
                fmt::format(
                    "{}: expected {}", where,
                    def->type == field_type::duration ? "a duration such as 30s"
                                                      : "a size such as 256KiB"));
            return false;
        }
        const auto& text = value.Scalar();
        uint64_t v = 0;
        if (def->type == field_type::duration) {
            auto d = parse_duration(text);
            if (!d) {
                error(
                    value.Mark(),
                    fmt::format(
                        "{}: invalid duration '{}' (expected e.g. 30s, 5m, 1h30m, 4d, or seconds)",
                        where, text));
                return false;
            }
            v = static_cast<uint64_t>(d->count());
        } else {
            auto s = parse_byte_size(text);
            if (!s) {
                error(
                    value.Mark(),
                    fmt::format(
                        "{}: invalid size '{}' (expected e.g. 1024, 64KiB, 1MiB)", where, text));
                return false;
            }
            v = s->bytes;
        }
        if (v < def->min || v > def->max) {
            error(
                value.Mark(),
                fmt::format(
                    "{}: {} is out of range ({} to {})", where, text,
                    format_value(def->type, def->min), format_value(def->type, def->max)));
            return false;
        }
        if (def->name == "visibility_timeout") {
            spec.visibility_timeout = millis(v);
        } else if (def->name == "max_message_size") {
            spec.max_message_size = v;
        } else {
            spec.retention = millis(v);
        }
        return true;
    }

    spec_parse _out;
};

std::optional<uint64_t> json_duration_ms(const json::value* v) {
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_string()) {
        if (auto d = parse_duration(v->get_string())) {
            return static_cast<uint64_t>(d->count());
        }
    } else if (v->is_int64() && v->get_int64() >= 0) {
        return static_cast<uint64_t>(v->get_int64()) * 1000;
    } else if (v->is_uint64()) {
        return v->get_uint64() * 1000;
    }
    return std::nullopt;
}

std::optional<uint64_t> json_size(const json::value* v) {
    if (v == nullptr) {
        return std::nullopt;
    }
    if (v->is_string()) {
        if (auto s = parse_byte_size(v->get_string())) {
            return s->bytes;
        }
    } else if (v->is_int64() && v->get_int64() >= 0) {
        return static_cast<uint64_t>(v->get_int64());
    } else if (v->is_uint64()) {
        return v->get_uint64();
    }
    return std::nullopt;
}

} // namespace

std::string format_spec_error(const spec_error& error, std::string_view file_name) {
    if (error.line <= 0) {
        return fmt::format("{}: {}", file_name, error.message);
    }
    return fmt::format("{}:{}:{}: {}", file_name, error.line, error.column, error.message);
}

spec_parse parse_app_spec(std::string_view yaml_text) {
    return spec_parser().run(yaml_text);
}

result<std::vector<queue_state>> parse_queue_list(std::string_view json_text) {
    boost::system::error_code ec;
    auto doc = json::parse(json_text, ec);
    if (ec || !doc.is_object()) {
        return errc::bad_response;
    }
    const auto* queues = doc.get_object().if_contains("queues");
    if (queues == nullptr || !queues->is_array()) {
        return errc::bad_response;
    }
    std::vector<queue_state> out;
    for (const auto& q : queues->get_array()) {
        if (!q.is_object()) {
            return errc::bad_response;
        }
        const auto& o = q.get_object();
        const auto* name = o.if_contains("name");
        auto visibility = json_duration_ms(o.if_contains("visibility_timeout"));
        auto size = json_size(o.if_contains("max_message_size"));
        auto retention = json_duration_ms(o.if_contains("retention"));
        if (name == nullptr || !name->is_string() || !visibility || !size || !retention) {
            return errc::bad_response;
        }
        out.push_back(
            {std::string(name->get_string()), millis(*visibility), *size, millis(*retention)});
    }
    return out;
}

size_t plan::count(change_kind kind) const {
    size_t n = 0;
    for (const auto& item : items) {
        n += item.kind == kind ? 1 : 0;
    }
    return n;
}

plan compute_plan(const app_spec& desired, const std::vector<queue_state>& current) {
    std::map<std::string_view, const queue_state*> by_name;
    for (const auto& q : current) {
        by_name[q.name] = &q;
    }
    plan out;
    for (const auto& spec : desired.queues) {
        plan_item item;
        item.name = spec.name;
        auto found = by_name.find(spec.name);
        if (found == by_name.end()) {
            item.kind = change_kind::create;
            json::object body;
            if (spec.visibility_timeout) {
                body["visibility_timeout"] = format_duration(*spec.visibility_timeout);
            }
            if (spec.max_message_size) {
                body["max_message_size"] = *spec.max_message_size;
            }
            if (spec.retention) {
                body["retention"] = format_duration(*spec.retention);
            }
            item.request_body = json::serialize(body);
            out.items.push_back(std::move(item));
            continue;
        }
        const auto& now = *found->second;
        auto visibility = spec.visibility_timeout.value_or(now.visibility_timeout);
        auto size = spec.max_message_size.value_or(now.max_message_size);
        auto retention = spec.retention.value_or(now.retention);
        if (visibility != now.visibility_timeout) {
            item.changes.push_back(
                {"visibility_timeout", format_duration(now.visibility_timeout),
                 format_duration(visibility)});
        }
        if (size != now.max_message_size) {
            item.changes.push_back(
                {"max_message_size", format_byte_size(now.max_message_size),
                 format_byte_size(size)});
        }
        if (retention != now.retention) {
            item.changes.push_back(
                {"retention", format_duration(now.retention), format_duration(retention)});
        }
        if (item.changes.empty()) {
            item.kind = change_kind::unchanged;
        } else {
            item.kind = change_kind::update;
            json::object body;
            body["visibility_timeout"] = format_duration(visibility);
            body["max_message_size"] = size;
            body["retention"] = format_duration(retention);
            item.request_body = json::serialize(body);
        }
        out.items.push_back(std::move(item));
    }
    return out;
}

std::string format_plan_item(const plan_item& item) {
    switch (item.kind) {
        case change_kind::create:
            return fmt::format("+ {} {} (create)", item.resource, item.name);
        case change_kind::unchanged:
            return fmt::format("= {} {} (unchanged)", item.resource, item.name);
        case change_kind::update:
            break;
    }
    std::string changes;
    for (const auto& c : item.changes) {
        changes += changes.empty() ? "" : ", ";
        changes += fmt::format("{} {} → {}", c.field, c.from, c.to);
    }
    return fmt::format("~ {} {}: {}", item.resource, item.name, changes);
}

std::string format_plan_summary(const plan& p) {
    if (p.items.empty()) {
        return "Plan: nothing declared.";
    }
    return fmt::format(
        "Plan: {} to create, {} to update, {} unchanged.", p.count(change_kind::create),
        p.count(change_kind::update), p.count(change_kind::unchanged));
}

} // namespace sluice::cli
