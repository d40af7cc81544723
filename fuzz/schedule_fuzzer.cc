// libFuzzer target for the schedule module: the rate/cron/at parser, next_fire over real and
// fuzzed time zones, the POSIX TZ rule parser and the TZif reader.
//
// Input: line 1 the expression; line 2 (optional) `after` as Unix seconds; line 3 (optional) a
// zone: an IANA name from the system zoneinfo, or `TZ=<POSIX rule>`. An input starting with
// "TZif" is a zone file instead, run against a few fixed expressions.
//
// Properties (FUZZ_CHECK traps when one breaks):
//  - parse never crashes; an error says which form and points inside the text;
//  - next_fire(after) is strictly after `after`; chained, it keeps increasing;
//  - for a cron in a real zone the result's local time matches the expression — or, with the
//    default gap policy, it is the end of a DST gap that hides a matching time — and a time
//    that occurs twice fires at its first occurrence; nothing fires in between (next_fire from
//    one second before a result is that result); in UTC no minute in between matches;
//  - validate() saying "never fires" means next_fire finds nothing.
//
// Built by fuzz/CMakeLists.txt: with SLUICE_FUZZ=ON (clang) as schedule_fuzzer, otherwise as
// schedule_replay + the CTest fuzz.schedule over fuzz/corpus/schedule/. Run:
//   ./schedule_fuzzer -max_len=256 fuzz/corpus/schedule
#include "fuzz_check.h"
#include "schedule/next_fire.h"
#include "schedule/time_zone_db.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace sluice::schedule;
using namespace std::chrono;

const sys_seconds lowest_after = sys_days{ year{ 1960 } / 1 / 1 };
const sys_seconds highest_after = sys_days{ year{ 2210 } / 1 / 1 };

sys_seconds parse_after(std::string_view line)
{
    std::int64_t v = 1'767'225'600; // 2026-01-01T00:00:00Z
    bool negative = !line.empty() && line[0] == '-';
    std::size_t i = negative ? 1 : 0;
    if (i < line.size()) {
        v = 0;
        for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && i < 14; ++i) {
            v = v * 10 + (line[i] - '0');
        }
        v = negative ? -v : v;
    }
    sys_seconds t{ seconds(v) };
    return std::clamp(t, lowest_after, highest_after);
}

time_zone_db& zones()
{
    static time_zone_db db;
    return db;
}

void check_parse_error(std::string_view text, const schedule_error& e)
{
    FUZZ_CHECK(!e.message.empty());
    const std::string& m = e.message;
    FUZZ_CHECK(
      m.starts_with("rate: ") || m.starts_with("cron: ") || m.starts_with("at: ")
      || m.starts_with("schedule expression "));
    FUZZ_CHECK(e.offset == schedule_error::no_offset || e.offset <= text.size());
}

/// For a cron result `r` in a real zone: its local time matches, at its first occurrence, or it
/// ends a DST gap that holds a matching time.
void check_cron_fire(const cron_expression& c, const time_zone& z, sys_seconds r, gap_policy gap)
{
    local_seconds local = z.to_local(r);
    if (matches(c, local)) {
        FUZZ_CHECK(z.resolve(local).first == r); // first occurrence of a repeated time
        return;
    }
    FUZZ_CHECK(gap == gap_policy::fire_after_gap);
    seconds before = z.offset_at(r - seconds(1));
    seconds after = z.offset_at(r);
    FUZZ_CHECK(before < after); // a forward jump at r
    local_seconds gap_start{ (r + before).time_since_epoch() };
    auto hidden = next_match(c, gap_start);
    FUZZ_CHECK(hidden && *hidden < local);
}

void check_expression(
  const expression& e,
  sys_seconds after,
  const time_zone& z,
  bool real_zone,
  gap_policy gap)
{
    fire_options options;
    options.gap = gap;
    options.start = sys_days{ year{ 2026 } / 1 / 1 } + seconds(7);
    const auto* cron = std::get_if<cron_expression>(&e);

    if (cron && !validate(e)) {
        FUZZ_CHECK(!next_fire(e, after, z, options)); // "never fires" is never wrong
    }

    sys_seconds t = after;
    for (int i = 0; i < 3; ++i) {
        auto r = next_fire(e, t, z, options);
        if (!r) {
            return;
        }
        FUZZ_CHECK(*r > t);
        if (real_zone) {
            // Nothing fires between t and r.
            if (*r - seconds(1) >= t) {
                FUZZ_CHECK(next_fire(e, *r - seconds(1), z, options) == r);
            }
            if (cron) {
                check_cron_fire(*cron, z, *r, gap);
                if (z.name() == "UTC" && *r - t <= hours(48)) {
                    for (auto m = ceil<minutes>(t + seconds(1)); m < *r; m += minutes(1)) {
                        FUZZ_CHECK(!matches(*cron, local_seconds{ m.time_since_epoch() }));
                    }
                }
            }
            if (const auto* at = std::get_if<at_expression>(&e)) {
                FUZZ_CHECK(*r == z.resolve(at->time).first);
            }
        }
        t = *r;
    }
}

void check_tzif(std::string_view bytes)
{
    auto z = time_zone::from_tzif("fuzz", bytes);
    if (!z) {
        FUZZ_CHECK(z.error().message.starts_with("time zone 'fuzz': "));
        return;
    }
    for (const char* text :
         { "cron(30 2 * * ? *)", "cron(0/30 * * * ? *)", "at(2026-03-08T02:30:00)" }) {
        auto e = parse(text);
        FUZZ_CHECK(e.has_value());
        check_expression(
          *e, sys_days{ year{ 2026 } / 1 / 1 }, *z, false, gap_policy::fire_after_gap);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (input.starts_with("TZif")) {
        check_tzif(input);
        return 0;
    }
    auto line = [&input]() {
        auto nl = input.find('\n');
        std::string_view l = input.substr(0, nl);
        input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
        return l;
    };
    std::string_view text = line();
    sys_seconds after = parse_after(line());
    std::string_view zone_line = line();

    std::optional<time_zone> posix;
    std::shared_ptr<const time_zone> named;
    const time_zone* zone = nullptr;
    bool real_zone = true;
    if (zone_line.starts_with("TZ=")) {
        auto z = time_zone::from_posix("posix", zone_line.substr(3));
        if (!z) {
            FUZZ_CHECK(z.error().message.starts_with("POSIX TZ '"));
        } else {
            posix = std::move(*z);
            zone = &*posix;
            real_zone = false;
        }
    } else if (!zone_line.empty()) {
        if (auto z = zones().locate(zone_line)) {
            named = *z;
            zone = named.get();
        }
    }
    if (zone == nullptr) {
        named = *zones().locate("UTC");
        zone = named.get();
        real_zone = true;
    }

    auto e = parse(text);
    if (!e) {
        check_parse_error(text, e.error());
        return 0;
    }
    check_expression(*e, after, *zone, real_zone, gap_policy::fire_after_gap);
    check_expression(*e, after, *zone, real_zone, gap_policy::skip);
    return 0;
}
