// BG/NBD: the beta-geometric / negative binomial model of repeat buying
// (Fader, Hardie & Lee 2005, "Counting your customers the easy way"). While
// active, a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each
// repeat purchase they drop out with probability p ~ Beta(a, b). Pure
// functions over per-customer summaries; thread-safe.
//
// Time is in weeks from the customer's first purchase. Paper symbols:
//   x   = repeat_purchases     purchases after the first
//   t_x = last_purchase_weeks  time of the last repeat purchase (0 when x = 0)
//   T   = age_weeks            time from the first purchase to the end of calibration
//
// Fails (kInvalidArgument, field named) on an empty sample or a summary that
// cannot happen (negative counts, t_x > T, t_x != 0 with x = 0, T <= 0, non-
// finite times, more than kRepeatPurchasesMax), or non-positive parameters;
// (kFailedPrecondition) when a fit or a hypergeometric series does not
// converge, or for expectations at a = 1 where the closed forms divide by zero.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "analytics/optimize.h"
#include "core/error.h"

namespace patron::analytics {

// One customer's repeat purchases in one calibration window. A shop's best
// customer buys a few times a week; a million repeat purchases is a data error.
inline constexpr int64_t kRepeatPurchasesMax = 1'000'000;

struct BgnbdCustomer {
  int64_t repeat_purchases = 0;    // x
  double last_purchase_weeks = 0;  // t_x
  double age_weeks = 0;            // T
};

struct BgnbdParameters {
  double r = 0;
  double alpha = 0;  // in weeks (the rate lambda is per week)
  double a = 0;
  double b = 0;
};

// Fewer customers with a repeat purchase than this leave the dropout process
// (a, b) to a handful of points: four parameters need a few dozen repeaters
// before the maximum means anything (a rule of thumb; the fit still runs).
inline constexpr int64_t kRepeatCustomersMin = 30;
// A mean dropout probability a/(a+b) below this is a fit at the edge of the
// model: the likelihood keeps rising as a -> 0 and b -> infinity together (no
// customer ever drops out, the NBD limit), so where the search stops on that
// ridge says nothing about a and b apart. One purchase in 100,000 is beyond
// what any shop's history can tell from none.
inline constexpr double kDropoutMeanMin = 1e-5;

struct BgnbdFit {
  BgnbdParameters parameters;
  double log_likelihood = 0;  // at the fitted parameters, summed over customers
  int evaluations = 0;        // of the likelihood, for benchmarks and diagnostics
  // "" when the sample identifies the model; otherwise why it does not (too
  // few repeat customers, parameters run off: runaway_parameters in
  // optimize.h). The parameters are still the maximum found, and the
  // forecasts at them are still valid numbers, but not estimates to trust.
  std::string warning;
};

// Checks every summary; the other functions assume a validated sample.
Result<void> validate_bgnbd_sample(std::span<const BgnbdCustomer> customers);

// The log-likelihood (eq. 6 of the paper, in logs: lgamma and a log-sum-exp of
// its two terms), summed over customers.
Result<double> bgnbd_log_likelihood(const BgnbdParameters& parameters,
                                    std::span<const BgnbdCustomer> customers);

// Maximum likelihood over log(r, alpha, a, b) with Nelder-Mead and restarts.
Result<BgnbdFit> fit_bgnbd(std::span<const BgnbdCustomer> customers,
                           const NelderMeadOptions& options = {});

// P(still active | x, t_x, T): 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
// A customer without repeat purchases is active for sure under BG/NBD: dropout
// can only follow a purchase.
Result<double> bgnbd_probability_alive(const BgnbdParameters& parameters,
                                       const BgnbdCustomer& customer);

// E[X(t)]: expected purchases of a new customer in their first t weeks (eq. 7).
Result<double> bgnbd_expected_purchases_new(const BgnbdParameters& parameters, double t_weeks);

// E[Y(t) | x, t_x, T]: expected purchases in the t weeks after the end of
// calibration (eq. 10).
Result<double> bgnbd_expected_purchases(const BgnbdParameters& parameters,
                                        const BgnbdCustomer& customer, double t_weeks);

}  // namespace patron::analytics
