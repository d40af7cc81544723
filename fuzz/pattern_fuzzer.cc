// libFuzzer target for the pattern module: pattern compiler, tag-expression parser, event
// reader, evaluator and matcher. Input: the pattern text, a newline, then the event text.
// Besides "never crash", it checks that the matcher agrees with the single-pattern evaluator
// and traps when they differ.
//
// Built by fuzz/CMakeLists.txt: with SLUICE_FUZZ=ON (clang) as pattern_fuzzer, otherwise as
// pattern_replay + the CTest fuzz.pattern over fuzz/corpus/pattern/. By hand, out of tree:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc src/pattern/*.cc
//           fuzz/pattern_fuzzer.cc -lboost_json -lsimdjson -lfmt -o pattern_fuzzer
//   ./pattern_fuzzer -max_len=512 fuzz/corpus/pattern
// The gtest src/pattern/tests/fuzz_corpus_test.cc also replays the corpus.
#include "pattern/evaluate.h"
#include "pattern/matcher.h"
#include "pattern/tag_expression.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

namespace {

using namespace sluice::pattern;

/// Prints the broken property and traps, so libFuzzer saves the input and replays fail loudly
/// (the same contract as fuzz_check.h's FUZZ_CHECK).
#define PATTERN_FUZZ_CHECK(cond)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);        \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

void check_tag_expression(std::string_view text)
{
    auto e = parse_tag_expression(text);
    if (!e) {
        return;
    }
    // Whatever parses must compile to a valid pattern.
    PATTERN_FUZZ_CHECK(compile(to_pattern_text(*e)).has_value());
}

void check_pattern_on_event(std::string_view pattern_text, std::string_view event)
{
    compile_options opts;
    opts.max_terms = 64; // keep each input cheap
    auto compiled = compile(pattern_text, opts);
    if (!compiled) {
        // Errors must say where.
        const compile_error& e = compiled.error();
        PATTERN_FUZZ_CHECK(e.message.starts_with("at "));
        PATTERN_FUZZ_CHECK(!e.path.empty() || e.offset <= pattern_text.size());
        return;
    }
    auto expected = matches(*compiled, event);

    matcher m;
    // Neighbours that share paths with typical inputs, so the index is not trivially empty.
    (void)m.add(rule_id{ 1 }, R"({"source":["aws.ec2"]})");
    (void)m.add(rule_id{ 2 }, R"({"detail":{"state":[{"anything-but":"x"}]}})");
    PATTERN_FUZZ_CHECK(m.add(rule_id{ 100 }, *compiled).has_value());
    for (int round = 0; round < 2; ++round) {
        auto got = m.match(event);
        PATTERN_FUZZ_CHECK(got.has_value() == expected.has_value());
        if (got) {
            bool hit = false;
            for (rule_id id : *got) {
                hit = hit || id == rule_id{ 100 };
            }
            PATTERN_FUZZ_CHECK(hit == *expected); // matcher and evaluator agree
        }
        // Remove and re-add: the index must come back to the same state.
        PATTERN_FUZZ_CHECK(m.remove(rule_id{ 100 }).has_value());
        PATTERN_FUZZ_CHECK(m.add(rule_id{ 100 }, *compiled).has_value());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto newline = input.find('\n');
    std::string_view pattern = input.substr(0, newline);
    std::string_view event
      = newline == std::string_view::npos ? std::string_view("{}") : input.substr(newline + 1);
    check_tag_expression(pattern);
    check_pattern_on_event(pattern, event);
    return 0;
}
