#pragma once

#include "base/result.h"
#include "model/message.h"
#include "pattern/compiler.h"

#include <memory>
#include <string>
#include <string_view>

namespace sluice::broker {

/// A subscription filter, evaluated before delivery: an EventBridge event pattern or a
/// RocketMQ-style tag expression (`TagA || TagB`, matched against the attribute `tag`), both
/// run by the shared pattern engine over the document
///
///     {"attributes": {"<name>": "<value>", …}, "body": <the body, when it is JSON>}
///
/// Attribute values are strings, so numeric ranges apply to the body's numbers. Immutable once
/// built; shared by the partitions of a subscription across shards.
class message_filter {
public:
    enum class kind { pattern, tags };

    /// Compiles `text`; the error says where it is wrong (a JSON path or a byte offset).
    static pattern::compile_result<std::shared_ptr<const message_filter>>
    make(kind k, std::string_view text);

    bool matches(const model::message& m) const;

    kind type() const { return _kind; }
    const std::string& text() const { return _text; }

private:
    message_filter(kind k, std::string text, pattern::compiled_pattern p);

    kind _kind;
    std::string _text;
    pattern::compiled_pattern _pattern;
};

/// The filter document of a message (see message_filter), with or without its body.
std::string filter_document(const model::message& m, bool with_body);

} // namespace sluice::broker
