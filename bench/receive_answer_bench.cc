// Building a receive answer ({"messages":[…]}, src/api/receive_json.cc): once per receive, on
// the queue's shard, for every message consumed. Each body is checked for UTF-8 and written
// as a JSON string (escaping what needs it); a receipt and the times are formatted per message.
#include "api/receive_json.h"

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

namespace {

using namespace sluice;

std::vector<broker::delivery> make_deliveries(size_t n, size_t body_size, bool non_ascii) {
    std::vector<broker::delivery> out(n);
    for (size_t i = 0; i < n; ++i) {
        auto& d = out[i];
        d.offset = i;
        d.message.id = "01a204ddd7d0-d59e8a-" + std::to_string(1'000'000'000 + i);
        d.message.publish_time = timestamp(std::chrono::milliseconds(1'795'000'000'000 + int64_t(i)));
        d.message.body.reserve(body_size);
        while (d.message.body.size() + 16 <= body_size) {
            d.message.body += non_ascii ? "caf\xc3\xa9 cr\xc3\xa8me, " : "order 42, total ";
        }
        d.message.body.resize(body_size, 'x');
        d.message.attributes = {{"tenant", "acme"}};
        d.receipt = "AAAAAgAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAQ1yK3uV1x7pZ0b0";
        d.delivery_count = 1;
        d.first_receive = d.message.publish_time;
    }
    return out;
}

void BM_ReceiveAnswer(benchmark::State& state) {
    const auto got = make_deliveries(size_t(state.range(0)), 1024, state.range(1) != 0);
    const api::delivery_view view;
    size_t bytes = 0;
    for (auto _ : state) {
        auto text = api::receive_answer(got, view);
        bytes += text.size();
        benchmark::DoNotOptimize(text);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * state.range(0));
    state.SetBytesProcessed(int64_t(bytes));
}
// 500 messages of 1 KiB (the peers' consumer batch): ASCII, then text with accented letters.
BENCHMARK(BM_ReceiveAnswer)->Args({500, 0})->Args({500, 1});

} // namespace

BENCHMARK_MAIN();
