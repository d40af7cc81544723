// libFuzzer target: what the event bus parses from requests and storage — rule, bus and
// schedule configs (JSON objects) and target references. Properties: no crash; an accepted
// rule's canonical form parses back to the same rule; stored definitions round-trip; an
// accepted target reference prints back to a reference that parses to the same target.
#include "bus/bus_config.h"
#include "fuzz_check.h"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sluice;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::string error;
    if (auto ref = bus::parse_target_ref(in, error)) {
        auto again = bus::parse_target_ref(ref->text(), error);
        FUZZ_CHECK(again && *again == *ref);
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(in, ec);
    if (ec || !v.is_object()) {
        return 0;
    }
    if (auto rule = bus::parse_rule_config(v.as_object(), error)) {
        auto again = bus::parse_rule_config(bus::to_json(*rule), error);
        FUZZ_CHECK(again && *again == *rule);
        bus::rule_definition d{"b", "r", from_unix_ms(1), *rule};
        auto back = bus::decode_rule_definition(bus::encode_definition(d));
        FUZZ_CHECK(back && back->config == *rule);
    }
    if (auto c = bus::parse_bus_config(v.as_object(), error)) {
        auto again = bus::parse_bus_config(bus::to_json(*c), error);
        FUZZ_CHECK(again && *again == *c);
    }
    if (auto s = bus::parse_schedule_config(v.as_object(), error)) {
        bus::schedule_definition d{"s", from_unix_ms(1), 1, *s};
        auto back = bus::decode_schedule_definition(bus::encode_definition(d));
        FUZZ_CHECK(back && back->config == *s);
    }
    return 0;
}
