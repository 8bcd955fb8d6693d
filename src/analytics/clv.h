// Predictive customer lifetime value over a horizon: BG/NBD expected purchases
// times the Gamma-Gamma expected order value (the two models are independent
// by assumption: how often a customer buys says nothing about how much). Pure.
//
// Formula, H = horizon_weeks, d = weekly_discount_rate, E[M] the expected order
// value, E[Y(k)] the conditional expected purchases in the k weeks after the
// end of calibration (eq. 10 of Fader, Hardie & Lee 2005):
//   d = 0:  CLV = E[Y(H)] * E[M]
//   d > 0:  CLV = sum_{k=1..H} (E[Y(k)] - E[Y(k-1)]) * E[M] / (1 + d)^k
// i.e. the purchases expected in week k are discounted from the end of week k.
// The result is in the minor units of the Gamma-Gamma values (a double).
//
// Fails (kInvalidArgument) when the horizon is outside 0..kHorizonWeeksMax, the
// rate is negative or not finite, or the customer's Gamma-Gamma summary does
// not match the BG/NBD one (same repeat count); otherwise as the two models.
#pragma once

#include <cstdint>

#include "analytics/bgnbd.h"
#include "analytics/gamma_gamma.h"
#include "core/error.h"

namespace patron::analytics {

// Ten years. Beyond that the constant-rate assumption is not credible, and it
// bounds the discounted sum to 520 evaluations of eq. 10 per customer.
inline constexpr int64_t kHorizonWeeksMax = 520;

Result<double> customer_lifetime_value(const BgnbdParameters& purchases,
                                       const GammaGammaParameters& spend,
                                       const BgnbdCustomer& customer,
                                       const GammaGammaCustomer& customer_spend,
                                       int64_t horizon_weeks, double weekly_discount_rate);

}  // namespace patron::analytics
