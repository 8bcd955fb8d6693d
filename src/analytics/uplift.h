// Holdout uplift statistics (issue 8 item 6; docs/analytics.md "analytics
// uplift" defines every figure): per group, the share of members who bought
// and the mean revenue per member; the treated - control difference of each
// with a 95% confidence interval and a two-sided p-value. Pure; thread-safe
// (no shared state).
//
// Difference of proportions (normal approximation, unpooled):
//   d = p_t - p_c, se = sqrt(p_t (1 - p_t) / n_t + p_c (1 - p_c) / n_c),
//   interval d -/+ z_0.975 se, p-value 2 (1 - Phi(|d| / se)).
// Difference of means (Welch): se = sqrt(s_t^2 / n_t + s_c^2 / n_c) with
//   sample variances (n - 1), df by Welch-Satterthwaite, interval
//   d -/+ t_{0.975, df} se, p-value 2 (1 - T_df(|d| / se)).
// Interval, p-value (and df) are empty when a group is empty (means: fewer
// than 2 members) or se is 0.
//
// Fails (kInvalidArgument) on a negative revenue; (kFailedPrecondition)
// when a group's revenue sum overflows int64.
#pragma once

#include <cstdint>
#include <optional>

#include "core/error.h"

namespace patron::analytics {

// z such that Phi(z) = 0.975: the two-sided 95% normal quantile.
inline constexpr double kNormalQuantile975 = 1.959963984540054;

// Standard normal distribution function.
double normal_cdf(double z);
// Student's t distribution function with `df` > 0 degrees of freedom.
double student_t_cdf(double t, double df);
// P(|T| >= |t|) for T ~ t(df): the two-sided tail.
double student_t_two_sided(double t, double df);
// The t with student_t_cdf(t, df) = p, 0 < p < 1.
double student_t_quantile(double p, double df);
// The regularized incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1.
double regularized_incomplete_beta(double x, double a, double b);

// One group's outcomes, folded one member at a time.
class GroupOutcome {
 public:
  Result<void> add_member(bool bought, int64_t revenue_minor);

  int64_t members() const { return members_; }
  int64_t buyers() const { return buyers_; }
  int64_t revenue_minor() const { return revenue_minor_; }
  std::optional<double> buyer_share() const;
  std::optional<double> mean_revenue() const;
  // The sample variance of revenue per member (divisor n - 1); empty below 2.
  std::optional<double> revenue_variance() const;

 private:
  int64_t members_ = 0;
  int64_t buyers_ = 0;
  int64_t revenue_minor_ = 0;
  // Welford's running mean and sum of squared deviations: the statistic may
  // be floating point, the money sum above is exact.
  double mean_ = 0;
  double squares_ = 0;
};

struct Difference {
  std::optional<double> estimate;  // empty when a group is empty
  std::optional<double> low;
  std::optional<double> high;
  std::optional<double> p_value;
  std::optional<double> degrees_of_freedom;  // Welch only
};

// Treated - control share of buyers.
Difference proportion_difference(const GroupOutcome& treated, const GroupOutcome& control);
// Treated - control mean revenue per member (Welch).
Difference welch_difference(const GroupOutcome& treated, const GroupOutcome& control);

}  // namespace patron::analytics
