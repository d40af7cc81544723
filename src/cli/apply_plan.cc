#include "cli/apply_plan.h"

#include "base/units.h"
#include "cli/apply_topics.h"
#include "cli/apply_triggers.h"
#include "cli/apply_yaml.h"
#include "cli/errc.h"
#include "cli/output.h"
#include "model/names.h"

#include <array>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <map>
#include <sstream>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace sluice::cli {
namespace json = boost::json;

namespace {

// Bounds of the queue settings, as docs/api.md states them; the server checks them again.
enum class field_type
{
    duration,
    size,
    boolean,
    count,
    name
};
struct field_def
{
    std::string_view name;
    field_type type;
    uint64_t min; ///< milliseconds, bytes or a count
    uint64_t max;
};
constexpr uint64_t day_ms = 86400ULL * 1000;
constexpr std::array<field_def, 10> queue_fields{ {
  { "visibility_timeout", field_type::duration, 0, 12ULL * 3600 * 1000 },
  { "max_message_size", field_type::size, 1, 16ULL << 20 },
  { "retention", field_type::duration, 60ULL * 1000, 365 * day_ms },
  { "retention_bytes", field_type::size, 0, 1ULL << 50 },
  { "delay", field_type::duration, 0, 365 * day_ms },
  { "fifo", field_type::boolean, 0, 1 },
  { "content_based_dedup", field_type::boolean, 0, 1 },
  { "dedup_window", field_type::duration, 1000, day_ms },
  { "max_deliveries", field_type::count, 0, 1000 },
  { "dead_letter_queue", field_type::name, 0, 0 },
} };
constexpr std::array<std::string_view, 6> top_level_keys{ "queues",   "topics", "functions",
                                                          "triggers", "buses",  "schedules" };

std::string format_value(field_type type, uint64_t v)
{
    switch (type) {
        case field_type::duration:
            return format_duration(millis(v));
        case field_type::size:
            return format_byte_size(v);
        default:
            return std::to_string(v);
    }
}

std::string_view expected_text(field_type type)
{
    switch (type) {
        case field_type::duration:
            return "a duration such as 30s";
        case field_type::size:
            return "a size such as 256KiB";
        case field_type::boolean:
            return "true or false";
        case field_type::count:
            return "a whole number";
        case field_type::name:
            return "a queue name";
    }
    return "a value";
}

std::optional<bool> parse_bool(std::string_view text)
{
    return parse_yaml_bool(text);
}

std::optional<uint64_t> parse_count(std::string_view text)
{
    return parse_yaml_count(text);
}

std::string join(std::span<const std::string_view> names)
{
    return join_names(names);
}

std::array<std::string_view, queue_fields.size()> queue_field_names()
{
    std::array<std::string_view, queue_fields.size()> names;
    for (size_t i = 0; i < queue_fields.size(); ++i) {
        names[i] = queue_fields[i].name;
    }
    return names;
}

std::string suggestion(std::string_view unknown, std::span<const std::string_view> names)
{
    return did_you_mean(unknown, names);
}

/// Notes where a YAML document starts; nothing else.
class document_start_recorder : public YAML::EventHandler
{
public:
    std::optional<YAML::Mark> start;

