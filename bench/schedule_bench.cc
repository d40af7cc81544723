// next_fire cost for typical schedules, one core: the step a scheduler takes after each fire
// (next_fire from the previous fire time). Figures go to src/schedule/README.md.
//
//   build/bench/schedule_bench --benchmark_min_time=0.5
//
// Each iteration advances `after` to the result, walking through one year from January 1 (then
// starting over), so DST changes are crossed at their real frequency. The 2040 run is past the
// TZif table (2037), in the part expanded from the POSIX footer rule at load.
#include "schedule/next_fire.h"
#include "schedule/time_zone_db.h"

#include <benchmark/benchmark.h>
#include <chrono>
#include <string>

namespace {

using namespace sluice::schedule;
using namespace std::chrono;

const time_zone& zone(const char* name)
{
    static time_zone_db db;
    return **db.locate(name);
}

void run(benchmark::State& state, const char* text, const char* zone_name, int start_year)
{
    const expression e = *parse(text);
    const time_zone& z = zone(zone_name);
    const sys_seconds begin = sys_days{ year{ start_year } / 1 / 1 };
    const sys_seconds wrap = begin + years(1);
    sys_seconds after = begin;
    for (auto _ : state) {
        auto r = next_fire(e, after, z);
        benchmark::DoNotOptimize(r);
        after = r && *r < wrap ? *r : begin; // stay within one year
    }
    state.SetLabel(std::string(text) + " " + zone_name);
}

void BM_EveryFiveMinutesUtc(benchmark::State& s)
{
    run(s, "cron(*/5 * * * ? *)", "UTC", 2026);
}
void BM_WeekdaysNineNewYork(benchmark::State& s)
{
    run(s, "cron(0 9 ? * MON-FRI *)", "America/New_York", 2026);
}
void BM_WeekdaysNineNewYork2040(benchmark::State& s) // past the table: footer rule
{
    run(s, "cron(0 9 ? * MON-FRI *)", "America/New_York", 2040);
}
void BM_HalfHourlySydney(benchmark::State& s)
{
    run(s, "cron(0/30 * * * ? *)", "Australia/Sydney", 2026);
}
void BM_LastDayOfMonthLondon(benchmark::State& s)
{
    run(s, "cron(0 0 L * ? *)", "Europe/London", 2026);
}
void BM_SecondTuesdayKolkata(benchmark::State& s)
{
    run(s, "cron(0 10 ? * 3#2 *)", "Asia/Kolkata", 2026);
}
void BM_LeapDay(benchmark::State& s)
{
    run(s, "cron(0 0 29 2 ? *)", "UTC", 2026);
}
void BM_Rate(benchmark::State& s)
{
    run(s, "rate(5 minutes)", "UTC", 2026);
}

void BM_ParseCron(benchmark::State& state)
{
    for (auto _ : state) {
        auto e = parse("cron(0/15 9-17 ? * MON-FRI 2026-2030)");
        benchmark::DoNotOptimize(e);
    }
}

void BM_ValidateNeverFires(benchmark::State& state) // the full 1970-2199 search
{
    const expression e = *parse("cron(0 0 30 2 ? *)");
    for (auto _ : state) {
        auto r = validate(e);
        benchmark::DoNotOptimize(r);
    }
}

} // namespace

BENCHMARK(BM_EveryFiveMinutesUtc);
BENCHMARK(BM_WeekdaysNineNewYork);
BENCHMARK(BM_WeekdaysNineNewYork2040);
BENCHMARK(BM_HalfHourlySydney);
BENCHMARK(BM_LastDayOfMonthLondon);
BENCHMARK(BM_SecondTuesdayKolkata);
BENCHMARK(BM_LeapDay);
BENCHMARK(BM_Rate);
BENCHMARK(BM_ParseCron);
BENCHMARK(BM_ValidateNeverFires);

BENCHMARK_MAIN();
