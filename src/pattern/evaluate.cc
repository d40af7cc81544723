#include "pattern/evaluate.h"

#include "pattern/event.h"

namespace sluice::pattern {

compile_result<bool>
matches(std::string_view pattern_text, std::string_view event_json, const compile_options& options)
{
    auto compiled = compile(pattern_text, options);
    if (!compiled) {
        return compiled.error();
    }
    auto r = matches(*compiled, event_json);
    if (!r) {
        return compile_error{
            errc::invalid_event, {}, compile_error::no_offset, "event is not valid JSON"
        };
    }
    return *r;
}

result<bool> matches(const compiled_pattern& pattern, std::string_view event_json)
{
    event_reader reader;
    if (auto r = reader.parse(event_json); !r) {
        return result<bool>(boost::system::in_place_error, r.error());
    }
    return reader.pattern_matches(pattern);
}

} // namespace sluice::pattern
