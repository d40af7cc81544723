#include "shard/cpu_quota.h"

#include <gtest/gtest.h>

using namespace sluice::shard;

TEST(CpuQuota, CgroupV2CpuMax) {
    EXPECT_EQ(parse_cpu_max("max 100000\n"), std::nullopt);
    EXPECT_EQ(parse_cpu_max("150000 100000\n"), 1.5);
    EXPECT_EQ(parse_cpu_max("50000 100000"), 0.5);
    for (const char* bad : {"", "\n", "150000", "abc 100000", "150000 0", "-1 100000", "1 2 3"}) {
        EXPECT_EQ(parse_cpu_max(bad), std::nullopt) << bad;
    }
}

TEST(CpuQuota, CgroupV1CfsQuota) {
    EXPECT_EQ(parse_cfs_quota("-1\n", "100000\n"), std::nullopt);
    EXPECT_EQ(parse_cfs_quota("200000\n", "100000\n"), 2.0);
    EXPECT_EQ(parse_cfs_quota("x", "100000"), std::nullopt);
    EXPECT_EQ(parse_cfs_quota("100000", "0"), std::nullopt);
}

TEST(CpuQuota, PathsFromProcSelfCgroup) {
    const char* v1 = "9:name=systemd:/\n4:memory:/m\n2:cpuacct,cpu:/pod/c1\n0::/\n";
    EXPECT_EQ(cgroup_path(v1, "cpu"), "/pod/c1");
    EXPECT_EQ(cgroup_path(v1, ""), "/");
    const char* v2 = "0::/system.slice/sluice.service\n";
    EXPECT_EQ(cgroup_path(v2, ""), "/system.slice/sluice.service");
    EXPECT_EQ(cgroup_path(v2, "cpu"), std::nullopt);
    EXPECT_EQ(cgroup_path("4:cpuacct:/x\n", "cpu"), std::nullopt); // not a prefix match
    EXPECT_EQ(cgroup_path("garbage", ""), std::nullopt);
    EXPECT_EQ(cgroup_path("", "cpu"), std::nullopt);
}

TEST(CpuQuota, ThisProcessAnswersWithoutThrowing) {
    auto q = cgroup_cpu_quota(); // whatever this machine has; a limit is positive
    if (q) {
        EXPECT_GT(*q, 0.0);
    }
}
