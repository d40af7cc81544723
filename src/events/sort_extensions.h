#pragma once

#include "events/cloud_event.h"

namespace sluice::events::detail {

/// Sorts e.extensions by name, keeping extension_types aligned (filled to the same length).
void sort_extensions(cloud_event& e);

} // namespace sluice::events::detail
