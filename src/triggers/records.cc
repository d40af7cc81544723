#include "triggers/records.h"

#include "base/base64.h"
#include "base/units.h"

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

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) {
            return false;
        }
        for (size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) {
                return false;
            }
        }
        i += n;
    }
    return true;
}

std::string arn(const endpoint_ref& e) {
    return e.type == endpoint_ref::kind::queue ? "arn:sluice:queue:local:" + e.name
                                               : "arn:sluice:topic:local:" + e.name + "/" + e.subscription;
}

} // namespace

std::string records_event(const endpoint_ref& source, std::span<const broker::delivery> batch) {
    boost::json::array records;
    auto source_arn = arn(source);
    std::string_view event_source = source.type == endpoint_ref::kind::queue ? "sluice:queue" : "sluice:topic";
    for (auto& d : batch) {
        boost::json::object r;
        r["messageId"] = d.message.id;
        r["receiptHandle"] = d.receipt;
        if (valid_utf8(d.message.body)) {
            r["body"] = d.message.body;
        } else {
            r["body"] = base64_encode(d.message.body);
            r["bodyEncoding"] = "base64";
        }
        boost::json::object attrs;
        attrs["ApproximateReceiveCount"] = std::to_string(d.delivery_count);
        attrs["SentTimestamp"] = std::to_string(to_unix_ms(d.message.publish_time));
        attrs["ApproximateFirstReceiveTimestamp"] = std::to_string(to_unix_ms(d.first_receive));
        if (!d.message.group.empty()) {
            attrs["MessageGroupId"] = d.message.group;
        }
        r["attributes"] = std::move(attrs);
        boost::json::object mattrs;
        for (auto& [k, v] : d.message.attributes) {
            boost::json::object a;
            a["stringValue"] = v;
            a["dataType"] = "String";
            mattrs[k] = std::move(a);
        }
        r["messageAttributes"] = std::move(mattrs);
        r["md5OfBody"] = md5_hex(d.message.body);
        r["eventSource"] = event_source;
        r["eventSourceARN"] = source_arn;
        r["awsRegion"] = "local";
        records.push_back(std::move(r));
    }
    boost::json::object o;
    o["Records"] = std::move(records);
    return boost::json::serialize(o);
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
    if (valid_utf8(d.message.body)) {
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
