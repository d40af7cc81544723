// libFuzzer target: request bodies of the queue and topic APIs, through the real stack — router,
// handlers (json::parse, object_reader, the publish-batch / receive / ack / visibility parsers in
// api/queue_messages.cc and api/topic_messages.cc, the queue config parser in api/queues.cc, the
// topic and subscription config parsers and seek in api/topics.cc), queue_frontend,
// topic_frontend and the broker — on the in-memory engine, one shard run on this thread.
//
// Input: byte 0 picks the endpoint, the rest is the body. The text RCPT in a body is replaced by
// a live receipt (of a message received just before from the same queue or subscription), so ack
// and visibility reach past receipt decoding. Properties: nothing crashes, no answer is a 500,
// every error has the documented shape, and the queue / topic still answers afterwards.
#include "api_stack.h"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace sluice;
using sluice::fuzz::check_response;

struct memory_engine {
    std::unique_ptr<storage::engine> engine = storage::make_memory_engine();
};

struct stack : memory_engine, fuzz::api_stack {
    uint64_t runs = 0;

    stack() : api_stack(*memory_engine::engine) { reset(); }

    /// Drops every queue and topic, then creates the usual ones again (bounded memory across
    /// runs).
    void reset() {
        for (auto& q : run(queues.list())) {
            (void)run(queues.remove(q.definition.name));
        }
        for (auto& t : run(topics.list_topics())) {
            (void)run(topics.delete_topic(t.definition.name));
        }
        populate();
    }

    /// A receipt of a current delivery from `source` ("/v1/queues/q" or a subscription), or a
    /// fixed string when there is none.
    std::string live_receipt(std::string_view source) {
        bool topic = source.starts_with("/v1/topics");
        (void)call(
            beast_verb::post, topic ? "/v1/topics/t/messages" : "/v1/queues/q/messages", "for a receipt");
        auto r = call(
            beast_verb::post, std::string(source) + "/receive",
            topic ? R"({"visibility_timeout":"12h","consumer":"c1"})" : R"({"visibility_timeout":"12h"})");
        boost::system::error_code ec;
        auto doc = boost::json::parse(r.body(), ec);
        if (!ec && doc.is_object()) {
            auto& msgs = doc.as_object()["messages"];
            if (msgs.is_array() && !msgs.as_array().empty()) {
                return std::string(msgs.as_array()[0].as_object()["receipt"].as_string());
            }
        }
        return "no-receipt";
    }
};

stack& the_stack() {
    static auto* s = new stack(); // never destroyed: libFuzzer exits without unwinding
    return *s;
}

struct endpoint {
    boost::beast::http::verb verb;
    const char* target;
    const char* receipts = "/v1/queues/q"; ///< where RCPT in the body gets a receipt from
    bool pushes = false; ///< the body may configure a push subscription
};

constexpr endpoint endpoints[] = {
    {boost::beast::http::verb::post, "/v1/queues"},
    {boost::beast::http::verb::put, "/v1/queues/q"},
    {boost::beast::http::verb::post, "/v1/queues/q/messages/batch"},
    {boost::beast::http::verb::post, "/v1/queues/q/receive"},
    {boost::beast::http::verb::post, "/v1/queues/q/ack"},
    {boost::beast::http::verb::post, "/v1/queues/q/visibility"},
    {boost::beast::http::verb::post, "/v1/queues/q/visibility/batch"},
    {boost::beast::http::verb::post, "/v1/queues/q/messages"},
    {boost::beast::http::verb::put, "/v1/queues/dlq-target"},
    {boost::beast::http::verb::post, "/v1/queues/q/purge"},
    // Topics (appended: the seeds above keep their endpoint).
    {boost::beast::http::verb::post, "/v1/topics"},
    {boost::beast::http::verb::put, "/v1/topics/t"},
    {boost::beast::http::verb::post, "/v1/topics/t/messages/batch"},
    {boost::beast::http::verb::post, "/v1/topics/t/messages"},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions", "/v1/queues/q", true},
    {boost::beast::http::verb::put, "/v1/topics/t/subscriptions/s", "/v1/queues/q", true},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions/s/receive", "/v1/topics/t/subscriptions/s"},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions/b/receive", "/v1/topics/t/subscriptions/b"},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions/s/ack", "/v1/topics/t/subscriptions/s"},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions/b/ack", "/v1/topics/t/subscriptions/b"},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions/s/visibility", "/v1/topics/t/subscriptions/s"},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions/s/seek"},
    {boost::beast::http::verb::post, "/v1/topics/t/subscriptions/b/seek"},
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    auto& s = the_stack();
    if (++s.runs % 256 == 0) {
        s.reset();
    }
    const auto& ep = endpoints[data[0] % std::size(endpoints)];
    std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
    // A push subscription starts a pusher that connects out and waits on real time, which this
    // one-thread harness cannot run; push configs are fuzzed by push_endpoint_fuzzer.
    if (ep.pushes && (body.find("push") != std::string::npos || body.find("\\u") != std::string::npos)) {
        return 0;
    }
    for (size_t at = body.find("RCPT"); at != std::string::npos; at = body.find("RCPT", at)) {
        auto receipt = s.live_receipt(ep.receipts);
        body.replace(at, 4, receipt);
        at += receipt.size();
    }
    check_response(s.call(ep.verb, ep.target, std::move(body)));
    // Whatever happened, the queue and the topic still answer (200, or 404 after a deletion).
    for (const char* target : {"/v1/queues/q", "/v1/topics/t", "/v1/topics/t/subscriptions/s"}) {
        auto after = s.call(boost::beast::http::verb::get, target, "");
        check_response(after);
        FUZZ_CHECK(after.result_int() == 200 || after.result_int() == 404);
    }
    return 0;
}
