// Parsing a publish batch (POST /v1/queues/{q}/messages/batch): the server parses the body with
// Boost.JSON into a DOM and walks it into entries (src/api/queue_messages.cc). simdjson's
// on-demand walk of the same document is shown beside it as the alternative DESIGN.md names
// for hot-path JSON.
#include "api/message_parsing.h"
#include "json/object_reader.h"

#include <benchmark/benchmark.h>
#include <boost/json.hpp>
#include <simdjson.h>

#include <string>
#include <utility>
#include <vector>

namespace {

struct entry {
    std::string body;
    std::vector<std::pair<std::string, std::string>> attributes;
};

std::string make_batch(size_t messages, size_t body_size, bool with_attributes) {
    std::string out = R"({"messages":[)";
    for (size_t i = 0; i < messages; ++i) {
        if (i > 0) {
            out += ',';
        }
        out += R"({"body":")";
        out += std::to_string(i);
        out.append(body_size - std::min(body_size, std::to_string(i).size()), 'x');
        out += '"';
        if (with_attributes) {
            out += R"(,"attributes":{"tenant":"acme","kind":"order.created"})";
        }
        out += '}';
    }
    out += "]}";
    return out;
}

void BM_BoostJsonParse(benchmark::State& state) {
    auto doc = make_batch(static_cast<size_t>(state.range(0)), 1024, state.range(1) != 0);
    for (auto _ : state) {
        auto v = boost::json::parse(doc);
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_BoostJsonParse)->Args({500, 0})->Args({500, 1});

/// The same parse into a per-request monotonic arena (one allocation pattern the server could
/// adopt): the DOM's many small allocations become pointer bumps.
void BM_BoostJsonParseMonotonic(benchmark::State& state) {
    auto doc = make_batch(static_cast<size_t>(state.range(0)), 1024, state.range(1) != 0);
    for (auto _ : state) {
        boost::json::monotonic_resource mr;
        auto v = boost::json::parse(doc, &mr);
        benchmark::DoNotOptimize(v);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_BoostJsonParseMonotonic)->Args({500, 0})->Args({500, 1});

/// Parse plus the walk into entries (bodies and attributes copied out), as the handler does.
void BM_BoostJsonParseToEntries(benchmark::State& state) {
    auto doc = make_batch(static_cast<size_t>(state.range(0)), 1024, state.range(1) != 0);
    for (auto _ : state) {
        auto v = boost::json::parse(doc);
        std::vector<entry> entries;
        auto& arr = v.as_object().at("messages").as_array();
        entries.reserve(arr.size());
        for (auto& m : arr) {
            auto& o = m.as_object();
            entry e;
            e.body = std::string(o.at("body").as_string());
            if (auto* a = o.if_contains("attributes")) {
                for (auto& kv : a->as_object()) {
                    e.attributes.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
                }
            }
            entries.push_back(std::move(e));
        }
        benchmark::DoNotOptimize(entries);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_BoostJsonParseToEntries)->Args({500, 0})->Args({500, 1});

void BM_SimdjsonOnDemandToEntries(benchmark::State& state) {
    auto doc = make_batch(static_cast<size_t>(state.range(0)), 1024, state.range(1) != 0);
    simdjson::padded_string padded(doc);
    simdjson::ondemand::parser parser;
    for (auto _ : state) {
        std::vector<entry> entries;
        entries.reserve(static_cast<size_t>(state.range(0)));
        auto d = parser.iterate(padded);
        for (auto m : d["messages"].get_array()) {
            entry e;
            for (auto field : m.get_object()) {
                std::string_view key = field.unescaped_key();
                if (key == "body") {
                    e.body = std::string(std::string_view(field.value().get_string()));
                } else if (key == "attributes") {
                    for (auto kv : field.value().get_object()) {
                        std::string k(std::string_view(kv.unescaped_key()));
                        e.attributes.emplace_back(std::move(k), std::string(std::string_view(kv.value().get_string())));
                    }
                }
            }
            entries.push_back(std::move(e));
        }
        benchmark::DoNotOptimize(entries);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_SimdjsonOnDemandToEntries)->Args({500, 0})->Args({500, 1});

/// What the handler runs: json::parse, then api::parse_batch_entry on each entry (every field
/// read through json::object_reader, with its checks and unknown-field detection).
/// Third argument 1: the DOM in one arena (api::body_use::transient), as publish handlers parse.
void BM_HandlerParseToEntries(benchmark::State& state) {
    auto doc = make_batch(static_cast<size_t>(state.range(0)), 1024, state.range(1) != 0);
    for (auto _ : state) {
        std::string error;
        boost::json::storage_ptr storage;
        if (state.range(2) != 0) {
            storage = boost::json::make_shared_resource<boost::json::monotonic_resource>(
                doc.size() + doc.size() / 4 + 1024);
        }
        auto v = sluice::json::parse(doc, error, false, std::move(storage));
        auto& arr = v->as_object().at("messages").as_array();
        std::vector<sluice::broker::publish_entry> entries;
        entries.reserve(arr.size());
        for (size_t i = 0; i < arr.size(); ++i) {
            auto e = sluice::api::parse_batch_entry(arr[i], i, {});
            entries.push_back(std::move(std::get<sluice::api::batch_entry>(e).entry));
        }
        benchmark::DoNotOptimize(entries);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_HandlerParseToEntries)->Args({500, 0, 0})->Args({500, 1, 0})->Args({500, 0, 1})->Args({500, 1, 1});

} // namespace

BENCHMARK_MAIN();
