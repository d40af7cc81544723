// Key codecs (src/broker/keys.h) and receipt handles (src/broker/receipt.h): every publish
// builds a log key; every delivery encodes a receipt; every ack decodes and verifies one.
#include "broker/keys.h"
#include "broker/receipt.h"

#include <benchmark/benchmark.h>

namespace {
namespace keys = sluice::broker::keys;

void BM_LogKeyEncode(benchmark::State& state) {
    uint64_t offset = 0;
    for (auto _ : state) {
        auto k = keys::log_key(7, 0, offset++);
        benchmark::DoNotOptimize(k);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LogKeyEncode);

void BM_LogKeyParse(benchmark::State& state) {
    auto k = keys::log_key(7, 0, 123'456'789);
    for (auto _ : state) {
        auto p = keys::parse_log_key(k);
        benchmark::DoNotOptimize(p);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LogKeyParse);

void BM_PutGetU64(benchmark::State& state) {
    std::string buf;
    uint64_t v = 0x0123456789abcdefULL;
    for (auto _ : state) {
        buf.clear();
        keys::put_u64(buf, v);
        v = keys::get_u64(buf) + 1;
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PutGetU64);

void BM_ReceiptEncode(benchmark::State& state) {
    sluice::broker::receipt_codec codec(std::string(32, 's'));
    sluice::broker::receipt r{7, 0, 0, 1};
    for (auto _ : state) {
        ++r.offset;
        auto token = codec.encode(r);
        benchmark::DoNotOptimize(token);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReceiptEncode);

void BM_ReceiptDecode(benchmark::State& state) {
    sluice::broker::receipt_codec codec(std::string(32, 's'));
    auto token = codec.encode({7, 0, 123'456, 3});
    for (auto _ : state) {
        auto r = codec.decode(token);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReceiptDecode);

void BM_ReceiptDecodeForged(benchmark::State& state) {
    sluice::broker::receipt_codec codec(std::string(32, 's'));
    auto token = sluice::broker::receipt_codec(std::string(32, 'x')).encode({7, 0, 123'456, 3});
    for (auto _ : state) {
        auto r = codec.decode(token);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReceiptDecodeForged);

} // namespace

BENCHMARK_MAIN();
