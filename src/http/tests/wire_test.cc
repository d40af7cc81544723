#include "http/wire.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>

#include <sstream>

namespace sluice::http {
namespace {

/// What Beast's own serializer writes for `res`: the reference response_head must match.
std::string beast_bytes(response& res) {
    std::ostringstream os;
    os << res;
    return os.str();
}

response make(unsigned status, unsigned version, std::string body) {
    response res{static_cast<beast::http::status>(status), version};
    res.set(beast::http::field::content_type, "application/json");
    res.set("X-Request-Id", "r-1");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

TEST(ResponseHead, IsTheBytesBeastWritesBeforeTheBody) {
    std::vector<response> cases;
    cases.push_back(make(200, 11, R"({"ok":true})"));
    cases.push_back(make(201, 11, R"({"message_id":"x"})"));
    cases.push_back(make(204, 11, ""));
    cases.push_back(make(404, 10, "{}"));
    cases.push_back(make(503, 11, "{}"));
    cases.back().set(beast::http::field::retry_after, "1");
    cases.push_back(make(200, 10, "{}"));
    cases.back().keep_alive(true); // HTTP/1.0 keep-alive: a Connection field
    cases.push_back(make(200, 11, "{}"));
    cases.back().keep_alive(false); // HTTP/1.1 close
    cases.push_back(make(299, 11, "{}")); // no standard reason
    cases.push_back(make(200, 11, "{}"));
    cases.back().reason("Fine");
    cases.push_back(make(200, 11, "{}"));
    cases.back().insert("X-Twice", "a");
    cases.back().insert("X-Twice", "b"); // repeated fields keep their order
    for (auto& res : cases) {
        auto head = response_head(res);
        EXPECT_EQ(head + res.body(), beast_bytes(res)) << head;
    }
}

} // namespace
} // namespace sluice::http