    void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&)
      override
    {}
    void OnSequenceStart(
      const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override
    {}
    void OnSequenceEnd() override {}
    void OnMapStart(
      const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override
    {}
    void OnMapEnd() override {}
};

/// The file must be one YAML document. yaml-cpp 0.7 reads a stray token at the top level (a
/// leading ',', or ']' after the document) as an empty document without consuming it, so
/// YAML::Load would silently see nothing and YAML::LoadAll loops forever. Asking the parser for
/// at most two documents finds both cases (and a real second '---' document). Throws
/// YAML::ParserException on syntax errors.
std::optional<spec_error> check_single_document(const std::string& text)
{
    std::istringstream in(text);
    YAML::Parser parser(in);
    document_start_recorder first;
    document_start_recorder second;
    if (!parser.HandleNextDocument(first) || !parser.HandleNextDocument(second)
        || !second.start) {
        return std::nullopt;
    }
    const auto& mark = *second.start;
    spec_error out{ mark.line + 1, mark.column + 1, {} };
    auto pos = static_cast<size_t>(std::max(mark.pos, 0));
    if (text.compare(pos, 3, "---") == 0) {
        out.message = "a second YAML document ('---') starts here; put everything in one";
    } else if (pos < text.size() && text[pos] > ' ' && text[pos] < 0x7f) {
        out.message = fmt::format("unexpected '{}'", text[pos]);
    } else {
        out.message = "unexpected content";
    }
    return out;
}

class spec_parser
{
public:
    spec_parse run(std::string_view text)
    {
        try {
            std::string owned(text);
            if (auto e = check_single_document(owned)) {
                _out.errors.push_back(std::move(*e));
            } else {
                parse_root(YAML::Load(owned));
            }
        } catch (const YAML::ParserException& e) {
            _out.errors.push_back({ e.mark.line + 1, e.mark.column + 1, e.msg });
        } catch (const YAML::Exception& e) {
            _out.errors.push_back({ 0, 0, e.what() });
        }
        return std::move(_out);
    }

private:
    void error(const YAML::Mark& mark, std::string message)
    {
        bool known = !mark.is_null() && mark.line >= 0;
        _out.errors.push_back(
          { known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, std::move(message) });
    }

    void parse_root(const YAML::Node& root)
    {
        if (root.IsNull()) {
            return; // an empty file declares nothing
        }
        if (!root.IsMap()) {
            error(root.Mark(), "the file must be a mapping with top-level keys such as 'queues'");
            return;
        }
        // yaml-cpp's `it->first` refers into a temporary proxy; iterate by value instead.
        std::map<std::string, int, std::less<>> seen; // top-level key -> its line
        for (const auto& entry : root) {
            const auto& key = entry.first;
            if (!key.IsScalar()) {
                error(key.Mark(), "top-level keys must be plain words such as 'queues'");
                continue;
            }
            // YAML leaves a repeated key to the reader; one section written twice is almost
            // always a merge mistake, and reading both halves would hide which one wins.
            if (auto [pos, inserted] = seen.emplace(key.Scalar(), key.Mark().line + 1); !inserted) {
                error(
                  key.Mark(),
                  fmt::format(
                    "top-level key '{}' appears twice (first on line {}); merge the two sections",
                    key.Scalar(),
                    pos->second));
                continue;
            }
            if (key.Scalar() == "queues") {
                parse_queues(key, entry.second);
            } else if (key.Scalar() == "topics") {
                parse_topics_section(key, entry.second, _out.spec.topics, _out.errors);
            } else if (key.Scalar() == "triggers") {
                parse_triggers_section(key, entry.second, _out.spec.triggers, _out.errors);
            } else if (key.Scalar() == "functions") {
                // Validated and applied by apply_functions.cc (parse_function_specs).
            } else if (key.Scalar() == "buses" || key.Scalar() == "schedules") {
                // Read and applied by apply_buses.cc (parse_bus_specs).
            } else {
                error(
                  key.Mark(),
                  fmt::format(
                    "unknown top-level key '{}' (supported: {}){}",
                    key.Scalar(),
                    join(top_level_keys),
                    suggestion(key.Scalar(), top_level_keys)));
            }
        }
    }

    void parse_queues(const YAML::Node& key, const YAML::Node& queues)
    {
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
        check_cycles();
    }

    bool parse_queue(const YAML::Node& name, const YAML::Node& settings, queue_spec& spec)
    {
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
        std::map<std::string_view, YAML::Mark> marks; // field -> where its value is
        for (const auto& entry : settings) {
            const field_def* def = parse_field(spec, entry.first, entry.second);
            ok = def != nullptr && ok;
            if (def == nullptr) {
                continue;
            }
            auto mark = entry.second.IsNull() ? entry.first.Mark() : entry.second.Mark();
            if (auto [pos, inserted] = marks.emplace(def->name, mark); !inserted) {
                error(
                  entry.first.Mark(),
                  fmt::format(
                    "queue '{}': field '{}' is set twice (first on line {})",
                    spec.name,
                    def->name,
                    pos->second.line + 1));
                ok = false;
            }
        }
        return ok && check_queue(spec, marks);
    }

    /// Checks between fields of one queue; fills in the other half of "dead-lettering off".
    bool check_queue(queue_spec& spec, const std::map<std::string_view, YAML::Mark>& marks)
    {
        bool ok = true;
        const auto& dlq = spec.dead_letter_queue;
        if (spec.max_deliveries && *spec.max_deliveries > 0 && (!dlq || dlq->empty())) {
            error(
              marks.at("max_deliveries"),
              fmt::format(
                "queue '{}': max_deliveries {} needs a dead_letter_queue (where messages go "
                "after {} deliveries)",
                spec.name,
                *spec.max_deliveries,
                *spec.max_deliveries));
            ok = false;
        }
        if (dlq && !dlq->empty() && (!spec.max_deliveries || *spec.max_deliveries == 0)) {
            error(
              marks.at("dead_letter_queue"),
              fmt::format(
                "queue '{}': dead_letter_queue needs max_deliveries (1 to 1000: how many "
                "deliveries before a message moves to '{}')",
                spec.name,
                *dlq));
            ok = false;
        }
        if (dlq && *dlq == spec.name) {
            error(
              marks.at("dead_letter_queue"),
              fmt::format("queue '{}': dead_letter_queue must be another queue", spec.name));
            ok = false;
        }
        if (spec.delay && spec.retention && *spec.delay > *spec.retention) {
            error(
              marks.at("delay"),
              fmt::format(
                "queue '{}': delay {} must not exceed retention {}",
                spec.name,
                format_duration(*spec.delay),
                format_duration(*spec.retention)));
            ok = false;
        }
        if (ok && spec.max_deliveries && *spec.max_deliveries == 0 && !dlq) {
            spec.dead_letter_queue = std::string();
        }
        if (ok && dlq && dlq->empty() && !spec.max_deliveries) {
            spec.max_deliveries = 0;
        }
        if (ok && dlq && !dlq->empty()) {
            _dlq_marks[spec.name] = marks.at("dead_letter_queue");
        }
        return ok;
    }

    /// A chain of dead_letter_queue links among the file's queues must not come back.
    void check_cycles()
    {
        std::map<std::string_view, std::string_view> next;
        for (const auto& q : _out.spec.queues) {
            if (q.dead_letter_queue && !q.dead_letter_queue->empty()) {
                next[q.name] = *q.dead_letter_queue;
            }
        }
        std::map<std::string_view, bool> reported;
        for (const auto& q : _out.spec.queues) {
            std::vector<std::string_view> path{ q.name };
            auto at = next.find(q.name);
            while (at != next.end() && path.size() <= next.size()) {
                path.push_back(at->second);
                if (at->second == q.name) {
                    break;
                }
                at = next.find(at->second);
            }
            if (path.size() < 3 || path.back() != q.name || reported[q.name]) {
                continue;
            }
            std::string shown;
            for (auto n : path) {
                reported[n] = true;
                shown += shown.empty() ? "" : " → ";
                shown += n;
            }
            error(
              _dlq_marks.at(q.name),
              fmt::format(
                "queue '{}': dead_letter_queue makes a cycle ({}); a dead-letter chain must "
                "end",
                q.name,
                shown));
        }
    }

    /// The field's definition when it parsed and is in range; nullptr after reporting.
    const field_def* parse_field(queue_spec& spec, const YAML::Node& key, const YAML::Node& value)
    {
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
              key.Mark(),
              fmt::format(
                "queue '{}': unknown field '{}' (supported: {}){}",
                spec.name,
                shown,
                join(names),
                suggestion(shown, names)));
            return nullptr;
        }
        auto where = fmt::format("queue '{}': {}", spec.name, def->name);
        if (def->type == field_type::name && value.IsNull()) {
            spec.dead_letter_queue = std::string(); // `dead_letter_queue: ~`: none
            return def;
        }
        if (!value.IsScalar()) {
            error(
              value.IsNull() ? key.Mark() : value.Mark(),
              fmt::format("{}: expected {}", where, expected_text(def->type)));
            return nullptr;
        }
        const auto& text = value.Scalar();
        uint64_t v = 0;
        switch (def->type) {
            case field_type::duration: {
                auto d = parse_duration(text);
                if (!d) {
                    error(
                      value.Mark(),
                      fmt::format(
                        "{}: invalid duration '{}' (expected e.g. 30s, 5m, "
                        "1h30m, 4d, or seconds)",
                        where,
                        text));
                    return nullptr;
                }
                v = static_cast<uint64_t>(d->count());
                break;
            }
            case field_type::size: {
                auto s = parse_byte_size(text);
                if (!s) {
                    error(
                      value.Mark(),
                      fmt::format(
                        "{}: invalid size '{}' (expected e.g. 1024, 64KiB, 1MiB)", where, text));
                    return nullptr;
                }
                v = s->bytes;
                break;
            }
            case field_type::boolean: {
                auto b = parse_bool(text);
                if (!b) {
                    error(
                      value.Mark(),
                      fmt::format("{}: expected true or false, not '{}'", where, text));
                    return nullptr;
                }
                v = *b ? 1 : 0;
                break;
            }
            case field_type::count: {
                auto n = parse_count(text);
                if (!n) {
                    error(
                      value.Mark(),
                      fmt::format("{}: expected a whole number, not '{}'", where, text));
                    return nullptr;
                }
                v = *n;
                break;
            }
            case field_type::name:
                if (!text.empty() && !model::is_valid_name(text)) {
                    error(
                      value.Mark(),
                      fmt::format(
                        "{}: invalid queue name '{}' (names are 1–128 characters of A-Z a-z "
                        "0-9 _ . -)",
                        where,
                        text));
                    return nullptr;
                }
                spec.dead_letter_queue = text;
                return def;
        }
        if (v < def->min || v > def->max) {
            error(
              value.Mark(),
              fmt::format(
                "{}: {} is out of range ({} to {})",
                where,
                text,
                format_value(def->type, def->min),
                format_value(def->type, def->max)));
            return nullptr;
        }
        auto n = def->name;
        if (n == "visibility_timeout") {
            spec.visibility_timeout = millis(v);
        } else if (n == "max_message_size") {
            spec.max_message_size = v;
        } else if (n == "retention") {
            spec.retention = millis(v);
        } else if (n == "retention_bytes") {
            spec.retention_bytes = v;
        } else if (n == "delay") {
            spec.delay = millis(v);
        } else if (n == "fifo") {
            spec.fifo = v != 0;
        } else if (n == "content_based_dedup") {
            spec.content_based_dedup = v != 0;
        } else if (n == "dedup_window") {
            spec.dedup_window = millis(v);
        } else if (n == "max_deliveries") {
            spec.max_deliveries = static_cast<uint32_t>(v);
        }
        return def;
    }

