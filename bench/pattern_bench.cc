// Pattern matcher throughput: EventBridge-style rule sets over ~1 KiB JSON events, one core.
// Results and the command line go to docs/BENCHMARKS.md ("pattern matcher").
//
//   build/bench/pattern_bench --benchmark_min_time=1
//
// Workload: rules are a realistic mix (source + detail-type, numeric ranges, prefixes,
// anything-but, cidr, equals-ignore-case, wildcard, exists, $or). In the "scaled" runs the value
// pools grow with the rule count, so an event matches about the same number of rules whatever
// the count: the runs then show the cost of *having* rules. The "fixed_vocab" runs keep the
// pools fixed, so more rules also means more matches per event (output-proportional cost).
#include "pattern/compiler.h"
#include "pattern/evaluate.h"
#include "pattern/matcher.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace sluice::pattern;

struct vocabulary
{
    int sources;
    int types;
    int countries;
    int statuses = 8;
};

/// Pools proportional to the rule count: about the same number of rules match (and are
/// checked) per event at every size, so the runs differ only in how many rules there are.
vocabulary scaled_vocabulary(int rules)
{
    return { std::max(1, rules / 20), std::max(1, rules / 4), std::max(1, rules / 50) };
}

class workload
{
public:
    workload(vocabulary v, unsigned seed)
      : _v(v)
      , _rng(seed)
    {
    }

    std::string event()
    {
        int src = pick(_v.sources);
        int type = pick(_v.types);
        std::string items;
        for (int i = 0; i < 3; ++i) {
            items += fmt::format(
              R"({}{{"sku":"SKU-{:06d}","qty":{},"price":{}.{:02d},"warehouse":"wh-{}"}})",
              i ? "," : "",
              pick(1000000),
              1 + pick(5),
              pick(500),
              pick(100),
              pick(20));
        }
        return fmt::format(
          R"({{"version":"0","id":"{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",)"
          R"("detail-type":"order.event-{}","source":"com.shop.service-{}",)"
          R"("account":"1234567{:05d}","time":"2024-0{}-1{}T1{}:2{}:3{}Z","region":"{}",)"
          R"("resources":["arn:aws:shop:{}:123456789012:order/{}","arn:aws:shop:{}:123456789012:customer/{}"],)"
          R"("detail":{{"orderId":"ord-{}","status":"status-{}","channel":"{}",)"
          R"("amount":{}.{:02d},"currency":"{}","ip":"10.{}.{}.{}",)"
          R"("customer":{{"id":"cust-{}","tier":"{}","country":"country-{}","email":"user{}@example.com"}},)"
          R"("items":[{}],"tags":["{}","{}"],"metadata":{{"traceId":"{:016x}","attempt":{},"flag":{}}}}}}})",
          pick(1 << 30),
          pick(1 << 16),
          pick(1 << 12),
          pick(1 << 12),
          pick(1 << 30),
          type,
          src,
          pick(100000),
          1 + pick(9),
          pick(9),
          pick(9),
          pick(5),
          pick(5),
          region(),
          region(),
          pick(1000000),
          region(),
          pick(1000000),
          pick(1000000),
          pick(_v.statuses),
          channel(),
          pick(2000),
          pick(100),
          currency(),
          pick(256),
          pick(256),
          pick(256),
          pick(1000000),
          tier(),
          pick(_v.countries),
          pick(100000),
          items,
          tag(),
          tag(),
          pick(1 << 30),
          pick(3),
          pick(2) ? "true" : "false");
    }

    std::string rule()
    {
        int kind = pick(100);
        std::string src = fmt::format("com.shop.service-{}", pick(_v.sources));
        std::string type = fmt::format("order.event-{}", pick(_v.types));
        if (kind < 35) {
            return fmt::format(R"({{"source":["{}"],"detail-type":["{}"]}})", src, type);
        }
        if (kind < 45) {
            return fmt::format(
              R"({{"source":["{}"],"detail-type":["{}"],"detail":{{"status":["status-{}","status-{}"]}}}})",
              src,
              type,
              pick(_v.statuses),
              pick(_v.statuses));
        }
        if (kind < 57) {
            int lo = pick(1900);
            return fmt::format(
              R"({{"detail-type":["{}"],"detail":{{"amount":[{{"numeric":[">",{},"<=",{}]}}]}}}})",
              type,
              lo,
              lo + 1 + pick(100));
        }
        if (kind < 65) {
            return fmt::format(
              R"({{"region":[{{"prefix":"eu-"}}],"detail":{{"customer":{{"country":["country-{}"],"tier":["gold","platinum"]}}}}}})",
              pick(_v.countries));
        }
        if (kind < 73) {
            return fmt::format(
              R"({{"detail-type":["{}"],"detail":{{"status":[{{"anything-but":["status-0","status-1"]}}]}}}})",
              type);
        }
        if (kind < 78) {
            return fmt::format(
              R"({{"source":["{}"],"detail":{{"ip":[{{"cidr":"10.{}.0.0/16"}}]}}}})",
              src,
              pick(256));
        }
        if (kind < 83) {
            return fmt::format(
              R"({{"source":[{{"equals-ignore-case":"{}"}}],"detail":{{"currency":[{{"suffix":"D"}}]}}}})",
              src);
        }
        if (kind < 88) {
            return fmt::format(
              R"({{"detail-type":["{}"],"$or":[{{"detail":{{"channel":["web"]}}}},{{"detail":{{"amount":[{{"numeric":[">=",1500]}}]}}}}]}})",
              type);
        }
        if (kind < 93) {
            return fmt::format(
              R"({{"source":["{}"],"detail":{{"metadata":{{"retry":[{{"exists":false}}],"traceId":[{{"exists":true}}]}}}}}})",
              src);
        }
        if (kind < 97) {
            return fmt::format(
              R"({{"detail-type":[{{"wildcard":"order.event-{}*"}}],"detail":{{"items":{{"qty":[{{"numeric":[">=",5]}}]}}}}}})",
              pick(_v.types));
        }
        return fmt::format(
          R"({{"source":["{}"],"detail":{{"customer":{{"email":[{{"wildcard":"user1*@example.com"}}]}}}}}})",
          src);
    }

private:
    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(_rng); }
    const char* region()
    {
        static const char* r[]
          = { "eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-south-1" };
        return r[pick(5)];
    }
    const char* channel()
    {
        static const char* c[] = { "web", "ios", "android", "partner" };
        return c[pick(4)];
    }
    const char* currency()
    {
        static const char* c[] = { "USD", "EUR", "CNY", "AUD", "GBP" };
        return c[pick(5)];
    }
    const char* tier()
    {
        static const char* t[] = { "basic", "silver", "gold", "platinum" };
        return t[pick(4)];
    }
    const char* tag()
    {
        static const char* t[] = { "promo", "gift", "express", "bulk", "b2b", "first-order" };
        return t[pick(6)];
    }

