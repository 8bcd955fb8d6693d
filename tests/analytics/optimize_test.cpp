// Nelder-Mead (analytics/optimize.h): Rosenbrock's valley, a bowl, restarts,
// non-finite regions and the error paths.
#include "analytics/optimize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace patron::analytics {
namespace {

double rosenbrock(std::span<const double> x) {
  double sum = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    sum += 100 * std::pow(x[i + 1] - x[i] * x[i], 2) + std::pow(1 - x[i], 2);
  }
  return sum;
}

TEST(NelderMead, FindsRosenbrockMinimumIn2D) {
  auto m = minimize_nelder_mead(rosenbrock, {-1.2, 1.0});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  EXPECT_NEAR(m->x[0], 1.0, 1e-5);
  EXPECT_NEAR(m->x[1], 1.0, 1e-5);
  EXPECT_LT(m->value, 1e-10);
}

TEST(NelderMead, FindsRosenbrockMinimumIn4D) {
  auto m = minimize_nelder_mead(rosenbrock, {-1.2, 1.0, -1.2, 1.0});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  for (double v : m->x) EXPECT_NEAR(v, 1.0, 1e-4);
  EXPECT_GE(m->restarts, 1);  // always confirms with one restart
}

TEST(NelderMead, TreatsNonFiniteValuesAsWalls) {
  // A bowl at (2, 3) that is NaN for x0 < 0.5: the simplex must stay right of it.
  auto bowl = [](std::span<const double> x) {
    if (x[0] < 0.5) return std::numeric_limits<double>::quiet_NaN();
    return std::pow(x[0] - 2, 2) + std::pow(x[1] - 3, 2);
  };
  auto m = minimize_nelder_mead(bowl, {0.6, 0.0});
  ASSERT_TRUE(m.has_value());
  EXPECT_NEAR(m->x[0], 2.0, 1e-6);
  EXPECT_NEAR(m->x[1], 3.0, 1e-6);
}

TEST(NelderMead, FailsWhenTheBudgetRunsOut) {
  NelderMeadOptions options;
  options.evaluations_max = 30;
  auto m = minimize_nelder_mead(rosenbrock, {-1.2, 1.0}, options);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kFailedPrecondition);
}

TEST(NelderMead, RejectsBadStarts) {
  EXPECT_EQ(minimize_nelder_mead(rosenbrock, {}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(minimize_nelder_mead(rosenbrock, {NAN, 1.0}).error().code, ErrorCode::kInvalidArgument);
  auto infinite = [](std::span<const double>) { return INFINITY; };
  EXPECT_EQ(minimize_nelder_mead(infinite, {0.0}).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace patron::analytics
