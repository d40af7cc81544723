// Lease bookkeeping of one subscription partition (src/broker/delivery_state.h): what every
// receive (begin_delivery), ack (forget), visibility change and lease expiry costs, with a
// given number of messages in flight.
#include "broker/delivery_state.h"

#include <benchmark/benchmark.h>

namespace {
using sluice::broker::delivery_state;
using namespace std::chrono_literals;

const sluice::timestamp t0{std::chrono::seconds(1'790'000'000)};

/// A state with `in_flight` leases on offsets [0, in_flight).
delivery_state with_leases(uint64_t in_flight) {
    delivery_state s;
    for (uint64_t o = 0; o < in_flight; ++o) {
        s.begin_delivery(o, 1, t0 + 30s);
    }
    return s;
}

/// Steady state: deliver the next offset, ack the oldest (a FIFO consumer with N in flight).
void BM_DeliverThenAck(benchmark::State& state) {
    auto in_flight = static_cast<uint64_t>(state.range(0));
    auto s = with_leases(in_flight);
    uint64_t next = in_flight;
    for (auto _ : state) {
        s.begin_delivery(next, 1, t0 + 30s);
        s.forget(next - in_flight);
        ++next;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeliverThenAck)->Arg(1)->Arg(100)->Arg(10'000)->Arg(1'000'000);

void BM_Check(benchmark::State& state) {
    auto in_flight = static_cast<uint64_t>(state.range(0));
    auto s = with_leases(in_flight);
    uint64_t o = 0;
    for (auto _ : state) {
        auto r = s.check(o, 1);
        benchmark::DoNotOptimize(r);
        o = (o + 7919) % in_flight;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Check)->Arg(100)->Arg(1'000'000);

/// Extending a lease (visibility change) leaves a stale heap entry behind; measures both.
void BM_ExtendLease(benchmark::State& state) {
    auto in_flight = static_cast<uint64_t>(state.range(0));
    auto s = with_leases(in_flight);
    uint64_t o = 0;
    auto deadline = t0 + 30s;
    for (auto _ : state) {
        deadline += 1ms;
        s.set_deadline(o, 1, deadline, t0);
        o = (o + 7919) % in_flight;
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExtendLease)->Arg(100)->Arg(100'000);

/// Expiring every lease and redelivering them: the cost per message of a visibility timeout.
void BM_ExpireAndRedeliver(benchmark::State& state) {
    auto in_flight = static_cast<uint64_t>(state.range(0));
    for (auto _ : state) {
        state.PauseTiming();
        auto s = with_leases(in_flight);
        state.ResumeTiming();
        s.expire(t0 + 31s);
        while (auto o = s.pop_redelivery()) {
            benchmark::DoNotOptimize(o);
        }
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ExpireAndRedeliver)->Arg(1'000)->Arg(100'000);

} // namespace

BENCHMARK_MAIN();
