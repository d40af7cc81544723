#include "functions/function_log.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include <filesystem>

namespace sluice::functions {
namespace {
namespace fs = std::filesystem;

class FunctionLogFixture : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluice-log-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    void TearDown() override { fs::remove_all(dir); }
    std::vector<log_line> read(function_log& log, uint64_t since, size_t limit) {
        auto f = asio::co_spawn(io, log.read(since, limit, millis(0)), asio::use_future);
        io.restart();
        io.run();
        return f.get();
    }
    fs::path dir;
    asio::io_context io;
};

TEST_F(FunctionLogFixture, LinesAreTaggedAndNumbered) {
    function_log log(dir, io.get_executor());
    log.append(from_unix_ms(1000), "i1", "req-1", "hello");
    log.append(from_unix_ms(2000), "i1", "", "idle line\r");
    auto lines = read(log, 0, 10);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0].seq, 1u);
    EXPECT_EQ(lines[0].invocation_id, "req-1");
    EXPECT_EQ(lines[1].text, "idle line");
    EXPECT_EQ(read(log, 1, 10).size(), 1u);
}

TEST_F(FunctionLogFixture, BoundedInMemoryAndOnDisk) {
    function_log log(dir, io.get_executor());
    std::string line(1000, 'x');
    for (int i = 0; i < 5000; ++i) {
        log.append(from_unix_ms(i), "i1", "r", line);
    }
    log.append(from_unix_ms(1), "i1", "r", std::string(100'000, 'y')); // cut
    auto lines = read(log, 0, 100'000);
    EXPECT_EQ(lines.size(), function_log::max_lines);
    EXPECT_LE(lines.back().text.size(), function_log::max_line_bytes + 16);
    uint64_t disk = 0;
    for (auto& e : fs::directory_iterator(dir)) {
        disk += fs::file_size(e.path());
    }
    EXPECT_LE(disk, 2 * function_log::max_file_bytes);
}

} // namespace
} // namespace sluice::functions
