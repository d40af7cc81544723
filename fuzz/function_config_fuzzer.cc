// libFuzzer target: what the functions API parses — the body of a create/update request
// (functions::parse_function_request: every field, units, env, code source, cross-field
// validation), async destinations, and stored definitions. Properties: no crash; an accepted
// request is valid and its canonical form (to_json) parses back to a config with the same
// canonical form (not always the same config: fields the kind does not use, e.g. an http
// function's handler, are kept but not written; docs/RELIABILITY.md bug 16); a decoded
// definition re-encodes and decodes to the same one.
#include "functions/function_config.h"
#include "fuzz_check.h"

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sluice::functions;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    if (auto d = parse_destination(in)) {
        FUZZ_CHECK(!d->name.empty());
    }
    if (auto d = decode_definition(in)) {
        auto again = decode_definition(encode_definition(*d));
        FUZZ_CHECK(again && again->name == d->name && again->config == d->config);
        FUZZ_CHECK(again->code_sha256 == d->code_sha256);
    }
    boost::system::error_code ec;
    auto v = boost::json::parse(in, ec);
    if (ec || !v.is_object()) {
        return 0;
    }
    for (bool allow_name : {true, false}) {
        auto r = parse_function_request(v.as_object(), function_config{}, allow_name);
        if (auto* req = std::get_if<function_request>(&r)) {
            FUZZ_CHECK(validate(req->config).empty());
            auto again = parse_function_request(to_json(req->config), function_config{}, false);
            auto* back = std::get_if<function_request>(&again);
            FUZZ_CHECK(back && to_json(back->config) == to_json(req->config));
        }
    }
    return 0;
}
