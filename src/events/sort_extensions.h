#pragma once

#include "events/cloud_event.h"

namespace sluice::events::detail {

/// Sorts e.extensions by name, keeping extension_types aligned (filled to the same length).
void sort_extensions(cloud_event& e);

/// validate(), for the parsers: with `data_checked` the data is taken as already checked
/// (json data produced by the parser's own document, text data from a checked string).
detailed_result<void> validate_event(const cloud_event& e, const parse_options& options, bool data_checked);

} // namespace sluice::events::detail
