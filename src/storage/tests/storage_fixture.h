#pragma once

// Helpers shared by the storage tests: a temporary directory and a parameterised fixture that
// opens either engine with the same options.

#include "storage/engine.h"
#include "storage/errc.h"
#include "storage/failure_injector.h"
#include "tests/support/run_coro.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

namespace sluice::storage::test {

using sluice::test::run_coro;

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class temp_dir {
public:
    temp_dir() {
        static std::atomic<int> counter{0};
        std::random_device rd;
        _path = std::filesystem::temp_directory_path()
                / fmt::format("sluice-storage-{}-{}-{:08x}", ::getpid(), counter++, rd());
        std::filesystem::create_directories(_path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(_path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return _path; }
    std::string str() const { return _path.string(); }

private:
    std::filesystem::path _path;
};

using kv = std::pair<std::string, std::string>;
using kvs = std::vector<kv>;

/// Opens the engine named by the test parameter ("memory" or "rocks"); rocks lives in a temp
/// dir that survives reopen() within one test.
class engine_fixture : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { open(); }
    void TearDown() override { _engine.reset(); }

    bool is_rocks() const { return GetParam() == "rocks"; }

    void open(engine_options options = {}) {
        _engine.reset();
        if (is_rocks()) {
            options.path = _dir.str();
            _engine = open_rocks_engine(options);
        } else {
            _engine = make_memory_engine(options);
        }
    }

    engine& db() { return *_engine; }

    result<void> commit(write_batch batch) { return run_coro(_engine->commit(std::move(batch))); }

    result<void> put(column col, std::string key, std::string value) {
        write_batch b;
        b.put(col, std::move(key), std::move(value));
        return commit(std::move(b));
    }

    std::optional<std::string> get(column col, std::string_view key) {
        auto r = _engine->get(col, key);
        EXPECT_TRUE(r.has_value()) << r.error().message();
        return r ? *r : std::nullopt;
    }

    kvs scan(column col, std::string_view begin, std::string_view end, size_t limit = SIZE_MAX) {
        kvs out;
        auto r = _engine->scan(col, begin, end, [&](std::string_view k, std::string_view v) {
            out.emplace_back(k, v);
            return out.size() < limit;
        });
        EXPECT_TRUE(r.has_value()) << r.error().message();
        return out;
    }

    kvs scan_reverse(
        column col, std::string_view begin, std::string_view end, size_t limit = SIZE_MAX) {
        kvs out;
        auto r = _engine->scan_reverse(col, begin, end, [&](std::string_view k, std::string_view v) {
            out.emplace_back(k, v);
            return out.size() < limit;
        });
        EXPECT_TRUE(r.has_value()) << r.error().message();
        return out;
    }

    temp_dir _dir;
    std::unique_ptr<engine> _engine;
};

inline std::string engine_param_name(const ::testing::TestParamInfo<std::string>& info) {
    return info.param;
}

} // namespace sluice::storage::test
