#pragma once

// Receive answers ({"messages":[…]} of queues and topic subscriptions) written straight into the
// response text, without a JSON document: one receive of 100 × 1 KiB is ~140 KB, and building
// it through Boost.JSON (a DOM per message, each body copied, then serialized) was ~11 % of the
// server's CPU on the consume path (docs/BENCHMARKS.md). The text is the same as that of the
// documents docs/api.md describes, field for field and in the same order.
#include "api/json_out.h"
#include "broker/topic_frontend.h"

#include <span>
#include <string>

namespace sluice::api {

/// Appends one received queue message: message_id, receipt, body (or body_base64 when the body
/// is not UTF-8), attributes (those `view` asks for; a name given twice keeps its first place and
/// its last value), group (when set), delivery_count, publish_time, and system (when asked for).
void append_delivery_json(std::string& out, const broker::delivery& d, const delivery_view& view);
/// A topic subscription's message: the same with `key` for `group`, then partition and offset.
void append_delivery_json(std::string& out, const broker::topic_delivery& d, const delivery_view& view);

/// {"messages":[…]}.
std::string receive_answer(std::span<const broker::delivery> got, const delivery_view& view);
std::string receive_answer(std::span<const broker::topic_delivery> got, const delivery_view& view);

/// Appends `t` as "YYYY-MM-DDTHH:MM:SS.mmmZ" (with quotes): base/units.h format_rfc3339's text.
void append_rfc3339_json(std::string& out, timestamp t);

} // namespace sluice::api
