#include "functions/code_store.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace sluice::functions {
namespace {
namespace fs = std::filesystem;

TEST(CodeStorePaths, SafeEntryNames) {
    EXPECT_EQ(safe_entry_path("app.py"), "app.py");
    EXPECT_EQ(safe_entry_path("./lib/x.py"), "lib/x.py");
    EXPECT_EQ(safe_entry_path("a//b/./c"), "a/b/c");
    EXPECT_EQ(safe_entry_path("./"), "");
    EXPECT_FALSE(safe_entry_path("../evil"));
    EXPECT_FALSE(safe_entry_path("a/../../evil"));
    EXPECT_FALSE(safe_entry_path("a/.."));
    EXPECT_FALSE(safe_entry_path("/etc/passwd"));
    EXPECT_FALSE(safe_entry_path(""));
    EXPECT_FALSE(safe_entry_path("a\\..\\b"));
}

TEST(CodeStorePaths, SymlinksMustStayInside) {
    EXPECT_TRUE(symlink_stays_inside("lib/link", "../app.py"));
    EXPECT_TRUE(symlink_stays_inside("link", "lib/x.py"));
    EXPECT_FALSE(symlink_stays_inside("link", "../outside"));
    EXPECT_FALSE(symlink_stays_inside("lib/link", "../../outside"));
    EXPECT_FALSE(symlink_stays_inside("link", "/etc/passwd"));
    EXPECT_FALSE(symlink_stays_inside("a/link", "b/../../.."));
}

class CodeStoreFixture : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/sluice-code-XXXXXX";
        root = ::mkdtemp(tmpl);
    }
    void TearDown() override { fs::remove_all(root); }
    std::string make_tar(const std::string& setup) {
        // Builds an archive with the system tar in a scratch dir, returns its bytes.
        auto src = root / "src";
        fs::create_directories(src);
        std::string cmd = "cd " + src.string() + " && " + setup;
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
        std::ifstream in(src / "out.tar.gz", std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
    fs::path root;
};

TEST_F(CodeStoreFixture, ExtractsAndHashesByContent) {
    auto tgz = make_tar("mkdir -p c/lib && echo 'x=1' > c/app.py && echo y > c/lib/y && tar czf out.tar.gz -C c .");
    auto a = store_code(root / "functions", "f", code_source{tgz, {}}, {});
    ASSERT_TRUE(std::holds_alternative<std::string>(a)) << std::get<code_error>(a).message;
    auto sha = std::get<std::string>(a);
    EXPECT_EQ(sha.size(), 64u);
    EXPECT_TRUE(fs::exists(code_path(root / "functions", "f", sha) / "lib" / "y"));
    // The same content from a directory gets the same version.
    auto b = store_code(root / "functions", "f", code_source{{}, (root / "src" / "c").string()}, {});
    ASSERT_TRUE(std::holds_alternative<std::string>(b));
    EXPECT_EQ(std::get<std::string>(b), sha);
}

TEST_F(CodeStoreFixture, RefusesEscapingEntries) {
    auto tgz = make_tar("mkdir c && echo x > evil && tar czf out.tar.gz -P c ../src/evil 2>/dev/null || "
                        "tar czf out.tar.gz --absolute-names c ../src/evil");
    auto r = store_code(root / "functions", "f", code_source{tgz, {}}, {});
    ASSERT_TRUE(std::holds_alternative<code_error>(r));
    EXPECT_NE(std::get<code_error>(r).message.find("outside"), std::string::npos);
    EXPECT_FALSE(fs::exists(root / "functions" / "evil"));
}

TEST_F(CodeStoreFixture, RefusesSymlinkOut) {
    auto tgz = make_tar("mkdir c && ln -s /etc/passwd c/pw && tar czf out.tar.gz -C c .");
    auto r = store_code(root / "functions", "f", code_source{tgz, {}}, {});
    ASSERT_TRUE(std::holds_alternative<code_error>(r));
    EXPECT_NE(std::get<code_error>(r).message.find("symlink"), std::string::npos);
}

TEST_F(CodeStoreFixture, RefusesCorruptAndTooLarge) {
    auto r = store_code(root / "functions", "f", code_source{"this is not an archive at all", {}}, {});
    ASSERT_TRUE(std::holds_alternative<code_error>(r));
    EXPECT_FALSE(std::get<code_error>(r).too_large);
    auto tgz = make_tar("mkdir c && head -c 3000000 /dev/zero > c/big && tar czf out.tar.gz -C c .");
    code_limits small;
    small.max_unpacked = byte_size{1u << 20};
    r = store_code(root / "functions", "f", code_source{tgz, {}}, small);
    ASSERT_TRUE(std::holds_alternative<code_error>(r));
    EXPECT_TRUE(std::get<code_error>(r).too_large);
    // Nothing half-written is left behind.
    int entries = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(root / "functions" / "f" / "code")) {
        ++entries;
    }
    EXPECT_EQ(entries, 0);
}

} // namespace
} // namespace sluice::functions
