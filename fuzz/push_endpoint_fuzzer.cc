// libFuzzer target: push URLs (push::parse_endpoint) and stored topic / subscription
// definitions (JSON from the meta column). Properties: no crash; an accepted URL has a host, a
// port and an absolute target, and its printed form parses to the same endpoint; a decoded
// definition re-encodes to one that decodes the same.
#include "broker/topic_config.h"
#include "fuzz_check.h"
#include "push/endpoint.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sluice;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto e = push::parse_endpoint(in)) {
        FUZZ_CHECK(!e->host.empty());
        FUZZ_CHECK(e->port != 0);
        FUZZ_CHECK(!e->target.empty() && e->target[0] == '/');
        auto again = push::parse_endpoint(e->url());
        FUZZ_CHECK(again && again->host == e->host && again->port == e->port && again->target == e->target
                   && again->tls == e->tls);
    }
    if (auto t = broker::decode_topic_definition(in)) {
        auto again = broker::decode_topic_definition(broker::encode_definition(*t));
        FUZZ_CHECK(again && again->name == t->name && again->config == t->config);
    }
    if (auto s = broker::decode_subscription_definition(in)) {
        auto again = broker::decode_subscription_definition(broker::encode_definition(*s));
        FUZZ_CHECK(again && again->name == s->name && again->config == s->config);
    }
    return 0;
}
