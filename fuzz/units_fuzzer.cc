// libFuzzer target: the unit parsers users type (base/units.h, base/base64.h): durations, byte
// sizes, RFC 3339 times, base64 (standard and URL-safe). Never crash; formatted output parses
// back to the same value; base64 encode → decode is the identity.
#include "base/base64.h"
#include "base/units.h"
#include "fuzz_check.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sluice;
    std::string_view input(reinterpret_cast<const char*>(data), size);

    if (auto d = parse_duration(input)) {
        FUZZ_CHECK(d->count() >= 0);
        auto text = format_duration(*d);
        auto back = parse_duration(text);
        FUZZ_CHECK(back && *back == *d);
    }
    if (auto s = parse_byte_size(input)) {
        auto back = parse_byte_size(std::to_string(s->bytes));
        FUZZ_CHECK(back && *back == *s);
    }
    if (auto t = parse_rfc3339(input)) {
        auto text = format_rfc3339(*t);
        auto back = parse_rfc3339(text);
        FUZZ_CHECK(back.has_value());
        // format_rfc3339 keeps milliseconds: the round trip is exact at that precision.
        auto ms = [](timestamp x) { return std::chrono::floor<millis>(x.time_since_epoch()); };
        FUZZ_CHECK(ms(*back) == ms(*t));
    }
    if (auto b = base64_decode(input)) {
        auto back = base64_decode(base64_encode(*b));
        FUZZ_CHECK(back && *back == *b);
    }
    if (auto b = base64url_decode(input)) {
        auto back = base64url_decode(base64url_encode(*b));
        FUZZ_CHECK(back && *back == *b);
    }
    auto enc = base64_decode(base64_encode(input));
    FUZZ_CHECK(enc && *enc == input);
    auto encu = base64url_decode(base64url_encode(input));
    FUZZ_CHECK(encu && *encu == input);
    return 0;
}