    vocabulary _v;
    std::mt19937 _rng;
};

struct fixture
{
    matcher m;
    std::vector<std::string> events;
    double bytes = 0;
};

fixture build(int rules, vocabulary v, int events = 1024)
{
    fixture f;
    workload w(v, 12345);
    for (int i = 0; i < rules; ++i) {
        auto r = f.m.add(rule_id{ static_cast<std::uint64_t>(i) }, w.rule());
        if (!r) {
            throw std::runtime_error(r.error().message);
        }
    }
    for (int i = 0; i < events; ++i) {
        f.events.push_back(w.event());
        f.bytes += static_cast<double>(f.events.back().size());
    }
    f.bytes /= static_cast<double>(f.events.size());
    return f;
}

/// `events` distinct events are cycled: 1,024 (~870 KiB) do not stay in L2 next to a large rule
/// set, so each event arrives cache-cold; 64 stay warm, like an event just read from a socket.
void run_match(benchmark::State& state, vocabulary v, int events = 1024)
{
    int rules = static_cast<int>(state.range(0));
    fixture f = build(rules, v, events);
    std::size_t i = 0;
    double matched = 0;
    double candidates = 0;
    for (auto _ : state) {
        auto r = f.m.match(f.events[i++ % f.events.size()]);
        benchmark::DoNotOptimize(r);
        matched += static_cast<double>(r->size());
        candidates += static_cast<double>(f.m.stats().last_candidates);
    }
    double n = static_cast<double>(state.iterations());
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(n * f.bytes));
    state.counters["event_bytes"] = f.bytes;
    state.counters["matches/event"] = matched / n;
    state.counters["checked/event"] = candidates / n;
    state.counters["residual"] = static_cast<double>(f.m.stats().residual_terms);
}

void BM_match_scaled(benchmark::State& state)
{
    run_match(state, scaled_vocabulary(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_match_scaled)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kNanosecond);

void BM_match_scaled_warm_events(benchmark::State& state)
{
    run_match(state, scaled_vocabulary(static_cast<int>(state.range(0))), 64);
}
BENCHMARK(BM_match_scaled_warm_events)->Arg(100)->Arg(1000)->Arg(10000);

/// Pools of the 1,000-rule run at every size: 10x the rules, 10x the matches per event.
void BM_match_fixed_vocab(benchmark::State& state)
{
    run_match(state, scaled_vocabulary(1000));
}
BENCHMARK(BM_match_fixed_vocab)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kNanosecond);

/// Baseline: the same events through a matcher whose one rule reads one field — the cost of
/// parsing (simdjson DOM) plus a near-empty walk.
void BM_parse_only(benchmark::State& state)
{
    fixture f = build(0, scaled_vocabulary(1000));
    (void)f.m.add(rule_id{ 1 }, R"({"source":["none"]})");
    std::size_t i = 0;
    for (auto _ : state) {
        auto r = f.m.match(f.events[i++ & 1023]);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(
      static_cast<std::int64_t>(static_cast<double>(state.iterations()) * f.bytes));
}
BENCHMARK(BM_parse_only);

void BM_add_rules(benchmark::State& state)
{
    int rules = static_cast<int>(state.range(0));
    for (auto _ : state) {
        fixture f = build(rules, scaled_vocabulary(rules));
        benchmark::DoNotOptimize(f.m.size());
    }
    state.SetItemsProcessed(state.iterations() * rules);
}
BENCHMARK(BM_add_rules)->Arg(10000)->Unit(benchmark::kMillisecond);

void BM_compile(benchmark::State& state)
{
    workload w(scaled_vocabulary(1000), 7);
    std::vector<std::string> patterns;
    for (int i = 0; i < 256; ++i) {
        patterns.push_back(w.rule());
    }
    std::size_t i = 0;
    for (auto _ : state) {
        auto r = compile(patterns[i++ & 255]);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_compile);

/// The test-pattern endpoint: compile + parse + evaluate per call.
void BM_single_pattern_matches(benchmark::State& state)
{
    workload w(scaled_vocabulary(1000), 9);
    std::string pattern = w.rule();
    std::string event = w.event();
    for (auto _ : state) {
        auto r = matches(pattern, event);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_single_pattern_matches);

} // namespace

BENCHMARK_MAIN();
