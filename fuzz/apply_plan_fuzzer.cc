// libFuzzer target: `sluice apply -f app.yaml` (cli/apply_plan.h, sans-io). parse_app_spec must
// never throw or crash and must say what each problem is; a valid spec must plan against an
// empty server as one create per queue. The same input also
// goes to parse_queue_list (the server's GET /v1/queues body as the CLI reads it).
#include "cli/apply_plan.h"
#include "fuzz_check.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sluice::cli;
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto parsed = parse_app_spec(input);
    for (const auto& e : parsed.errors) {
        FUZZ_CHECK(!e.message.empty());
        (void)format_spec_error(e, "app.yaml");
    }
    if (parsed.ok()) {
        auto p = compute_plan(parsed.spec, {});
        FUZZ_CHECK(p.items.size() == parsed.spec.queues.size());
        FUZZ_CHECK(p.count(change_kind::create) == parsed.spec.queues.size());
        for (const auto& item : p.items) {
            (void)format_plan_item(item);
        }
        (void)format_plan_summary(p);
    }
    if (auto list = parse_queue_list(input)) {
        auto p = compute_plan(parsed.spec, *list);
        (void)format_plan_summary(p);
    }
    return 0;
}
