#include "config/server_config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace sluice;

namespace {
const char* no_env(const char*) { return nullptr; }
} // namespace

TEST(ServerConfig, DefaultsAreValid) {
    auto r = config::load("", {}, no_env);
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->listen, "127.0.0.1:8080");
    EXPECT_EQ(r.config->durability, "fsync");
}

TEST(ServerConfig, SourcesApplyInOrder) {
    auto path = testing::TempDir() + "/sluice.yaml";
    std::ofstream(path) << "durability: none\nshards: 3\nlog_level: warn\n";
    auto env = [](const char* name) -> const char* {
        return std::string(name) == "SLUICE_SHARDS" ? "5" : nullptr;
    };
    auto r = config::load(path, {{"log_level", "debug"}}, env);
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->durability, "none"); // file
    EXPECT_EQ(r.config->shards, 5u);         // env beats file
    EXPECT_EQ(r.config->log_level, "debug"); // flag beats all
}

TEST(ServerConfig, RejectsBadValuesWithTheirSource) {
    auto r = config::load("", {{"durability", "sometimes"}}, no_env);
    EXPECT_FALSE(r.config);
    EXPECT_NE(r.error.find("--durability"), std::string::npos) << r.error;
    r = config::load("", {{"header_timeout", "-1s"}}, no_env);
    EXPECT_FALSE(r.config);
    auto path = testing::TempDir() + "/bad.yaml";
    std::ofstream(path) << "no_such_setting: 1\n";
    r = config::load(path, {}, no_env);
    EXPECT_FALSE(r.config);
    EXPECT_NE(r.error.find("unknown setting"), std::string::npos) << r.error;
}

TEST(ServerConfig, IdlePollIsAutoByDefaultOrANumberOfMicroseconds) {
    auto r = config::load("", {}, no_env);
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->idle_poll_us, std::nullopt);
    auto env = [](const char* name) -> const char* {
        return std::string(name) == "SLUICE_IDLE_POLL_US" ? "250" : nullptr;
    };
    r = config::load("", {}, env);
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->idle_poll_us, 250u);
    r = config::load("", {{"idle_poll_us", "auto"}}, env); // the flag puts auto back
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->idle_poll_us, std::nullopt);
    r = config::load("", {{"idle_poll_us", "0"}}, no_env);
    ASSERT_TRUE(r.config) << r.error;
    EXPECT_EQ(r.config->idle_poll_us, 0u);
    for (const char* bad : {"", "-1", "100001", "400us", "Auto", " 400"}) {
        r = config::load("", {{"idle_poll_us", bad}}, no_env);
        EXPECT_FALSE(r.config) << bad;
        EXPECT_NE(r.error.find("expected auto or an integer in 0..100000"), std::string::npos) << r.error;
    }
}

TEST(ServerConfig, OffLoopbackRequiresAnApiKey) {
    auto r = config::load("", {{"listen", "0.0.0.0:8080"}}, no_env);
    EXPECT_FALSE(r.config);
    EXPECT_NE(r.error.find("API key"), std::string::npos);
    r = config::load("", {{"listen", "0.0.0.0:8080"}, {"api_key", "k"}}, no_env);
    EXPECT_TRUE(r.config) << r.error;
    EXPECT_TRUE(config::is_loopback_listen("127.0.0.1:1"));
    EXPECT_TRUE(config::is_loopback_listen("[::1]:1"));
    EXPECT_FALSE(config::is_loopback_listen("10.0.0.1:1"));
}
