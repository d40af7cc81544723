#include "broker/message_filter.h"

#include "pattern/evaluate.h"
#include "pattern/tag_expression.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace sluice::broker {
namespace {

/// Could `body` be a JSON document? A cheap first-byte test; the parse decides.
bool may_be_json(std::string_view body) {
    auto pos = body.find_first_not_of(" \t\r\n");
    if (pos == std::string_view::npos) {
        return false;
    }
    char c = body[pos];
    return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't'
           || c == 'f' || c == 'n';
}

} // namespace

std::string filter_document(const model::message& m, bool with_body) {
    std::string out = R"({"attributes":{)";
    bool first = true;
    for (auto& [k, v] : m.attributes) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        out += boost::json::serialize(boost::json::string(k));
        out.push_back(':');
        out += boost::json::serialize(boost::json::string(v));
    }
    out.push_back('}');
    if (with_body) {
        out += R"(,"body":)";
        out += m.body;
    }
    out.push_back('}');
    return out;
}

message_filter::message_filter(kind k, std::string text, pattern::compiled_pattern p)
  : _kind(k)
  , _text(std::move(text))
  , _pattern(std::move(p)) {}

pattern::compile_result<std::shared_ptr<const message_filter>>
message_filter::make(kind k, std::string_view text) {
    auto compiled = k == kind::tags ? pattern::compile_tag_expression(text) : pattern::compile(text);
    if (!compiled) {
        return compiled.error();
    }
    return std::shared_ptr<const message_filter>(
        new message_filter(k, std::string(text), std::move(*compiled)));
}

bool message_filter::matches(const model::message& m) const {
    if (may_be_json(m.body)) {
        if (auto r = pattern::matches(_pattern, filter_document(m, true)); r) {
            return *r;
        }
        // Not JSON after all: judge by the attributes alone.
    }
    auto r = pattern::matches(_pattern, filter_document(m, false));
    return r && *r;
}

} // namespace sluice::broker
