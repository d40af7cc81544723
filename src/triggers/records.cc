#include "triggers/records.h"

#include "base/base64.h"
#include "base/units.h"
#include "json/text.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/evp.h>

namespace sluice::triggers {
namespace {

std::string md5_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 15]);
    }
    return out;
}

std::string arn(const endpoint_ref& e) {
    return e.type == endpoint_ref::kind::queue ? "arn:sluice:queue:local:" + e.name
                                               : "arn:sluice:topic:local:" + e.name + "/" + e.subscription;
}

} // namespace

namespace {

using json::append_json_string;

void append_member(std::string& out, std::string_view key, std::string_view value) {
    append_json_string(out, key);
    out += ':';
    append_json_string(out, value);
}

} // namespace

std::string records_event(const endpoint_ref& source, std::span<const broker::delivery> batch) {
    // Written directly (no JSON document): a batch of 100 records is ~140 KB, built once per
    // invocation on the trigger's shard.
    const auto source_arn = arn(source);
    const std::string_view event_source = source.type == endpoint_ref::kind::queue ? "sluice:queue" : "sluice:topic";
    std::string out;
    size_t estimate = 16;
    for (const auto& d : batch) {
        estimate += d.message.body.size() * 4 / 3 + d.receipt.size() + 512;
    }
    out.reserve(estimate);
    out += R"({"Records":[)";
    for (size_t i = 0; i < batch.size(); ++i) {
        const auto& d = batch[i];
        if (i > 0) {
            out += ',';
        }
        out += '{';
        append_member(out, "messageId", d.message.id);
        out += ',';
        append_member(out, "receiptHandle", d.receipt);
        out += ',';
        if (json::is_valid_utf8(d.message.body)) {
            append_json_string(out, "body");
            out += ':';
            json::append_valid_utf8_json_string(out, d.message.body);
        } else {
            append_member(out, "body", base64_encode(d.message.body));
            out += ',';
            append_member(out, "bodyEncoding", "base64");
        }
        out += R"(,"attributes":{)";
        append_member(out, "ApproximateReceiveCount", std::to_string(d.delivery_count));
        out += ',';
        append_member(out, "SentTimestamp", std::to_string(to_unix_ms(d.message.publish_time)));
        out += ',';
        append_member(out, "ApproximateFirstReceiveTimestamp", std::to_string(to_unix_ms(d.first_receive)));
        if (!d.message.group.empty()) {
            out += ',';
            append_member(out, "MessageGroupId", d.message.group);
        }
        out += R"(},"messageAttributes":{)";
        bool first = true;
        const auto& attrs = d.message.attributes;
        for (size_t k = 0; k < attrs.size(); ++k) {
            // A name given twice keeps its last value, once.
            bool later = false;
            for (size_t j = k + 1; j < attrs.size() && !later; ++j) {
                later = attrs[j].first == attrs[k].first;
            }
            if (later) {
                continue;
            }
            if (!first) {
                out += ',';
            }
            first = false;
            append_json_string(out, attrs[k].first);
            out += R"(:{"stringValue":)";
            append_json_string(out, attrs[k].second);
            out += R"(,"dataType":"String"})";
        }
        out += "},";
        append_member(out, "md5OfBody", md5_hex(d.message.body));
        out += ',';
        append_member(out, "eventSource", event_source);
        out += ',';
        append_member(out, "eventSourceARN", source_arn);
        out += R"(,"awsRegion":"local"})";
    }
    out += "]}";
    return out;
}

std::optional<std::set<std::string>>
batch_item_failures(std::string_view response, std::span<const broker::delivery> batch) {
    std::set<std::string> failed;
    auto first = response.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return failed; // no response body: success
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(response, ec);
    if (ec) {
        return std::nullopt;
    }
    if (v.is_null()) {
        return failed;
    }
    if (!v.is_object()) {
        return std::nullopt;
    }
    auto it = v.as_object().find("batchItemFailures");
    if (it == v.as_object().end() || it->value().is_null()) {
        return failed; // {} : nothing failed (Lambda's behaviour)
    }
    if (!it->value().is_array()) {
        return std::nullopt;
    }
    std::set<std::string_view> ids;
    for (auto& d : batch) {
        ids.insert(d.message.id);
    }
    for (auto& item : it->value().as_array()) {
        if (!item.is_object()) {
            return std::nullopt;
        }
        auto id = item.as_object().find("itemIdentifier");
        if (id == item.as_object().end() || !id->value().is_string()
            || !ids.contains(std::string_view(id->value().get_string()))) {
            return std::nullopt; // missing, empty or unknown id: the whole batch failed
        }
        failed.emplace(id->value().get_string());
    }
    return failed;
}

std::string failure_record(
    std::string_view trigger, std::string_view function, const endpoint_ref& source,
    const broker::delivery& d, std::string_view reason, timestamp now) {
    boost::json::object o;
    o["trigger"] = trigger;
    o["function"] = function;
    o["source"] = source.text();
    o["reason"] = reason;
    o["attempts"] = d.delivery_count;
    o["failed_at"] = format_rfc3339(now);
    boost::json::object m;
    m["message_id"] = d.message.id;
    if (json::is_valid_utf8(d.message.body)) {
        m["body"] = d.message.body;
    } else {
        m["body_base64"] = base64_encode(d.message.body);
    }
    boost::json::object attrs;
    for (auto& [k, v] : d.message.attributes) {
        attrs[k] = v;
    }
    m["attributes"] = std::move(attrs);
    m["publish_time"] = format_rfc3339(d.message.publish_time);
    if (!d.message.group.empty()) {
        m["group"] = d.message.group;
    }
    o["message"] = std::move(m);
    return boost::json::serialize(o);
}

} // namespace sluice::triggers
