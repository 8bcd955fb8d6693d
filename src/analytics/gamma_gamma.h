// Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM
// and CLV: using iso-value curves"; Fader & Hardie 2013, "The Gamma-Gamma
// model of monetary value"). A customer's transaction values are
// Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, independent of how
// often they buy. Pure; thread-safe.
//
// Values are int64 minor units in, doubles out (model math). gamma (here
// `scale`) is in the same minor units: a fit on cents gives 100 x the gamma of
// a fit on dollars; p and q do not depend on the unit.
//
// Fails (kInvalidArgument, field named) on an empty sample, a customer with no
// repeat transaction or a non-positive value in a fit, or non-positive
// parameters; (kFailedPrecondition) when the fit does not converge or an
// expectation does not exist (p x + q <= 1).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "analytics/optimize.h"
#include "core/error.h"

namespace patron::analytics {

struct GammaGammaCustomer {
  int64_t repeat_transactions = 0;  // x: the first purchase is left out, as in the papers
  int64_t repeat_value_minor = 0;   // sum of the repeat transactions' values; m_x = this / x
};

struct GammaGammaParameters {
  double p = 0;
  double q = 0;
  double scale = 0;  // gamma (v in some software), in minor units
};

struct GammaGammaFit {
  GammaGammaParameters parameters;
  double log_likelihood = 0;
  int evaluations = 0;
  // "" when the sample identifies p and q; otherwise why not (as BgnbdFit's;
  // gamma is in minor units, so any magnitude can be sensible).
  std::string warning;
};

// Every customer needs x >= 1 and a positive value (the model is for spend).
Result<void> validate_gamma_gamma_sample(std::span<const GammaGammaCustomer> customers);

// ln L = ln Gamma(px+q) - ln Gamma(px) - ln Gamma(q) + q ln gamma
//        + (px-1) ln m_x + px ln x - (px+q) ln(gamma + x m_x), summed.
Result<double> gamma_gamma_log_likelihood(const GammaGammaParameters& parameters,
                                          std::span<const GammaGammaCustomer> customers);

// Maximum likelihood over log(p, q, gamma) with Nelder-Mead and restarts.
Result<GammaGammaFit> fit_gamma_gamma(std::span<const GammaGammaCustomer> customers,
                                      const NelderMeadOptions& options = {});

// E[M | x, m_x] = p (gamma + x m_x) / (p x + q - 1), in minor units: a weighted
// mean of the population mean p gamma / (q - 1) and the customer's own m_x.
// With x = 0 (value 0) it is the population mean, which needs q > 1.
Result<double> gamma_gamma_expected_order_value(const GammaGammaParameters& parameters,
                                                const GammaGammaCustomer& customer);

}  // namespace patron::analytics
