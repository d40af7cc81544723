// Replays fuzz/corpus/pattern/* through the fuzzer's own entry point, so the corpus (seeds and
// any crash reproducers added later) runs under g++ in every unit-test run.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

TEST(PatternFuzzCorpus, ReplaysEveryFile)
{
    std::filesystem::path dir = SLUICE_PATTERN_CORPUS_DIR;
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) {
            continue;
        }
        std::ifstream in(entry.path(), std::ios::binary);
        std::vector<char> bytes{ std::istreambuf_iterator<char>(in), {} };
        SCOPED_TRACE(entry.path().string());
        EXPECT_EQ(
          LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()),
          0);
        ++files;
    }
    EXPECT_GE(files, 10u);
}

TEST(PatternFuzzCorpus, EdgeInputs)
{
    const char* inputs[]
      = { "",       "\n", "{",  "{}\n",   "{}\n{",
          "[]\n[]", "*",  "||", "\n\n\n", "{\"a\":[\"\\u0000\"]}\n{\"a\":\"\\u0000\"}" };
    for (const char* s : inputs) {
        std::string_view v(s);
        EXPECT_EQ(
          LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(v.data()), v.size()), 0);
    }
}

} // namespace
