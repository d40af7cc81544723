// libFuzzer target: what a trigger parses — a handler's batchItemFailures response (from user
// code), endpoint references (`queue:X`, `topic:T/S`) and stored definitions. Properties: no
// crash; reported failures are always ids of the batch; an accepted reference prints back to
// itself; a decoded definition re-encodes and decodes to the same one.
#include "fuzz_check.h"
#include "triggers/records.h"
#include "triggers/trigger_config.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sluice;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<broker::delivery> batch(3);
    batch[0].message.id = "a";
    batch[1].message.id = "b";
    batch[2].message.id = "c";
    if (auto failed = triggers::batch_item_failures(in, batch)) {
        for (auto& id : *failed) {
            FUZZ_CHECK(id == "a" || id == "b" || id == "c");
        }
    }
    std::string err;
    for (bool sub : {true, false}) {
        if (auto ref = triggers::parse_endpoint_ref(in, sub, err)) {
            FUZZ_CHECK(ref->text() == in);
        }
    }
    if (auto d = triggers::decode_trigger_definition(in)) {
        auto again = triggers::decode_trigger_definition(triggers::encode_definition(*d));
        FUZZ_CHECK(again && again->name == d->name && again->config == d->config);
    }
    return 0;
}
