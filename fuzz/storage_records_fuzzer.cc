// libFuzzer target: what the broker reads back from storage at start — the key encodings of
// broker/keys.h (log keys, state keys: delivery counts, scheduled messages and their index,
// dedup entries, counters, subscription cursors and acks), the stored queue / topic /
// subscription definitions and the message codec — then the API on top of what was recovered.
//
// A template engine is made once through the API: queue "q" and topic "t" with subscriptions
// (api_stack::populate), plus a delayed and a deduplicated publish, leases (delivery counts) and
// an ack on the retained subscription. Each input is a list of edits to a copy of its records:
//   [op][n][len][len bytes]... with template record r = records[n % size]:
//   op 0: r's value := bytes          op 1: erase r
//   op 2: r's key cut to bytes[0] % (key size + 1) bytes, then the rest of bytes appended
//         (a new key under a real prefix), r's value
//   op 3: key := bytes in column n % 3, r's value
// Then a fresh stack recovers the copy and the usual calls run on it. Properties: recovery
// either refuses with std::runtime_error (as the server's start does) or succeeds; nothing
// crashes or throws out of a handler; every error answer has the documented shape (a 500 is
// allowed: the storage is corrupt). The template itself must recover to the same queue.
#include "api_stack.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace sluice;
using beast_verb = boost::beast::http::verb;

struct record {
    storage::column col;
    std::string key;
    std::string value;
};

std::vector<record> make_template() {
    auto engine = storage::make_memory_engine();
    {
        fuzz::api_stack s(*engine);
        s.populate();
        auto r = s.call(beast_verb::post, "/v1/queues/q/messages/batch",
            R"({"messages":[{"body":"later","delay":"1h"},{"body":"once","dedup_id":"d1"}]})");
        FUZZ_CHECK(r.result_int() == 201);
        r = s.call(beast_verb::post, "/v1/queues/q/receive", R"({"max_messages":2,"visibility_timeout":"12h"})");
        FUZZ_CHECK(r.result_int() == 200);
        r = s.call(beast_verb::post, "/v1/topics/t/subscriptions/s/receive", R"({"max_messages":2})");
        FUZZ_CHECK(r.result_int() == 200);
        boost::system::error_code ec;
        auto doc = boost::json::parse(r.body(), ec);
        FUZZ_CHECK(!ec);
        auto& msgs = doc.as_object()["messages"].as_array();
        FUZZ_CHECK(!msgs.empty());
        std::string ack = R"({"receipts":[")" + std::string(msgs[0].as_object()["receipt"].as_string()) + R"("]})";
        r = s.call(beast_verb::post, "/v1/topics/t/subscriptions/s/ack", ack);
        FUZZ_CHECK(r.result_int() == 200);
    }
    std::vector<record> out;
    for (int c = 0; c < storage::column_count; ++c) {
        auto col = static_cast<storage::column>(c);
        auto r = engine->scan(col, "", std::string(64, '\xff'), [&](std::string_view k, std::string_view v) {
            out.push_back({col, std::string(k), std::string(v)});
            return true;
        });
        FUZZ_CHECK(r);
    }
    FUZZ_CHECK(!out.empty());
    return out;
}

const std::vector<record>& the_template() {
    static const auto* t = new std::vector<record>(make_template());
    return *t;
}

/// The template's records with the input's edits applied (applied in order, as one batch).
storage::write_batch edited(std::string_view in) {
    const auto& t = the_template();
    storage::write_batch b;
    for (const auto& r : t) {
        b.put(r.col, r.key, r.value);
    }
    while (in.size() >= 3) {
        auto op = static_cast<uint8_t>(in[0]) % 4;
        auto n = static_cast<uint8_t>(in[1]);
        const auto& r = t[n % t.size()];
        auto len = std::min<size_t>(static_cast<uint8_t>(in[2]), in.size() - 3);
        auto bytes = in.substr(3, len);
        in.remove_prefix(3 + len);
        switch (op) {
        case 0:
            b.put(r.col, r.key, std::string(bytes));
            break;
        case 1:
            b.erase(r.col, r.key);
            break;
        case 2: {
            size_t keep = bytes.empty() ? 0 : static_cast<uint8_t>(bytes[0]) % (r.key.size() + 1);
            std::string key = r.key.substr(0, keep);
            key.append(bytes.substr(bytes.empty() ? 0 : 1));
            b.put(r.col, std::move(key), r.value);
            break;
        }
        case 3:
            b.put(static_cast<storage::column>(n % storage::column_count), std::string(bytes), r.value);
            break;
        }
    }
    return b;
}

/// The calls every recovered state must survive; returns the status of GET /v1/queues/q.
unsigned exercise(fuzz::api_stack& s) {
    struct step {
        beast_verb verb;
        const char* target;
        const char* body;
    };
    static constexpr step steps[] = {
        {beast_verb::get, "/v1/queues", ""},
        {beast_verb::get, "/v1/queues/q", ""},
        {beast_verb::post, "/v1/queues/q/receive", R"({"max_messages":10,"visibility_timeout":"0s"})"},
        {beast_verb::post, "/v1/queues/q/receive", R"({"max_messages":10})"},
        {beast_verb::post, "/v1/queues/q/messages", "new"},
        {beast_verb::post, "/v1/queues/q/messages/batch", R"({"messages":[{"body":"again","dedup_id":"d1"}]})"},
        {beast_verb::get, "/v1/topics", ""},
        {beast_verb::get, "/v1/topics/t", ""},
        {beast_verb::get, "/v1/topics/t/subscriptions", ""},
        {beast_verb::post, "/v1/topics/t/subscriptions/s/receive", R"({"max_messages":10})"},
        {beast_verb::post, "/v1/topics/t/subscriptions/b/receive", R"({"max_messages":10,"consumer":"c1"})"},
        {beast_verb::post, "/v1/topics/t/messages", "new"},
        {beast_verb::post, "/v1/topics/t/subscriptions/s/seek", R"({"to":"earliest"})"},
        {beast_verb::delete_, "/v1/topics/t/subscriptions/s", ""},
        {beast_verb::delete_, "/v1/queues/q", ""},
    };
    unsigned queue_status = 0;
    for (const auto& st : steps) {
        auto r = s.call(st.verb, st.target, st.body);
        fuzz::check_response(r, true);
        if (st.verb == beast_verb::get && std::string_view(st.target) == "/v1/queues/q") {
            queue_status = r.result_int();
        }
    }
    return queue_status;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto engine = storage::make_memory_engine();
    FUZZ_CHECK(storage::commit_blocking(*engine, edited(in)));
    std::unique_ptr<fuzz::api_stack> s;
    try {
        s = std::make_unique<fuzz::api_stack>(*engine);
    } catch (const std::runtime_error&) {
        return 0; // refused at start with a message: what the server does with corrupt state
    }
    auto status = exercise(*s);
    if (in.size() < 3) { // no edit: the template recovers as written
        FUZZ_CHECK(status == 200);
    }
    return 0;
}