    spec_parse _out;
    std::map<std::string, YAML::Mark, std::less<>>
      _dlq_marks; ///< queue -> its dead_letter_queue value
};

std::optional<uint64_t> json_duration_ms(const json::value* v)
{
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

std::optional<uint64_t> json_size(const json::value* v)
{
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

std::string format_spec_error(const spec_error& error, std::string_view file_name)
{
    if (error.line <= 0) {
        return fmt::format("{}: {}", file_name, error.message);
    }
    return fmt::format("{}:{}:{}: {}", file_name, error.line, error.column, error.message);
}

spec_parse parse_app_spec(std::string_view yaml_text)
{
    return spec_parser().run(yaml_text);
}

result<std::vector<queue_state>> parse_queue_list(std::string_view json_text)
{
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
    for (const auto& entry : queues->get_array()) {
        if (!entry.is_object()) {
            return errc::bad_response;
        }
        const auto& o = entry.get_object();
        const auto* name = o.if_contains("name");
        auto visibility = json_duration_ms(o.if_contains("visibility_timeout"));
        auto size = json_size(o.if_contains("max_message_size"));
        auto retention = json_duration_ms(o.if_contains("retention"));
        if (name == nullptr || !name->is_string() || !visibility || !size || !retention) {
            return errc::bad_response;
        }
        queue_state q{
            std::string(name->get_string()), millis(*visibility), *size, millis(*retention)
        };
        // The fields issue #3 added: absent means the server's default.
        if (o.contains("retention_bytes")) {
            auto v = json_size(o.if_contains("retention_bytes"));
            if (!v) {
                return errc::bad_response;
            }
            q.retention_bytes = *v;
        }
        for (auto [key, field] :
             { std::pair{ "delay", &q.delay }, std::pair{ "dedup_window", &q.dedup_window } }) {
            if (o.contains(key)) {
                auto v = json_duration_ms(o.if_contains(key));
                if (!v) {
                    return errc::bad_response;
                }
                *field = millis(*v);
            }
        }
        for (auto [key, field] : { std::pair{ "fifo", &q.fifo },
                                   std::pair{ "content_based_dedup", &q.content_based_dedup } }) {
            if (const auto* v = o.if_contains(key)) {
                if (!v->is_bool()) {
                    return errc::bad_response;
                }
                *field = v->get_bool();
            }
        }
        if (const auto* v = o.if_contains("max_deliveries")) {
            if (v->is_uint64() && v->get_uint64() <= UINT32_MAX) {
                q.max_deliveries = static_cast<uint32_t>(v->get_uint64());
            } else if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= UINT32_MAX) {
                q.max_deliveries = static_cast<uint32_t>(v->get_int64());
            } else {
                return errc::bad_response;
            }
        }
        if (const auto* v = o.if_contains("dead_letter_queue"); v != nullptr && !v->is_null()) {
            if (!v->is_string()) {
                return errc::bad_response;
            }
            q.dead_letter_queue = std::string(v->get_string());
        }
        out.push_back(std::move(q));
    }
    return out;
}

size_t plan::count(change_kind kind) const
{
    size_t n = 0;
    for (const auto& item : items) {
        n += item.kind == kind ? 1 : 0;
    }
    return n;
}

namespace {

std::string show_dead_letter(const std::string& name)
{
    return name.empty() ? "none" : name;
}
std::string show_retention_bytes(uint64_t bytes)
{
    return bytes == 0 ? "unlimited" : format_byte_size(bytes);
}
std::string show_bool(bool b)
{
    return b ? "true" : "false";
}

/// The body of `PUT /v1/queues/{name}` that sets every field (the server's PUT replaces).
json::object full_body(const queue_state& q)
{
    json::object body;
    body["visibility_timeout"] = format_duration(q.visibility_timeout);
    body["max_message_size"] = q.max_message_size;
    body["retention"] = format_duration(q.retention);
    body["retention_bytes"] = q.retention_bytes;
    body["delay"] = format_duration(q.delay);
    body["fifo"] = q.fifo;
    body["content_based_dedup"] = q.content_based_dedup;
    body["dedup_window"] = format_duration(q.dedup_window);
    body["max_deliveries"] = q.max_deliveries;
    body["dead_letter_queue"] = q.dead_letter_queue;
    return body;
}

json::object create_body(const queue_spec& spec)
{
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
    if (spec.retention_bytes) {
        body["retention_bytes"] = *spec.retention_bytes;
    }
    if (spec.delay) {
        body["delay"] = format_duration(*spec.delay);
    }
    if (spec.fifo) {
        body["fifo"] = *spec.fifo;
    }
    if (spec.content_based_dedup) {
        body["content_based_dedup"] = *spec.content_based_dedup;
    }
    if (spec.dedup_window) {
        body["dedup_window"] = format_duration(*spec.dedup_window);
    }
    if (spec.max_deliveries) {
        body["max_deliveries"] = *spec.max_deliveries;
    }
    if (spec.dead_letter_queue) {
        body["dead_letter_queue"] = *spec.dead_letter_queue;
    }
    return body;
}

plan_item plan_queue(const queue_spec& spec, const queue_state* now)
{
    plan_item item;
    item.name = spec.name;
    item.path = fmt::format("/v1/queues/{}", spec.name);
    if (now == nullptr) {
        item.kind = change_kind::create;
        item.request_body = json::serialize(create_body(spec));
        return item;
    }
    queue_state want = *now;
    auto& c = item.changes;
    auto diff = [&c](auto& field, const auto& declared, std::string_view name, auto show) {
        if (declared && *declared != field) {
            c.push_back({ std::string(name), show(field), show(*declared) });
            field = *declared;
        }
    };
    auto duration = [](millis d) { return format_duration(d); };
    auto size = [](uint64_t b) { return format_byte_size(b); };
    auto count = [](uint32_t n) { return std::to_string(n); };
    diff(want.visibility_timeout, spec.visibility_timeout, "visibility_timeout", duration);
    diff(want.max_message_size, spec.max_message_size, "max_message_size", size);
    diff(want.retention, spec.retention, "retention", duration);
    diff(want.retention_bytes, spec.retention_bytes, "retention_bytes", show_retention_bytes);
    diff(want.delay, spec.delay, "delay", duration);
    diff(want.fifo, spec.fifo, "fifo", show_bool);
    diff(want.content_based_dedup, spec.content_based_dedup, "content_based_dedup", show_bool);
    diff(want.dedup_window, spec.dedup_window, "dedup_window", duration);
    diff(want.max_deliveries, spec.max_deliveries, "max_deliveries", count);
    diff(want.dead_letter_queue, spec.dead_letter_queue, "dead_letter_queue", show_dead_letter);
    if (c.empty()) {
        item.kind = change_kind::unchanged;
    } else {
        item.kind = change_kind::update;
        item.request_body = json::serialize(full_body(want));
    }
    return item;
}

} // namespace

plan compute_plan(const app_spec& desired, const std::vector<queue_state>& current)
{
    std::map<std::string_view, const queue_state*> by_name;
    for (const auto& q : current) {
        by_name[q.name] = &q;
    }
    std::map<std::string_view, const queue_spec*> declared;
    for (const auto& spec : desired.queues) {
        declared[spec.name] = &spec;
    }
    // File order, each queue after the dead-letter queue it names when the file declares that
    // one too (depth-first; `placed` also stops a cycle, which parse_app_spec already refuses).
    std::map<std::string_view, bool> placed;
    std::vector<const queue_spec*> order;
    for (const auto& spec : desired.queues) {
        std::vector<const queue_spec*> chain;
        for (const queue_spec* at = &spec; at != nullptr && !placed[at->name];) {
            placed[at->name] = true;
            chain.push_back(at);
            const queue_spec* next = nullptr;
            if (at->dead_letter_queue) {
                auto d = declared.find(*at->dead_letter_queue);
                next = d == declared.end() ? nullptr : d->second;
            }
            at = next;
        }
        order.insert(order.end(), chain.rbegin(), chain.rend());
    }
    plan out;
    for (const auto* spec : order) {
        auto found = by_name.find(spec->name);
        out.items.push_back(plan_queue(*spec, found == by_name.end() ? nullptr : found->second));
    }
    return out;
}

std::string format_plan_item(const plan_item& item)
{
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

std::string format_plan_summary(const plan& p)
{
    if (p.items.empty()) {
        return "Plan: nothing declared.";
    }
    return fmt::format(
      "Plan: {} to create, {} to update, {} unchanged.",
      p.count(change_kind::create),
      p.count(change_kind::update),
      p.count(change_kind::unchanged));
}

} // namespace sluice::cli
