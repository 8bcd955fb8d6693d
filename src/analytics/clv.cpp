#include "analytics/clv.h"

#include <cmath>

namespace patron::analytics {

Result<double> customer_lifetime_value(const BgnbdParameters& purchases,
                                       const GammaGammaParameters& spend,
                                       const BgnbdCustomer& customer,
                                       const GammaGammaCustomer& customer_spend,
                                       int64_t horizon_weeks, double weekly_discount_rate) {
  if (horizon_weeks < 0 || horizon_weeks > kHorizonWeeksMax) {
    return fail(ErrorCode::kInvalidArgument, "horizon_weeks", "horizon must be 0 to 520 weeks");
  }
  if (!std::isfinite(weekly_discount_rate) || weekly_discount_rate < 0.0) {
    return fail(ErrorCode::kInvalidArgument, "weekly_discount_rate",
                "discount rate must be finite and >= 0");
  }
  if (customer.repeat_purchases != customer_spend.repeat_transactions) {
    return fail(ErrorCode::kInvalidArgument, "repeat_transactions",
                "spend summary and purchase summary count different repeat purchases");
  }
  auto order_value = gamma_gamma_expected_order_value(spend, customer_spend);
  if (!order_value) return order_value;
  if (weekly_discount_rate == 0.0) {
    auto expected =
        bgnbd_expected_purchases(purchases, customer, static_cast<double>(horizon_weeks));
    if (!expected) return expected;
    return *expected * *order_value;
  }
  double value = 0.0;
  double previous = 0.0;  // E[Y(k-1)]
  double discount = 1.0;
  for (int64_t week = 1; week <= horizon_weeks; ++week) {
    auto expected = bgnbd_expected_purchases(purchases, customer, static_cast<double>(week));
    if (!expected) return expected;
    discount /= 1.0 + weekly_discount_rate;
    value += (*expected - previous) * discount;
    previous = *expected;
  }
  return value * *order_value;
}

}  // namespace patron::analytics
