// The stored message record (src/model/message.h): encode on publish, decode on every delivery.
#include "model/message.h"

#include <benchmark/benchmark.h>

namespace {

sluice::model::message sample(size_t body_size, size_t attributes) {
    sluice::model::message m;
    m.id = "0192f0c3a1b2-7f3a-00000001";
    m.publish_time = sluice::timestamp(std::chrono::milliseconds(1'790'000'000'000));
    for (size_t i = 0; i < attributes; ++i) {
        m.attributes.emplace_back("key" + std::to_string(i), "value-" + std::to_string(i));
    }
    m.body.assign(body_size, 'x');
    return m;
}

void BM_MessageEncode(benchmark::State& state) {
    auto m = sample(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1)));
    for (auto _ : state) {
        auto bytes = sluice::model::encode(m);
        benchmark::DoNotOptimize(bytes);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MessageEncode)->Args({100, 0})->Args({1024, 0})->Args({1024, 4})->Args({65536, 4});

void BM_MessageDecode(benchmark::State& state) {
    auto bytes = sluice::model::encode(
        sample(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1))));
    for (auto _ : state) {
        auto m = sluice::model::decode(bytes);
        benchmark::DoNotOptimize(m);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MessageDecode)->Args({100, 0})->Args({1024, 0})->Args({1024, 4})->Args({65536, 4});

} // namespace

BENCHMARK_MAIN();
