#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::bench {

/// What each benchmark message carries so the run can check itself: a sequence number (for the
/// exactly-once check) and the intended send time (for end-to-end latency), as fixed-width hex in
/// printable ASCII — "sb1:<seq 16 hex>:<ns 16 hex>:" followed by pseudo-random filler from
/// [A-Za-z0-9_-] up to the message size — so the body travels as a plain JSON string with nothing
/// to escape. The filler is incompressible (6 random bits per byte), so a store that compresses
/// (RocksDB's LZ4) gets no advantage a real payload would not give it.
struct body_stamp {
    uint64_t seq = 0;
    uint64_t intended_ns = 0; ///< steady_clock nanoseconds of this process
};

/// The smallest body that holds a stamp (38 bytes); smaller sizes are raised to it.
inline constexpr size_t min_body_size = 38;

/// Appends a body of max(size, min_body_size) bytes to `out`.
void append_body(std::string& out, const body_stamp& stamp, size_t size);

/// Reads the stamp back; nullopt when the body is not one of ours.
std::optional<body_stamp> parse_body(std::string_view body);

/// The first stamp anywhere in `text` (a body embedded in a larger document, such as the `data`
/// of a CloudEvent a bus rule delivered); nullopt when there is none.
std::optional<body_stamp> find_stamp(std::string_view text);

} // namespace sluice::bench
