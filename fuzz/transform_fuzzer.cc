// libFuzzer target for input transforms: compile_transform + apply.
//
// Input: a transform configuration, optionally followed by "\n===\n" and an event JSON (else a
// fixed sample event is used).
//
// Properties (FUZZ_CHECK traps when one breaks):
//  - nothing crashes; a compile error has a code and a message that says where ("at $…",
//    "malformed JSON …" or the size limit);
//  - the canonical config compiles back to an equal transform;
//  - apply() never crashes, on JSON and non-JSON events; when the event is JSON, the data and
//    constant kinds and every JSON template produce one JSON document.
//
// Built by fuzz/CMakeLists.txt: with SLUICE_FUZZ=ON (clang) as transform_fuzzer, otherwise as
// transform_replay + the CTest fuzz.transform over fuzz/corpus/transform/. Run:
//   ./transform_fuzzer -max_len=4096 fuzz/corpus/transform
#include "events/json_doc.h"
#include "events/transform.h"
#include "fuzz_check.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace sluice::events;

constexpr std::string_view sample_event
  = R"({"specversion":"1.0","id":"e-1","source":"/shop","type":"order.created","tenant":"acme",)"
    R"("count":3,"data":{"order":{"id":"A\"7","total":12.50,"items":[{"sku":"x1"},{"sku":"y2"}],)"
    R"("meta":{"k":"v"},"note":null},"a b":"\u00e9"}})";

bool is_json(std::string_view text)
{
    return detail::json_doc::parse(text).has_value();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string_view config = input;
    std::string_view event = sample_event;
    if (auto sep = input.find("\n===\n"); sep != std::string_view::npos) {
        config = input.substr(0, sep);
        event = input.substr(sep + 5);
    }

    auto t = compile_transform(config);
    if (!t) {
        FUZZ_CHECK(t.error().code != errc::ok);
        const std::string& m = t.error().message;
        FUZZ_CHECK(
          m.starts_with("at $") || m.starts_with("malformed JSON")
          || m.starts_with("transform configuration is "));
        return 0;
    }
    auto again = compile_transform(t->to_json());
    FUZZ_CHECK(again.has_value());
    FUZZ_CHECK(*again == *t);
    FUZZ_CHECK(!t->describe().empty());

    transform_context ctx{ "rule\"1", "bus\\x", "2026-01-02T03:04:05Z" };
    for (std::string_view e : { event, sample_event, std::string_view("{broken") }) {
        std::string out = apply(*t, e, ctx);
        bool event_is_json = is_json(e);
        switch (t->kind) {
            case transform_kind::event:
                FUZZ_CHECK(out == e);
                break;
            case transform_kind::data:
            case transform_kind::constant:
                FUZZ_CHECK(is_json(out));
                break;
            case transform_kind::input_template:
                if (t->template_is_json && event_is_json) {
                    FUZZ_CHECK(is_json(out));
                }
                break;
        }
    }
    return 0;
}
