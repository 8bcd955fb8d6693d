// ln|Gamma(v)| without the global `signgam` that std::lgamma writes (a data
// race when two threads fit at once). Internal to src/analytics.
#pragma once

#include <math.h>

namespace patron::analytics {

inline double log_gamma(double v) {
  int sign = 1;
  return lgamma_r(v, &sign);
}

}  // namespace patron::analytics
