#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>

/// SLUICE_ASSERT(cond, "fmt", args...): an invariant; always checked, aborts with a message.
/// Never for validating input: input errors are values (result<T>).
#define SLUICE_ASSERT(cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond)) [[unlikely]] {                                                                \
            std::fprintf(                                                                          \
                stderr, "assertion failed: %s at %s:%d: %s\n", #cond, __FILE__, __LINE__,          \
                fmt::format(__VA_ARGS__).c_str());                                                 \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)

#ifndef NDEBUG
#define SLUICE_DASSERT(cond, ...) SLUICE_ASSERT(cond, __VA_ARGS__)
#else
#define SLUICE_DASSERT(cond, ...) ((void)0)
#endif
