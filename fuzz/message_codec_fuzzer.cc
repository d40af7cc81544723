// libFuzzer target: the stored message codec (model::encode/decode). decode() must reject any
// truncated or foreign record without reading past it, and what it accepts must round-trip:
// decode(encode(decode(x))) == decode(x), and encode is stable on its own output.
#include "fuzz_check.h"
#include "model/message.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

bool same(const sluice::model::message& a, const sluice::model::message& b) {
    return a.id == b.id && a.publish_time == b.publish_time && a.attributes == b.attributes
           && a.body == b.body && a.group == b.group && a.dedup_id == b.dedup_id
           && a.deliver_at == b.deliver_at;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto m = sluice::model::decode(input);
    if (!m) {
        return 0;
    }
    (void)m->size_bytes();
    auto encoded = sluice::model::encode(*m);
    auto again = sluice::model::decode(encoded);
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(same(*m, *again));
    FUZZ_CHECK(sluice::model::encode(*again) == encoded);
    return 0;
}
