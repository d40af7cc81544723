#include "base/units.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <ctime>

namespace sluice {
namespace {

std::optional<uint64_t> parse_uint(std::string_view s) {
    uint64_t v = 0;
    if (s.empty()) {
        return std::nullopt;
    }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

constexpr uint64_t max_duration_ms = 100ULL * 366 * 24 * 3600 * 1000;

} // namespace

std::optional<millis> parse_duration(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    if (auto bare = parse_uint(text)) {
        if (*bare > max_duration_ms / 1000) {
            return std::nullopt;
        }
        return millis(*bare * 1000);
    }
    uint64_t total = 0;
    size_t i = 0;
    while (i < text.size()) {
        size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
        }
        auto number = parse_uint(text.substr(start, i - start));
        if (!number || *number > max_duration_ms) {
            return std::nullopt;
        }
        size_t unit_start = i;
        while (i < text.size() && (text[i] < '0' || text[i] > '9')) {
            ++i;
        }
        auto unit = text.substr(unit_start, i - unit_start);
        uint64_t scale = 0;
        if (unit == "ms") {
            scale = 1;
        } else if (unit == "s") {
            scale = 1000;
        } else if (unit == "m") {
            scale = 60'000;
        } else if (unit == "h") {
            scale = 3'600'000;
        } else if (unit == "d") {
            scale = 86'400'000;
        } else {
            return std::nullopt;
        }
        total += *number * scale;
        if (total > max_duration_ms) {
            return std::nullopt;
        }
    }
    return millis(total);
}

std::string format_duration(millis d) {
    int64_t ms = d.count();
    if (ms == 0) {
        return "0s";
    }
    if (ms % 1000 != 0) {
        return fmt::format("{}ms", ms);
    }
    int64_t s = ms / 1000;
    std::string out;
    const std::pair<int64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
    for (auto [size, name] : units) {
        if (s >= size) {
            out += fmt::format("{}{}", s / size, name);
            s %= size;
        }
    }
    return out;
}

std::optional<byte_size> parse_byte_size(std::string_view text) {
    size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
    }
    auto number = parse_uint(text.substr(0, i));
    if (!number) {
        return std::nullopt;
    }
    auto unit = text.substr(i);
    uint64_t scale = 0;
    if (unit.empty() || unit == "B") {
        scale = 1;
    } else if (unit == "KiB" || unit == "KB" || unit == "K") {
        scale = 1ULL << 10;
    } else if (unit == "MiB" || unit == "MB" || unit == "M") {
        scale = 1ULL << 20;
    } else if (unit == "GiB" || unit == "GB" || unit == "G") {
        scale = 1ULL << 30;
    } else if (unit == "TiB" || unit == "TB" || unit == "T") {
        scale = 1ULL << 40;
    } else {
        return std::nullopt;
    }
    if (*number > (UINT64_MAX / scale)) {
        return std::nullopt;
    }
    return byte_size{*number * scale};
}

std::string format_rfc3339(timestamp t) {
    int64_t ms = to_unix_ms(t);
    int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t frac = ms - secs * 1000;
    std::time_t tt = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return fmt::format(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
        tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

std::optional<timestamp> parse_rfc3339(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)
    auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
        if (pos + n > s.size()) {
            return std::nullopt;
        }
        auto v = parse_uint(s.substr(pos, n));
        if (!v) {
            return std::nullopt;
        }
        return static_cast<int>(*v);
    };
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't')
        || s[13] != ':' || s[16] != ':') {
        return std::nullopt;
    }
    auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
    auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
    if (!year || !month || !day || !hour || !minute || !second || *month < 1 || *month > 12
        || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    size_t pos = 19;
    int64_t frac_ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        size_t start = pos;
        int64_t scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            frac_ms += (s[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    int64_t offset_s = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int sign = s[pos] == '+' ? 1 : -1;
        auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
        if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':' || *oh > 23 || *om > 59) {
            return std::nullopt;
        }
        offset_s = sign * (*oh * 3600 + *om * 60);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    std::tm tm{};
    tm.tm_year = *year - 1900;
    tm.tm_mon = *month - 1;
    tm.tm_mday = *day;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    int64_t secs = timegm(&tm) - offset_s;
    // timestamp counts nanoseconds in 64 bits (years 1678..2262): outside that the conversion
    // overflows (UB; found by fuzz/units_fuzzer with "1013-11-22T09:00:00.000Z").
    constexpr int64_t max_secs = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
    if (secs > max_secs || secs < -max_secs) {
        return std::nullopt;
    }
    return from_unix_ms(secs * 1000 + frac_ms);
}

} // namespace sluice
