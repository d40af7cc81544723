#include "bench/server_probe.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace sluice::bench {
namespace {

constexpr std::string_view proc_net_tcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n"
    "   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 5555 1 0 20 4 30 10 -1\n"
    "   2: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0 100 0 0 10 0\n";

TEST(ServerProbe, FindsListeningSocketsOnAPort) {
    EXPECT_EQ(detail::listening_inodes(proc_net_tcp, 8080), std::vector<uint64_t>{4242});
    EXPECT_EQ(detail::listening_inodes(proc_net_tcp, 22), std::vector<uint64_t>{777});
    EXPECT_TRUE(detail::listening_inodes(proc_net_tcp, 9999).empty());
    EXPECT_TRUE(detail::listening_inodes("", 8080).empty());
}

TEST(ServerProbe, ReadsRssFromStatus) {
    EXPECT_EQ(detail::rss_from_status("Name:\tsluice\nVmHWM:\t  9000 kB\nVmRSS:\t  8192 kB\n"),
              uint64_t(8192) * 1024);
    EXPECT_FALSE(detail::rss_from_status("Name:\tsluice\n"));
}

TEST(ServerProbe, ReadsDataDirFromCommandLine) {
    using namespace std::string_literals;
    EXPECT_EQ(detail::data_dir_from_cmdline("sluice\0serve\0--data-dir\0/tmp/d\0--listen\0x\0"s),
              "/tmp/d");
    EXPECT_EQ(detail::data_dir_from_cmdline("sluice\0serve\0--data-dir=rel/d\0"s), "rel/d");
    EXPECT_FALSE(detail::data_dir_from_cmdline("sluice\0serve\0"s));
}

TEST(ServerProbe, ReadsCpuTicksFromStat) {
    EXPECT_EQ(detail::cpu_ticks_from_stat(
                  "4242 (sluice serve) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0"),
              uint64_t(300));
    EXPECT_FALSE(detail::cpu_ticks_from_stat("garbage"));
}

TEST(ServerProbe, SamplesItsOwnProcess) {
    server_probe p(::getpid(), "");
    ASSERT_TRUE(p.sample());
    EXPECT_GT(p.rss_bytes(), 0u);
    EXPECT_GE(p.peak_rss_bytes(), p.rss_bytes());
    EXPECT_FALSE(p.data_dir_bytes());
    EXPECT_TRUE(p.cpu_seconds());
}

} // namespace
} // namespace sluice::bench
