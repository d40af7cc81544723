// libFuzzer target: receipt handles (broker::receipt_codec). decode() sees tokens straight from
// clients, so it must reject anything this store did not issue, never crash, and what it accepts
// must re-encode to a token naming the same delivery. Also: any receipt made from the input's
// bytes round-trips, and a token with one byte changed is refused (the MAC covers it all).
#include "broker/receipt.h"
#include "fuzz_check.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace {

const sluice::broker::receipt_codec& codec() {
    static const sluice::broker::receipt_codec c(std::string(32, '\x5a'));
    return c;
}

template<class T>
T take(std::string_view& in) {
    T v{};
    size_t n = std::min(sizeof(T), in.size());
    if (n > 0) { // in.data() may be null when empty: memcpy's arguments must not be
        std::memcpy(&v, in.data(), n);
    }
    in.remove_prefix(n);
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto r = codec().decode(input)) {
        auto token = codec().encode(*r);
        auto again = codec().decode(token);
        FUZZ_CHECK(again && *again == *r);
    }
    // Fields from the bytes: encode → decode is the identity; a changed byte is refused.
    std::string_view fields = input;
    sluice::broker::receipt r;
    r.topic = take<uint32_t>(fields);
    r.partition = take<uint32_t>(fields);
    r.offset = take<uint64_t>(fields);
    r.epoch = take<uint64_t>(fields);
    auto token = codec().encode(r);
    auto back = codec().decode(token);
    FUZZ_CHECK(back && *back == r);
    if (!token.empty() && !fields.empty()) {
        size_t at = static_cast<unsigned char>(fields.front()) % token.size();
        std::string tampered = token;
        tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
        auto t = codec().decode(tampered);
        FUZZ_CHECK(!t || *t == r); // base64url padding bits may decode to the same bytes
    }
    return 0;
}
