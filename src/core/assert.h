// Invariant assertions that stay on in release builds (TigerBeetle style).
// They guard programmer errors only: user input must be validated into an
// Error before it can reach one of these.
#pragma once

#include <cstdio>
#include <cstdlib>

#define PATRON_ASSERT(cond)                                                                      \
  do {                                                                                           \
    if (!(cond)) [[unlikely]] {                                                                  \
      std::fprintf(stderr, "patron: assertion failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)
