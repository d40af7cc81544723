#pragma once

#include "bench/message_body.h"

#include <cstdint>
#include <string>

namespace sluice::bench {

/// The events and rules of `sluice bench bus`, in one place because they are made for each
/// other: every event is matched by exactly one rule.
///
/// Events are order CloudEvents from source "/sluice-bench", type "order.created", whose JSON
/// `data` is {"region": one of 8 regions (seq % 8), "amount": (seq × 37) % 1000, "stamp": the
/// bench body (message_body.h)}, padded through the stamp so the whole event is `size` bytes.
///
/// Rules: `live` of them (1 to 1,000) split the amounts [0, 1000) into equal ranges (live rule i:
/// type order.created, region any of the 8, amount in [⌊1000i/live⌋, ⌊1000(i+1)/live⌋)), so each
/// event matches exactly one. The `decoys` never match. Each is a distinct rule on the same fields,
/// in three shapes taking turns: an amount range above 1000 (type and region as the events'); a
/// near miss (type, region and a one-wide amount range that events do have, plus `currency`,
/// which no event has — about decoys/3000 of them are checked per event); a region nobody sends.
inline constexpr uint32_t bus_max_live_rules = 1000;

/// Appends one structured CloudEvent (a JSON object) carrying `stamp` to `out`; its id is the
/// sequence number.
void append_bus_event(std::string& out, const body_stamp& stamp, size_t size);

/// The rule body (PUT /v1/buses/{bus}/rules/{rule}) of live rule `index` of `live`, or of decoy
/// `index`; both send to queue `target`.
std::string live_rule_body(uint32_t index, uint32_t live, std::string_view target);
std::string decoy_rule_body(uint32_t index, std::string_view target);

} // namespace sluice::bench
