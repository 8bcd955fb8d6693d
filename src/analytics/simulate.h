// Seeded synthetic customers drawn from the BG/NBD and Gamma-Gamma models,
// for parameter-recovery tests and benchmarks: the same seed gives the same
// customers with the same standard library (std:: distributions are not
// specified bit for bit across library versions). Pure; no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "analytics/bgnbd.h"
#include "analytics/gamma_gamma.h"

namespace patron::analytics {

// `count` customers whose ages T are uniform in [age_weeks_min, age_weeks_max]
// (a cohort acquired over a span of weeks). Each draws lambda ~ Gamma(r, alpha)
// and p ~ Beta(a, b), buys at rate lambda from week 0 and drops out with
// probability p after each repeat purchase. Requires valid parameters and
// 0 < age_weeks_min <= age_weeks_max (asserted: callers are tests and benches).
std::vector<BgnbdCustomer> simulate_bgnbd(const BgnbdParameters& parameters, std::size_t count,
                                          double age_weeks_min, double age_weeks_max,
                                          uint64_t seed);

// One spend summary per entry of `repeat_transactions` (each >= 1): nu ~
// Gamma(q, gamma), then that many values ~ Gamma(p, nu), each rounded to whole
// minor units (at least 1).
std::vector<GammaGammaCustomer> simulate_gamma_gamma(const GammaGammaParameters& parameters,
                                                     std::span<const int64_t> repeat_transactions,
                                                     uint64_t seed);

}  // namespace patron::analytics
