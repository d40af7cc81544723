#include "bench/queue_client.h"

#include "base/units.h"

#include <fmt/format.h>
#include <simdjson.h>

namespace sluice::bench {

struct queue_client::impl {
    simdjson::ondemand::parser parser;
    std::string padded; ///< the last response body, with simdjson's padding
};

namespace {

std::string with_suffix(std::string_view resource, std::string_view suffix) {
    std::string p(resource);
    p += suffix;
    return p;
}

/// Number of non-overlapping occurrences of `needle` in `hay`.
size_t count_of(std::string_view hay, std::string_view needle) {
    size_t n = 0;
    for (size_t at = hay.find(needle); at != std::string_view::npos;
         at = hay.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

std::string error_summary(int status, std::string_view body) {
    return fmt::format("HTTP {}: {}", status, body.substr(0, 300));
}

/// A JSON document's top-level "stats" object, parsed; false (and `st` failed) when unparsable.
bool parse_stats(simdjson::dom::parser& parser, const std::string& body, simdjson::dom::element& stats,
                 call_status& st) {
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS || doc["stats"].get(stats) != simdjson::SUCCESS) {
        st.ok = false;
        st.error = "unparsable answer: " + body.substr(0, 200);
        return false;
    }
    return true;
}

uint64_t field_or_zero(simdjson::dom::element object, const char* field) {
    uint64_t v = 0;
    return object[field].get(v) == simdjson::SUCCESS ? v : 0;
}

/// The unsigned number after `"key":` in `json` (the first occurrence), or nullopt.
std::optional<uint64_t> number_after(std::string_view json, std::string_view key) {
    auto at = json.find(key);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    at += key.size();
    if (at >= json.size() || json[at] < '0' || json[at] > '9') {
        return std::nullopt;
    }
    uint64_t v = 0;
    for (; at < json.size() && json[at] >= '0' && json[at] <= '9'; ++at) {
        v = v * 10 + uint64_t(json[at] - '0');
    }
    return v;
}

} // namespace

std::string queue_resource(std::string_view queue) { return with_suffix("/v1/queues/", queue); }

std::string topic_resource(std::string_view topic) { return with_suffix("/v1/topics/", topic); }

std::string subscription_resource(std::string_view topic, std::string_view subscription) {
    return topic_resource(topic) + "/subscriptions/" + std::string(subscription);
}

std::optional<double> metric_value(std::string_view text, std::string_view name) {
    size_t at = 0;
    while (at < text.size()) {
        auto end = text.find('\n', at);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        auto line = text.substr(at, end - at);
        at = end + 1;
        if (line.size() > name.size() + 1 && line.substr(0, name.size()) == name
            && line[name.size()] == ' ') {
            auto value = line.substr(name.size() + 1);
            try {
                return std::stod(std::string(value));
            } catch (const std::exception&) {
                return std::nullopt;
            }
        }
    }
    return std::nullopt;
}

queue_client::queue_client(cli::client_options options)
  : _client(std::move(options))
  , _impl(std::make_unique<impl>()) {}

queue_client::~queue_client() = default;

call_status queue_client::exchange(cli::http_request& request, std::string* body_out) {
    call_status st;
    auto r = _client.send(request);
    if (!r) {
        _last_transport_error = _client.describe(r.error());
        st.retry = true;
        st.error = _last_transport_error;
        return st;
    }
    st.status = r->status;
    st.ok = r->status >= 200 && r->status < 300;
    st.retry = r->status == 429 || r->status == 503;
    if (!st.ok) {
        st.error = error_summary(r->status, r->body);
    }
    if (body_out != nullptr) {
        *body_out = std::move(r->body);
    }
    return st;
}

call_status queue_client::put_queue(std::string_view name, millis visibility_timeout, bool fifo) {
    cli::http_request req;
    req.method = cli::http_method::put;
    req.path = queue_resource(name);
    req.content_type = "application/json";
    req.body = fmt::format(R"({{"visibility_timeout":"{}"{}}})", format_duration(visibility_timeout),
                           fifo ? R"(,"fifo":true)" : "");
    return exchange(req, nullptr);
}

call_status queue_client::delete_queue(std::string_view name) {
    cli::http_request req;
    req.method = cli::http_method::delete_;
    req.path = queue_resource(name);
    req.timeout = std::chrono::minutes(10); // a deep backlog takes a while to drop
    return exchange(req, nullptr);
}

call_status queue_client::create_topic(std::string_view name, uint32_t partitions) {
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = "/v1/topics";
    req.content_type = "application/json";
    req.body = fmt::format(R"({{"name":"{}","partitions":{}}})", name, partitions);
    return exchange(req, nullptr);
}

call_status queue_client::delete_topic(std::string_view name) {
    cli::http_request req;
    req.method = cli::http_method::delete_;
    req.path = topic_resource(name);
    req.timeout = std::chrono::minutes(10);
    return exchange(req, nullptr);
}

call_status queue_client::create_subscription(std::string_view topic, std::string request_body) {
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = topic_resource(topic) + "/subscriptions";
    req.content_type = "application/json";
    req.body = std::move(request_body);
    return exchange(req, nullptr);
}

std::optional<topic_stats> queue_client::stats_of_topic(std::string_view topic, call_status& st) {
    cli::http_request req;
    req.path = topic_resource(topic);
    std::string body;
    st = exchange(req, &body);
    simdjson::dom::parser parser;
    simdjson::dom::element stats;
    if (!st.ok || !parse_stats(parser, body, stats, st)) {
        return std::nullopt;
    }
    return topic_stats{field_or_zero(stats, "stored"), field_or_zero(stats, "stored_bytes"),
                       field_or_zero(stats, "published")};
}

std::optional<subscription_stats> queue_client::stats_of_subscription(
    std::string_view topic, std::string_view subscription, call_status& st) {
    cli::http_request req;
    req.path = subscription_resource(topic, subscription);
    std::string body;
    st = exchange(req, &body);
    simdjson::dom::parser parser;
    simdjson::dom::element stats;
    if (!st.ok || !parse_stats(parser, body, stats, st)) {
        return std::nullopt;
    }
    return subscription_stats{field_or_zero(stats, "backlog"), field_or_zero(stats, "in_flight"),
                              field_or_zero(stats, "delivered"), field_or_zero(stats, "acked")};
}

call_status queue_client::send_json(cli::http_method method, std::string_view path,
                                    std::string request_body, std::string* body) {
    cli::http_request req;
    req.method = method;
    req.path = std::string(path);
    if (!request_body.empty()) {
        req.content_type = "application/json";
        req.body = std::move(request_body);
    }
    return exchange(req, body);
}

std::optional<trigger_stats> queue_client::stats_of_trigger(std::string_view name, call_status& st) {
    std::string body;
    st = get(with_suffix("/v1/triggers/", name), &body);
    simdjson::dom::parser parser;
    simdjson::dom::element stats;
    if (!st.ok || !parse_stats(parser, body, stats, st)) {
        return std::nullopt;
    }
    return trigger_stats{field_or_zero(stats, "batches"),   field_or_zero(stats, "messages"),
                         field_or_zero(stats, "succeeded"), field_or_zero(stats, "errors"),
                         field_or_zero(stats, "retries"),   field_or_zero(stats, "max_seen_concurrency")};
}

call_status queue_client::get(std::string_view path, std::string* body) {
    cli::http_request req;
    req.path = std::string(path);
    return exchange(req, body);
}

std::optional<double> queue_client::metric(std::string_view name, call_status& st) {
    std::string body;
    st = get("/metrics", &body);
    if (!st.ok) {
        return std::nullopt;
    }
    auto v = metric_value(body, name);
    if (!v) {
        st.ok = false;
        st.error = fmt::format("no sample {} in /metrics", name);
    }
    return v;
}

std::optional<queue_stats> queue_client::stats(std::string_view name, call_status& st) {
    cli::http_request req;
    req.path = queue_resource(name);
    std::string body;
    st = exchange(req, &body);
    simdjson::dom::parser parser;
    simdjson::dom::element stats;
    if (!st.ok || !parse_stats(parser, body, stats, st)) {
        return std::nullopt;
    }
    return queue_stats{field_or_zero(stats, "visible"), field_or_zero(stats, "in_flight"),
                       field_or_zero(stats, "delayed")};
}

std::optional<uint64_t> queue_client::unfinished_messages(std::string_view name, call_status& st) {
    auto s = stats(name, st);
    return s ? std::optional<uint64_t>(s->unfinished()) : std::nullopt;
}

call_status queue_client::publish_batch(std::string_view resource, std::string request_body, size_t count) {
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = with_suffix(resource, "/messages/batch");
    req.content_type = "application/json";
    req.body = std::move(request_body);
    std::string body;
    auto st = exchange(req, &body);
    if (st.ok) {
        // {"results":[{"message_id":"…"},…]} (topics add "partition"): ids are [0-9a-f-], so
        // counting the key is exact.
        auto ids = count_of(body, "\"message_id\"");
        if (ids != count) {
            st.ok = false;
            st.error = fmt::format("{} of {} messages got an id: {}", ids, count, body.substr(0, 300));
        }
    }
    return st;
}

call_status queue_client::post_events(std::string_view bus, std::string request_body, size_t count,
                                      std::string_view content_type) {
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = with_suffix("/v1/buses/", bus) + "/events";
    req.content_type = std::string(content_type);
    req.body = std::move(request_body);
    std::string body;
    auto st = exchange(req, &body);
    if (st.ok) {
        // {"accepted":N,"failed":M,"events":[{"index":…,"id":…,"position":…} or {…,"error":{…}}]}
        auto accepted = number_after(body, "\"accepted\":");
        auto failed = number_after(body, "\"failed\":");
        if (!accepted || !failed || *accepted != count || *failed != 0) {
            st.ok = false;
            auto first_error = body.find("\"error\"");
            st.error = fmt::format("{} of {} events accepted: {}", accepted.value_or(0), count,
                                   body.substr(first_error == std::string::npos ? 0 : first_error, 300));
        }
    }
    return st;
}

std::optional<bus_stats> queue_client::stats_of_bus(std::string_view bus, call_status& st) {
    std::string body;
    st = get(with_suffix("/v1/buses/", bus), &body);
    simdjson::dom::parser parser;
    simdjson::dom::element stats;
    if (!st.ok || !parse_stats(parser, body, stats, st)) {
        return std::nullopt;
    }
    return bus_stats{field_or_zero(stats, "events"),   field_or_zero(stats, "dispatched"),
                     field_or_zero(stats, "matched"),  field_or_zero(stats, "backlog"),
                     field_or_zero(stats, "archived"), field_or_zero(stats, "retry_backlog")};
}

std::optional<std::vector<rule_stats>> queue_client::stats_of_rules(std::string_view bus, call_status& st) {
    std::string body;
    st = get(with_suffix("/v1/buses/", bus) + "/rules", &body);
    if (!st.ok) {
        return std::nullopt;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    simdjson::dom::array rules;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS || doc["rules"].get(rules) != simdjson::SUCCESS) {
        st.ok = false;
        st.error = "unparsable answer: " + body.substr(0, 200);
        return std::nullopt;
    }
    std::vector<rule_stats> out;
    out.reserve(rules.size());
    for (auto rule : rules) {
        rule_stats r;
        std::string_view name;
        simdjson::dom::element stats;
        if (rule["name"].get(name) != simdjson::SUCCESS || rule["stats"].get(stats) != simdjson::SUCCESS) {
            st.ok = false;
            st.error = "a rule without name or stats: " + body.substr(0, 200);
            return std::nullopt;
        }
        r.name = std::string(name);
        r.matched = field_or_zero(stats, "matched");
        r.delivered = field_or_zero(stats, "delivered");
        r.failed = field_or_zero(stats, "failed");
        r.retried = field_or_zero(stats, "retried");
        r.dead_lettered = field_or_zero(stats, "dead_lettered");
        r.dropped = field_or_zero(stats, "dropped");
        out.push_back(std::move(r));
    }
    return out;
}

call_status queue_client::receive(
    std::string_view resource, uint32_t max_messages, millis wait, std::vector<received_message>& out) {
    out.clear();
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = with_suffix(resource, "/receive");
    req.content_type = "application/json";
    req.body = fmt::format(
        R"({{"max_messages":{},"wait":"{}"}})", max_messages, format_duration(wait));
    req.timeout = wait + std::chrono::seconds(30);
    auto& self = *_impl;
    auto st = exchange(req, &self.padded);
    if (!st.ok) {
        return st;
    }
    auto size = self.padded.size();
    self.padded.reserve(size + simdjson::SIMDJSON_PADDING);
    simdjson::padded_string_view view(self.padded.data(), size, self.padded.capacity());
    auto fail = [&](std::string_view why) {
        out.clear();
        st.ok = false;
        st.error = fmt::format("unexpected receive answer ({}): {}", why, self.padded.substr(0, 300));
        return st;
    };
    simdjson::ondemand::document doc;
    if (self.parser.iterate(view).get(doc) != simdjson::SUCCESS) {
        return fail("not JSON");
    }
    simdjson::ondemand::array messages;
    if (doc["messages"].get_array().get(messages) != simdjson::SUCCESS) {
        return fail("no messages array");
    }
    for (auto element : messages) {
        simdjson::ondemand::object obj;
        if (element.get_object().get(obj) != simdjson::SUCCESS) {
            return fail("message is not an object");
        }
        received_message m;
        for (auto field : obj) {
            std::string_view key;
            if (field.unescaped_key().get(key) != simdjson::SUCCESS) {
                return fail("bad key");
            }
            if (key == "receipt") {
                std::string_view v;
                if (field.value().get_string().get(v) != simdjson::SUCCESS) {
                    return fail("bad receipt");
                }
                m.receipt = std::string(v);
            } else if (key == "body") {
                if (field.value().get_string().get(m.body) != simdjson::SUCCESS) {
                    return fail("bad body");
                }
            } else if (key == "group" || key == "key") { // a topic message's key
                if (field.value().get_string().get(m.group) != simdjson::SUCCESS) {
                    return fail("bad group");
                }
            } else if (key == "delivery_count") {
                uint64_t v = 0;
                if (field.value().get_uint64().get(v) != simdjson::SUCCESS) {
                    return fail("bad delivery_count");
                }
                m.delivery_count = static_cast<uint32_t>(v);
            }
        }
        if (m.receipt.empty()) {
            return fail("message without receipt");
        }
        out.push_back(std::move(m));
    }
    return st;
}

call_status queue_client::ack(
    std::string_view resource, const std::vector<std::string>& receipts, size_t& acked) {
    acked = 0;
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = with_suffix(resource, "/ack");
    req.content_type = "application/json";
    size_t bytes = 16;
    for (const auto& r : receipts) {
        bytes += r.size() + 3;
    }
    req.body.reserve(bytes);
    req.body = R"({"receipts":[)";
    for (size_t i = 0; i < receipts.size(); ++i) {
        if (i > 0) {
            req.body += ',';
        }
        req.body += '"';
        req.body += receipts[i]; // base64url: nothing to escape
        req.body += '"';
    }
    req.body += "]}";
    std::string body;
    auto st = exchange(req, &body);
    if (st.ok) {
        acked = count_of(body, "\"ok\":true");
        if (acked != receipts.size()) {
            st.ok = false;
            st.error = fmt::format(
                "{} of {} acks succeeded: {}", acked, receipts.size(), body.substr(0, 300));
        }
    }
    return st;
}

} // namespace sluice::bench
