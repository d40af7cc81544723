// libFuzzer target for the pattern module: pattern compiler, tag-expression parser, event
// reader, evaluator and matcher. Input: the pattern text, a newline, then the event text.
// Besides "never crash", it checks that the matcher agrees with the single-pattern evaluator
// and traps when they differ.
//
// Build (clang; not wired into CMake yet):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     src/pattern/*.cc fuzz/pattern_fuzzer.cc -lboost_json -lsimdjson -lfmt -o pattern_fuzzer
//   ./pattern_fuzzer fuzz/corpus/pattern
// The seeds also replay as a unit test under g++ (src/pattern/tests/fuzz_corpus_test.cc).
#include "pattern/evaluate.h"
#include "pattern/matcher.h"
#include "pattern/tag_expression.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace sluice::pattern;

void check_tag_expression(std::string_view text)
{
    auto e = parse_tag_expression(text);
    if (!e) {
        return;
    }
    // Whatever parses must compile to a valid pattern.
    auto p = compile(to_pattern_text(*e));
    if (!p) {
        __builtin_trap();
    }
}

void check_pattern_on_event(std::string_view pattern_text, std::string_view event)
{
    compile_options opts;
    opts.max_terms = 64; // keep each input cheap
    auto compiled = compile(pattern_text, opts);
    if (!compiled) {
        // Errors must say where.
        if (compiled.error().message.empty()) {
            __builtin_trap();
        }
        return;
    }
    auto expected = matches(*compiled, event);

    matcher m;
    // Neighbours that share paths with typical inputs, so the index is not trivially empty.
    (void)m.add(rule_id{ 1 }, R"({"source":["aws.ec2"]})");
    (void)m.add(rule_id{ 2 }, R"({"detail":{"state":[{"anything-but":"x"}]}})");
    if (!m.add(rule_id{ 100 }, *compiled)) {
        __builtin_trap();
    }
    for (int round = 0; round < 2; ++round) {
        auto got = m.match(event);
        if (got.has_value() != expected.has_value()) {
            __builtin_trap();
        }
        if (got) {
            bool hit = false;
            for (rule_id id : *got) {
                hit = hit || id == rule_id{ 100 };
            }
            if (hit != *expected) {
                __builtin_trap();
            }
        }
        // Remove and re-add: the index must come back to the same state.
        if (!m.remove(rule_id{ 100 }) || !m.add(rule_id{ 100 }, *compiled)) {
            __builtin_trap();
        }
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
