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

std::string queue_path(std::string_view name, std::string_view suffix = {}) {
    std::string p = "/v1/queues/";
    p += name;
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

} // namespace

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
    req.path = queue_path(name);
    req.content_type = "application/json";
    req.body = fmt::format(R"({{"visibility_timeout":"{}"{}}})", format_duration(visibility_timeout),
                           fifo ? R"(,"fifo":true)" : "");
    return exchange(req, nullptr);
}

call_status queue_client::delete_queue(std::string_view name) {
    cli::http_request req;
    req.method = cli::http_method::delete_;
    req.path = queue_path(name);
    req.timeout = std::chrono::minutes(10); // a deep backlog takes a while to drop
    return exchange(req, nullptr);
}

call_status queue_client::get(std::string_view path) {
    cli::http_request req;
    req.path = std::string(path);
    return exchange(req, nullptr);
}

std::optional<queue_stats> queue_client::stats(std::string_view name, call_status& st) {
    cli::http_request req;
    req.path = queue_path(name);
    std::string body;
    st = exchange(req, &body);
    if (!st.ok) {
        return std::nullopt;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) {
        st.ok = false;
        st.error = "unparsable queue answer: " + body.substr(0, 200);
        return std::nullopt;
    }
    auto count = [&](const char* field) {
        uint64_t v = 0;
        return doc["stats"][field].get(v) == simdjson::SUCCESS ? v : 0;
    };
    return queue_stats{count("visible"), count("in_flight"), count("delayed")};
}

std::optional<uint64_t> queue_client::unfinished_messages(std::string_view name, call_status& st) {
    auto s = stats(name, st);
    return s ? std::optional<uint64_t>(s->unfinished()) : std::nullopt;
}

call_status queue_client::publish_batch(std::string_view name, std::string request_body, size_t count) {
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = queue_path(name, "/messages/batch");
    req.content_type = "application/json";
    req.body = std::move(request_body);
    std::string body;
    auto st = exchange(req, &body);
    if (st.ok) {
        // {"results":[{"message_id":"…"},…]}: ids are [0-9a-f-], so counting the key is exact.
        auto ids = count_of(body, "\"message_id\"");
        if (ids != count) {
            st.ok = false;
            st.error = fmt::format("{} of {} messages got an id: {}", ids, count, body.substr(0, 300));
        }
    }
    return st;
}

call_status queue_client::receive(
    std::string_view name, uint32_t max_messages, millis wait, std::vector<received_message>& out) {
    out.clear();
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = queue_path(name, "/receive");
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
            } else if (key == "group") {
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
    std::string_view name, const std::vector<std::string>& receipts, size_t& acked) {
    acked = 0;
    cli::http_request req;
    req.method = cli::http_method::post;
    req.path = queue_path(name, "/ack");
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
