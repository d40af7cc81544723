#pragma once

#include "base/clock.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::push {

/// One message as a push delivery sees it. Non-owning: everything it points to must stay alive
/// while format_request() runs (not after). Built by the broker from its own types, so this
/// module does not depend on them.
struct message_view
{
    std::string_view id;                                             ///< message id
    std::string_view body;                                           ///< opaque bytes
    std::span<const std::pair<std::string, std::string>> attributes; ///< user attributes, in order
    timestamp publish_time;
    std::string_view topic;
    std::string_view subscription;
    uint32_t partition = 0;
    uint64_t offset = 0;
    uint32_t delivery_count = 1; ///< 1 on the first attempt
    std::string_view group;      ///< the message key; "" when none (JSON mode only, as "key", omitted if "")
};

/// How a message becomes an HTTP request body.
enum class format_mode
{
    json,               ///< a JSON envelope with metadata, attributes and the body
    cloudevents_binary, ///< CloudEvents 1.0 HTTP binary mode: raw body, context in ce-* headers
};

/// "json" / "cloudevents" (the names users type), and back.
std::optional<format_mode> parse_format_mode(std::string_view name);
std::string_view to_string(format_mode mode);

struct format_options
{
    /// Default: json.
    format_mode mode = format_mode::json;
    /// HMAC-SHA256 key for `Sluice-Signature`; empty (default) = unsigned.
    std::string_view secret;
    /// This attempt's time, sent as `Sluice-Timestamp` (Unix seconds). Take it from the clock.
    timestamp now;
};

/// Header names set by format_request().
namespace header {
constexpr std::string_view signature = "Sluice-Signature";
constexpr std::string_view timestamp = "Sluice-Timestamp";
constexpr std::string_view message_id = "Sluice-Message-Id";
constexpr std::string_view delivery_count = "Sluice-Delivery-Count";
constexpr std::string_view user_agent_value = "sluice-push/1";
} // namespace header

/// A request ready for client::post(): headers in order (the client adds Host, Content-Length
/// and Connection) and the body.
struct push_request
{
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    /// The first header named `name` (case-insensitive), or "" — for tests and logs.
    std::string_view header(std::string_view name) const;
};

/// Builds the POST for one delivery attempt (sans-io, pure).
///
/// json: `Content-Type: application/json`, body
///   {"id","topic","subscription","partition","offset","publish_time" (RFC 3339 UTC, ms),
///    "delivery_count",["key",]"attributes":{…},"data": <body as a JSON string>}
///   or "data_base64" instead of "data" when the body is not valid UTF-8. Attribute keys and
///   values that are not UTF-8 get U+FFFD; the first of duplicate attribute names wins.
/// cloudevents_binary (CloudEvents 1.0 HTTP binding, binary mode): the body unchanged;
///   ce-specversion 1.0, ce-id (message id), ce-source `/sluice/topics/<topic>`, ce-type
///   (attribute `type`, else "sluice.message"), ce-time (publish time), ce-subject (attribute
///   `subject`, if any), and each other attribute whose name is a valid extension name
///   ([a-z0-9]{1,20}, not a context attribute we set) as `ce-<name>`; values percent-encoded
///   as the binding requires. Other attributes are not sent (use json mode to keep them all).
///   Content-Type: attribute `content-type` or `datacontenttype` if it is a safe header value,
///   else application/octet-stream.
/// Both: `Sluice-Message-Id`, `Sluice-Delivery-Count`, `Sluice-Timestamp`, `User-Agent:
///   sluice-push/1`, and `Sluice-Signature: sha256=<hex>` (signature.h) when a secret is set.
push_request format_request(const message_view& m, const format_options& options);

} // namespace sluice::push
