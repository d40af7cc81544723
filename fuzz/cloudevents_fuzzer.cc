// libFuzzer target for the events module's CloudEvents parsers: structured, batch and HTTP
// binary mode.
//
// Input: the whole input is given to parse_structured and parse_batch. For parse_binary it is
// split like an HTTP message: lines up to the first empty line are headers ("name: value", a
// line without ':' is a header with an empty value), the rest is the body.
//
// Properties (FUZZ_CHECK traps when one breaks):
//  - nothing crashes; an error has a code and a message;
//  - an accepted event passes validate(), its to_json() is one JSON document within the size
//    limit, and parse_structured(to_json(e)) gives the same event back (except text data with a
//    JSON content type, which reads back as a JSON string) with the same to_json();
//  - a batch has at most max_batch_events results, each checked the same way.
//
// Built by fuzz/CMakeLists.txt: with SLUICE_FUZZ=ON (clang) as cloudevents_fuzzer, otherwise as
// cloudevents_replay + the CTest fuzz.cloudevents over fuzz/corpus/cloudevents/. Run:
//   ./cloudevents_fuzzer -max_len=4096 fuzz/corpus/cloudevents
#include "events/json_doc.h"
#include "events/parse.h"
#include "fuzz_check.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace sluice::events;

void check_error(const error& e)
{
    FUZZ_CHECK(e.code != errc::ok);
    FUZZ_CHECK(!e.message.empty());
}

void check_event(const cloud_event& e, const parse_options& options)
{
    FUZZ_CHECK(validate(e, options).has_value());
    std::string json = to_json(e);
    FUZZ_CHECK(json.size() <= options.max_event_size);
    FUZZ_CHECK(detail::json_doc::parse(json).has_value());
    if (e.kind == data_kind::text && is_json_content_type(e.datacontenttype)) {
        return;
    }
    auto back = parse_structured(json, options);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(*back == e);
    FUZZ_CHECK(to_json(*back) == json);
}

void check_result(const detailed_result<cloud_event>& r, const parse_options& options)
{
    if (r) {
        check_event(*r, options);
    } else {
        check_error(r.error());
    }
}

header_list split_headers(std::string_view& input)
{
    header_list headers;
    while (!input.empty()) {
        auto nl = input.find('\n');
        std::string_view line = input.substr(0, nl);
        input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
        if (line.empty()) {
            break;
        }
        auto colon = line.find(':');
        headers.emplace_back(
          std::string(line.substr(0, colon)),
          colon == std::string_view::npos ? std::string() : std::string(line.substr(colon + 1)));
    }
    return headers;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    parse_options options;
    options.max_batch_events = 64;

    check_result(parse_structured(input, options), options);

    auto batch = parse_batch(input, options);
    if (batch) {
        FUZZ_CHECK(batch->size() <= options.max_batch_events);
        for (const auto& r : *batch) {
            check_result(r, options);
        }
    } else {
        check_error(batch.error());
    }

    std::string_view rest = input;
    header_list headers = split_headers(rest);
    auto binary = parse_binary(headers, rest, options);
    check_result(binary, options);
    if (binary && binary->kind != data_kind::binary) {
        FUZZ_CHECK(binary->kind != data_kind::none || rest.empty());
    }
    (void)detect_http_mode(headers);
    return 0;
}
