#include "bench/bus_event.h"

#include <fmt/format.h>

#include <array>
#include <string_view>

namespace sluice::bench {
namespace {

constexpr std::array<std::string_view, 8> regions{
    "us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
    "ap-south-1", "ap-northeast-1", "sa-east-1", "ca-central-1"};

constexpr uint32_t amount_span = 1000;

std::string region_list() {
    std::string out;
    for (auto r : regions) {
        if (!out.empty()) {
            out += ',';
        }
        out += '"';
        out += r;
        out += '"';
    }
    return out;
}

} // namespace

void append_bus_event(std::string& out, const body_stamp& stamp, size_t size) {
    const auto start = out.size();
    out += R"({"specversion":"1.0","id":")";
    out += std::to_string(stamp.seq);
    out += R"(","source":"/sluice-bench","type":"order.created","datacontenttype":"application/json",)"
           R"("data":{"region":")";
    out += regions[stamp.seq % regions.size()];
    out += R"(","amount":)";
    out += std::to_string(stamp.seq * 37 % amount_span);
    out += R"(,"stamp":")";
    // The stamp pads the event to `size` ("}} closes it).
    const size_t used = out.size() - start + 3;
    append_body(out, stamp, size > used ? size - used : 0);
    out += R"("}})";
}

std::string live_rule_body(uint32_t index, uint32_t live, std::string_view target) {
    const uint64_t lo = uint64_t(amount_span) * index / live;
    const uint64_t hi = uint64_t(amount_span) * (index + 1) / live;
    return fmt::format(
        R"({{"pattern":{{"type":["order.created"],"data":{{"region":[{}],)"
        R"("amount":[{{"numeric":[">=",{},"<",{}]}}]}}}},"targets":["queue:{}"]}})",
        region_list(), lo, hi, target);
}

std::string decoy_rule_body(uint32_t index, std::string_view target) {
    const auto region = regions[index % regions.size()];
    std::string pattern;
    switch (index % 3) {
    case 0: // the events' type and region, an amount none has
        pattern = fmt::format(
            R"({{"type":["order.created"],"data":{{"region":["{}"],"amount":[{{"numeric":[">=",{},"<",{}]}}]}}}})",
            region, amount_span + index, amount_span + index + 1);
        break;
    case 1: // a near miss: type, region and a narrow amount range as events have, and a field none has
        pattern = fmt::format(
            R"({{"type":["order.created"],"data":{{"region":["{}"],"amount":[{{"numeric":[">=",{},"<",{}]}}],)"
            R"("currency":["XXX"]}}}})",
            region, index % amount_span, index % amount_span + 1);
        break;
    default: // a region never sent
        pattern = fmt::format(
            R"({{"type":["order.created"],"data":{{"region":["zz-{}"],"amount":[{{"numeric":[">=",0,"<",{}]}}]}}}})",
            index, amount_span);
        break;
    }
    return fmt::format(R"({{"pattern":{},"targets":["queue:{}"]}})", pattern, target);
}

} // namespace sluice::bench
