// Holdout uplift statistics (analytics/uplift.h): the normal and Student t
// distributions against closed forms and published quantiles, and the
// differences with their intervals and p-values on a hand-computed pair of
// groups (reference values from a separate numerical integration of the t
// density), with the cases where they are undefined.
#include "analytics/uplift.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace patron::analytics {
namespace {

TEST(Distributions, NormalAndIncompleteBeta) {
  EXPECT_NEAR(normal_cdf(kNormalQuantile975), 0.975, 1e-15);
  EXPECT_DOUBLE_EQ(normal_cdf(0), 0.5);
  EXPECT_NEAR(normal_cdf(-1), 0.15865525393145707, 1e-15);
  EXPECT_NEAR(regularized_incomplete_beta(0.3, 1, 1), 0.3, 1e-15);
  EXPECT_NEAR(regularized_incomplete_beta(0.3, 2.5, 0.5),
              1 - regularized_incomplete_beta(0.7, 0.5, 2.5), 1e-14);
  // I_x(a, 1) = x^a.
  EXPECT_NEAR(regularized_incomplete_beta(0.8, 3.5, 1), std::pow(0.8, 3.5), 1e-14);
  EXPECT_EQ(regularized_incomplete_beta(0, 2, 2), 0);
  EXPECT_EQ(regularized_incomplete_beta(1, 2, 2), 1);
}

TEST(Distributions, StudentTClosedFormsAndQuantiles) {
  for (double t : {-30.0, -2.0, -0.5, 0.0, 0.3, 1.0, 4.0, 100.0}) {
    // df = 1 is Cauchy; df = 2 has a closed form.
    EXPECT_NEAR(student_t_cdf(t, 1), 0.5 + std::atan(t) / std::numbers::pi, 1e-13) << t;
    EXPECT_NEAR(student_t_cdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-13) << t;
  }
  EXPECT_NEAR(student_t_two_sided(1.0, 1), 0.5, 1e-14);
  // Published two-sided 95% critical values.
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706204736174698, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302652729749464, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.228138851986274, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.042272456301238, 1e-10);
  EXPECT_NEAR(student_t_quantile(0.975, 1e9), kNormalQuantile975, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.025, 10), -2.228138851986274, 1e-10);
  EXPECT_EQ(student_t_quantile(0.5, 7), 0);
}

GroupOutcome group(const std::vector<int64_t>& revenue) {
  GroupOutcome g;
  for (int64_t r : revenue) EXPECT_TRUE(g.add_member(r > 0, r));
  return g;
}

TEST(Uplift, HandComputedGroups) {
  // Treated: 7 members, 3 bought (1200, 300, 1000); control: 4, 1 bought (400).
  GroupOutcome treated = group({0, 0, 1200, 300, 0, 1000, 0});
  GroupOutcome control = group({0, 400, 0, 0});
  EXPECT_EQ(treated.members(), 7);
  EXPECT_EQ(treated.buyers(), 3);
  EXPECT_EQ(treated.revenue_minor(), 2500);
  EXPECT_DOUBLE_EQ(*treated.buyer_share(), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(*treated.mean_revenue(), 2500.0 / 7.0);
  // Sum of squares 2,530,000 - 7 x (2500/7)^2, over 6.
  EXPECT_NEAR(*treated.revenue_variance(), (2530000.0 - 2500.0 * 2500.0 / 7.0) / 6.0, 1e-8);
  EXPECT_NEAR(*control.revenue_variance(), 40000.0, 1e-9);

  Difference p = proportion_difference(treated, control);
  const double se = std::sqrt((3.0 / 7) * (4.0 / 7) / 7 + 0.25 * 0.75 / 4);
  EXPECT_DOUBLE_EQ(*p.estimate, 3.0 / 7.0 - 0.25);
  EXPECT_NEAR(*p.low, *p.estimate - 1.959963984540054 * se, 1e-12);
  EXPECT_NEAR(*p.high, *p.estimate + 1.959963984540054 * se, 1e-12);
  EXPECT_NEAR(*p.p_value, 0.5325422858792275, 1e-9);  // 2 (1 - Phi(0.62413))
  EXPECT_FALSE(p.degrees_of_freedom);

  Difference w = welch_difference(treated, control);
  EXPECT_NEAR(*w.estimate, 2500.0 / 7.0 - 100.0, 1e-9);
  EXPECT_NEAR(*w.degrees_of_freedom, 8.371484630477436, 1e-9);
  EXPECT_NEAR(*w.p_value, 0.2773315582296725, 1e-9);
  EXPECT_NEAR(*w.low, -249.29137625478387, 1e-6);
  EXPECT_NEAR(*w.high, 763.5770905404981, 1e-6);
}

TEST(Uplift, UndefinedCasesAndErrors) {
  GroupOutcome empty;
  GroupOutcome one = group({500});
  GroupOutcome same = group({0, 0, 0});
  EXPECT_FALSE(empty.buyer_share());
  EXPECT_FALSE(one.revenue_variance());
  EXPECT_FALSE(proportion_difference(empty, one).estimate);
  // One member: a mean difference, no interval.
  Difference w = welch_difference(one, same);
  EXPECT_DOUBLE_EQ(*w.estimate, 500.0);
  EXPECT_FALSE(w.low);
  EXPECT_FALSE(w.p_value);
  // Nobody bought in either group: se = 0.
  Difference p = proportion_difference(same, same);
  EXPECT_DOUBLE_EQ(*p.estimate, 0.0);
  EXPECT_FALSE(p.low);
  EXPECT_FALSE(p.p_value);
  EXPECT_FALSE(welch_difference(same, same).p_value);
  GroupOutcome g;
  EXPECT_EQ(g.add_member(true, -1).error().field, "revenue");
  EXPECT_EQ(g.members(), 0);
  ASSERT_TRUE(g.add_member(true, std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(g.add_member(true, 1).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(g.revenue_minor(), std::numeric_limits<int64_t>::max());  // unchanged
  EXPECT_EQ(g.members(), 1);
}

}  // namespace
}  // namespace patron::analytics
