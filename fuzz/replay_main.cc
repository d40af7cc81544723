// Corpus replay driver: the main() a fuzz target gets when it is built without libFuzzer (g++,
// the normal build). Feeds every file of the directories (or files) named on the command line
// through LLVMFuzzerTestOneInput once, so CI replays each corpus — seeds and crash reproducers —
// on every run (STYLE.md "Tests": fuzz). A finding aborts the process (trap, assert or sanitizer),
// which fails the CTest test; the last "replay:" line names the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

bool replay(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return false;
    }
    std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
    // A copy in its own allocation, so ASan sees reads past the end as the fuzzer would.
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.empty() ? nullptr : data.data(), data.size());
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    size_t files = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p = argv[i];
        if (std::filesystem::is_directory(p)) {
            std::vector<std::filesystem::path> entries;
            for (const auto& e : std::filesystem::recursive_directory_iterator(p)) {
                if (e.is_regular_file()) {
                    entries.push_back(e.path());
                }
            }
            std::sort(entries.begin(), entries.end()); // stable order: reproducible runs
            for (const auto& e : entries) {
                ok = replay(e) && ok;
                ++files;
            }
        } else {
            ok = replay(p) && ok;
            ++files;
        }
    }
    // The empty input too: every target must take it.
    LLVMFuzzerTestOneInput(nullptr, 0);
    std::fprintf(stderr, "replayed %zu inputs\n", files);
    if (files == 0) {
        std::fprintf(stderr, "replay: no inputs (an empty corpus replays nothing)\n");
        return 1;
    }
    return ok ? 0 : 1;
}
