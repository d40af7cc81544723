#include "bench/report.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sluice::bench {
namespace {

run_report sample_report(bool ok) {
    run_report r;
    r.workload = "throughput";
    r.server = "http://127.0.0.1:8080";
    r.queue = "bench-throughput-1";
    r.settings = {{"producers", "2"}};
    r.phases = {{"publish", 1000, 0.5}, {"consume", 1000, 0.5}};
    latency_histogram h;
    h.record(uint64_t(250'000));
    r.latencies.push_back({"publish", "batch sent -> publish answered", h});
    r.checks = {{"exactly_once", ok, "detail"}};
    return r;
}

TEST(Report, SummaryShowsRatesLatencyAndVerdict) {
    auto text = format_summary(sample_report(true));
    EXPECT_NE(text.find("2,000 msg/s"), std::string::npos) << text;
    EXPECT_NE(text.find("p99 0.250 ms"), std::string::npos) << text;
    EXPECT_NE(text.find("PASS"), std::string::npos) << text;
    EXPECT_NE(format_summary(sample_report(false)).find("FAIL"), std::string::npos);
}

TEST(Report, JsonHasStableKeys) {
    auto doc = boost::json::parse(format_json(sample_report(true))).as_object();
    EXPECT_EQ(doc.at("workload").as_string(), "throughput");
    EXPECT_TRUE(doc.at("ok").as_bool());
    EXPECT_DOUBLE_EQ(doc.at("phases").at("publish").at("rate").as_double(), 2000.0);
    EXPECT_DOUBLE_EQ(doc.at("latency").at("publish").at("p50_ms").as_double(), 0.25);
    EXPECT_EQ(doc.at("checks").as_array().size(), 1u);
}

TEST(Report, NoChecksIsNotOk) {
    run_report r;
    EXPECT_FALSE(r.ok());
}

TEST(Report, FormatsBytesAndLatency) {
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(3u << 20), "3.0 MiB");
    EXPECT_EQ(format_latency(85'000), "0.085 ms");
    EXPECT_EQ(format_latency(1'520'000'000), "1.52 s");
}

} // namespace
} // namespace sluice::bench
