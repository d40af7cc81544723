#pragma once

#include "pattern/compiler.h"
#include "pattern/errc.h"

#include <string_view>

namespace sluice::pattern {

/// Does one pattern match one event? For the test-pattern endpoint and as the reference the
/// matcher is tested against. Parses both texts on every call; for many events or many patterns
/// use a matcher.
/// Errors: any compile error of the pattern; invalid_event when the event is not JSON.
compile_result<bool> matches(
  std::string_view pattern_text,
  std::string_view event_json,
  const compile_options& options = {});

/// Does a compiled pattern match one event? Errors: invalid_event.
result<bool> matches(const compiled_pattern& pattern, std::string_view event_json);

} // namespace sluice::pattern
