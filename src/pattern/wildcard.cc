#include "pattern/wildcard.h"

namespace sluice::pattern {

bool wildcard::matches(std::string_view s) const
{
    if (segments.size() == 1) {
        return s == segments[0];
    }
    const std::string& first = segments.front();
    const std::string& last = segments.back();
    if (s.size() < first.size() + last.size() || !s.starts_with(first) || !s.ends_with(last)) {
        return false;
    }
    // Middle segments, leftmost-first: for a '*'-only glob the greedy leftmost placement of each
    // segment never rules out a match that a later placement would allow.
    std::string_view rest = s.substr(first.size(), s.size() - first.size() - last.size());
    for (std::size_t i = 1; i + 1 < segments.size(); ++i) {
        auto at = rest.find(segments[i]);
        if (at == std::string_view::npos) {
            return false;
        }
        rest.remove_prefix(at + segments[i].size());
    }
    return true;
}

wildcard_parse parse_wildcard(std::string_view text)
{
    wildcard_parse out;
    out.value.segments.emplace_back();
    bool previous_star = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\') {
            if (i + 1 >= text.size() || (text[i + 1] != '*' && text[i + 1] != '\\')) {
                out.error = "invalid escape at position " + std::to_string(i)
                            + " (only \\* and \\\\ are allowed)";
                return out;
            }
            out.value.segments.back().push_back(text[++i]);
            previous_star = false;
        } else if (c == '*') {
            if (previous_star) {
                out.error = "consecutive '*' at position " + std::to_string(i);
                return out;
            }
            out.value.segments.emplace_back();
            previous_star = true;
        } else {
            out.value.segments.back().push_back(c);
            previous_star = false;
        }
    }
    return out;
}

} // namespace sluice::pattern
