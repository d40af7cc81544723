// Reading TZif files (RFC 8536) into a time_zone.
#include "schedule/text.h"
#include "schedule/time_zone.h"

#include <fmt/format.h>
#include <limits>

namespace sluice::schedule {

namespace {

/// Bounds-checked big-endian reads over the file.
class tzif_reader
{
public:
    explicit tzif_reader(std::string_view bytes)
      : _bytes(bytes)
    {
    }

    bool has(std::size_t n) const { return _bytes.size() - _pos >= n; }
    std::size_t pos() const { return _pos; }
    void skip(std::size_t n) { _pos += n; }
    std::string_view take(std::size_t n)
    {
        auto s = _bytes.substr(_pos, n);
        _pos += n;
        return s;
    }
    std::int64_t be(std::size_t n)
    {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            v = (v << 8) | static_cast<unsigned char>(_bytes[_pos + i]);
        }
        _pos += n;
        if (n == 4) {
            return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        }
        return static_cast<std::int64_t>(v);
    }
    std::string_view rest() const { return _bytes.substr(_pos); }

private:
    std::string_view _bytes;
    std::size_t _pos = 0;
};

struct header
{
    char version = 0;
    std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;

    /// Size of the data block that follows, with `time_size`-byte times (4 in v1, 8 in v2+).
    std::uint64_t data_size(std::size_t time_size) const
    {
        return std::uint64_t{ timecnt } * time_size + timecnt + std::uint64_t{ typecnt } * 6
               + charcnt + std::uint64_t{ leapcnt } * (time_size + 4) + isstdcnt + isutcnt;
    }
};

constexpr std::size_t header_size = 44;

bool read_header(tzif_reader& r, header& h)
{
    if (!r.has(header_size) || r.take(4) != "TZif") {
        return false;
    }
    h.version = r.take(1)[0];
    r.skip(15);
    h.isutcnt = static_cast<std::uint32_t>(r.be(4));
    h.isstdcnt = static_cast<std::uint32_t>(r.be(4));
    h.leapcnt = static_cast<std::uint32_t>(r.be(4));
    h.timecnt = static_cast<std::uint32_t>(r.be(4));
    h.typecnt = static_cast<std::uint32_t>(r.be(4));
    h.charcnt = static_cast<std::uint32_t>(r.be(4));
    return true;
}

} // namespace

schedule_result<time_zone> time_zone::from_tzif(std::string name, std::string_view bytes)
{
    const std::string shown = detail::printable(name); // `name` moves into the zone below
    auto fail = [&](std::string_view what) {
        return make_error(
          errc::invalid_time_zone_data, fmt::format("time zone '{}': {}", shown, what));
    };
    tzif_reader r(bytes);
    header h;
    if (!read_header(r, h)) {
        return fail("not a TZif file");
    }
    std::size_t time_size = 4;
    if (h.version != 0) {
        if (h.version < '2' || h.version > '9') {
            return fail("unknown TZif version");
        }
        // Skip the 32-bit block: the second header and 64-bit block supersede it.
        std::uint64_t v1 = h.data_size(4);
        if (!r.has(v1)) {
            return fail("truncated version 1 data");
        }
        r.skip(v1);
        if (!read_header(r, h)) {
            return fail("missing the version 2+ header");
        }
        time_size = 8;
    }
    if (h.leapcnt != 0) {
        return fail("leap-second zone files (right/...) are not supported");
    }
    if (
      h.typecnt == 0 || h.typecnt > 256 || h.charcnt == 0
      || (h.isstdcnt != 0 && h.isstdcnt != h.typecnt)
      || (h.isutcnt != 0 && h.isutcnt != h.typecnt)) {
        return fail("inconsistent header counts");
    }
    if (!r.has(h.data_size(time_size))) {
        return fail("truncated data");
    }

    std::vector<std::int64_t> times(h.timecnt);
    for (auto& t : times) {
        t = r.be(time_size);
    }
    std::vector<std::uint32_t> type_of(h.timecnt);
    for (auto& i : type_of) {
        i = static_cast<std::uint32_t>(r.be(1));
        if (i >= h.typecnt) {
            return fail("transition to an undefined local time type");
        }
    }
    std::vector<std::int32_t> utoff(h.typecnt);
    for (auto& o : utoff) {
        std::int64_t v = r.be(4);
        r.skip(2); // isdst, abbreviation index: not needed for offsets
        constexpr std::int64_t max_offset = 26 * 3600;
        if (v < -max_offset || v > max_offset) {
            return fail("UTC offset out of range");
        }
        o = static_cast<std::int32_t>(v);
    }
    r.skip(h.charcnt + h.isstdcnt + h.isutcnt);

    time_zone z;
    z._name = std::move(name);
    z._initial_offset = utoff[0]; // RFC 8536 3.2: type 0 applies before the first transition
    std::int32_t current = z._initial_offset;
    for (std::size_t i = 0; i < times.size(); ++i) {
        if (i > 0 && times[i] <= times[i - 1]) {
            return fail("transition times out of order");
        }
        std::int32_t o = utoff[type_of[i]];
        if (o != current) { // keep only changes of offset (not of abbreviation or isdst)
            z._transitions.push_back(times[i]);
            z._offsets.push_back(o);
            current = o;
        }
    }

    if (time_size == 8) {
        // Footer: "\n" POSIX-TZ "\n"; an empty rule means none.
        std::string_view rest = r.rest();
        if (rest.size() < 2 || rest[0] != '\n') {
            return fail("missing footer");
        }
        std::size_t end = rest.find('\n', 1);
        if (end == std::string_view::npos) {
            return fail("unterminated footer");
        }
        std::string_view rule = rest.substr(1, end - 1);
        if (!rule.empty()) {
            auto tz = posix_tz::parse(rule);
            if (!tz) {
                return fail(tz.error().message);
            }
            z._footer = *tz;
            // The rule takes over after the file's last transition (RFC 8536 3.3), which
            // may be later than the last change of offset kept above.
            z._footer_from
              = times.empty() ? std::numeric_limits<std::int64_t>::min() : times.back() + 1;
            z.tabulate_footer();
        }
    }
    return z;
}

} // namespace sluice::schedule
