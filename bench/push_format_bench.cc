// Push delivery request building (src/push/format.h): runs once per delivery attempt of a push
// subscription, on the subscription's shard. Args: {body bytes, attributes, signed (0/1)}.
#include "push/format.h"
#include "push/signature.h"

#include <benchmark/benchmark.h>

namespace {
using attribute_list = std::vector<std::pair<std::string, std::string>>;

struct sample
{
    sample(std::size_t body_size, std::size_t attributes, bool binary)
    {
        for (std::size_t i = 0; i < attributes; ++i) {
            attrs.emplace_back("key" + std::to_string(i), "value-" + std::to_string(i));
        }
        // JSON-looking text (quotes to escape), or bytes that are not UTF-8 (base64 path).
        std::string unit
          = binary ? std::string("\xff\x00\x81\x7f", 4) : std::string(R"({"k":"v",)");
        while (body.size() < body_size) {
            body += unit;
        }
        body.resize(body_size);
        view.id = "0192f0c3a1b2-7f3a-00000001";
        view.body = body;
        view.attributes = attrs;
        view.publish_time = sluice::timestamp(std::chrono::milliseconds(1'790'000'000'000));
        view.topic = "orders";
        view.subscription = "billing-push";
        view.partition = 3;
        view.offset = 123'456;
        view.delivery_count = 1;
    }
    attribute_list attrs;
    std::string body;
    sluice::push::message_view view;
};

void run(benchmark::State& state, sluice::push::format_mode mode, bool binary)
{
    sample s(
      static_cast<std::size_t>(state.range(0)), static_cast<std::size_t>(state.range(1)), binary);
    sluice::push::format_options o{ .mode = mode,
                                    .secret = state.range(2) ? "whsec_0123456789abcdef" : "",
                                    .now = s.view.publish_time };
    for (auto _ : state) {
        auto r = sluice::push::format_request(s.view, o);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_PushFormatJson(benchmark::State& state)
{
    run(state, sluice::push::format_mode::json, false);
}
BENCHMARK(BM_PushFormatJson)->Args({ 1024, 4, 0 })->Args({ 1024, 4, 1 })->Args({ 65536, 4, 1 });

void BM_PushFormatJsonBinaryBody(benchmark::State& state)
{
    run(state, sluice::push::format_mode::json, true);
}
BENCHMARK(BM_PushFormatJsonBinaryBody)->Args({ 1024, 4, 0 })->Args({ 1024, 4, 1 });

void BM_PushFormatCloudEvents(benchmark::State& state)
{
    run(state, sluice::push::format_mode::cloudevents_binary, false);
}
BENCHMARK(BM_PushFormatCloudEvents)
  ->Args({ 1024, 4, 0 })
  ->Args({ 1024, 4, 1 })
  ->Args({ 65536, 4, 1 });

void BM_PushSign(benchmark::State& state)
{
    std::string body(static_cast<std::size_t>(state.range(0)), 'x');
    for (auto _ : state) {
        auto sig = sluice::push::sign("whsec_0123456789abcdef", body);
        benchmark::DoNotOptimize(sig);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_PushSign)->Arg(1024)->Arg(65536);
} // namespace

BENCHMARK_MAIN();
