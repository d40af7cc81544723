#pragma once

// FUZZ_CHECK(cond): a property every fuzz target states about its parser. On failure it prints
// the condition and traps, so libFuzzer saves the input and the corpus replay test fails.
#include <cstdio>

#define FUZZ_CHECK(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
            __builtin_trap();                                                                     \
        }                                                                                         \
    } while (0)
