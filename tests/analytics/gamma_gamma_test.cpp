// Gamma-Gamma (analytics/gamma_gamma.h): the likelihood against the plain
// formula, the conditional expected order value, recovery from simulated
// spend, independence from the currency unit, and the error paths.
#include "analytics/gamma_gamma.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "analytics/simulate.h"

namespace patron::analytics {
namespace {

const GammaGammaParameters kCdnow{6.25, 3.74, 1544.0};  // gamma in cents

// The note's density of m_x, without logs.
double plain_likelihood(const GammaGammaParameters& k, int64_t x, double mean) {
  const double px = k.p * static_cast<double>(x);
  return std::tgamma(px + k.q) / (std::tgamma(px) * std::tgamma(k.q)) * std::pow(k.scale, k.q) *
         std::pow(mean, px - 1) * std::pow(static_cast<double>(x), px) /
         std::pow(k.scale + mean * static_cast<double>(x), px + k.q);
}

TEST(GammaGamma, LogLikelihoodMatchesThePlainFormula) {
  const GammaGammaParameters k{2.5, 3.0, 20.0};  // small numbers: nothing overflows
  const std::vector<GammaGammaCustomer> customers = {{1, 15}, {3, 90}, {2, 41}, {3, 33}};
  double expected = 0;
  for (const auto& c : customers) {
    expected += std::log(plain_likelihood(
        k, c.repeat_transactions,
        static_cast<double>(c.repeat_value_minor) / static_cast<double>(c.repeat_transactions)));
  }
  auto ll = gamma_gamma_log_likelihood(k, customers);
  ASSERT_TRUE(ll.has_value());
  EXPECT_NEAR(*ll, expected, 1e-10 * std::abs(expected));
}

TEST(GammaGamma, ExpectedOrderValueWeighsPopulationAndCustomer) {
  // x = 2 repeat orders averaging 50.00: p (gamma + x m) / (p x + q - 1).
  const GammaGammaCustomer c{2, 10'000};
  const double expected = 6.25 * (1544.0 + 10'000.0) / (6.25 * 2 + 3.74 - 1);
  EXPECT_NEAR(*gamma_gamma_expected_order_value(kCdnow, c), expected, 1e-9);
  // ... which is a weighted mean of the population mean and the customer's own.
  const double population = 6.25 * 1544.0 / 2.74;
  const double weight = 2.74 / (6.25 * 2 + 2.74);
  EXPECT_NEAR(expected, weight * population + (1 - weight) * 5'000.0, 1e-9);
  // No repeat orders: the population mean.
  EXPECT_NEAR(*gamma_gamma_expected_order_value(kCdnow, {0, 0}), population, 1e-9);
  // More orders pull the estimate toward the customer's own mean.
  EXPECT_LT(std::abs(*gamma_gamma_expected_order_value(kCdnow, {20, 100'000}) - 5'000.0),
            std::abs(expected - 5'000.0));
}

// Recovery: 3 seeds x 20,000 customers with 1-20 repeat orders, values in
// cents. Stated tolerance: p, q and gamma within 10% (over seeds 1-6 the
// errors were at most 5.5% for p, 2.5% for q, 7% for gamma: the model sees only each
// customer's mean, so p is learnt from how the spread of means shrinks with x,
// which needs many customers), and the fit at least as likely as the truth but
// by no more than 8.3 (the 99.9% point of a chi-square with 3 degrees of
// freedom, halved).
TEST(GammaGamma, RecoversParametersFromSimulatedData) {
  const GammaGammaParameters truth{4.0, 5.0, 1'200.0};
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed + 100);
    std::vector<int64_t> counts(20'000);
    for (auto& x : counts) x = std::uniform_int_distribution<int64_t>(1, 20)(rng);
    const auto customers = simulate_gamma_gamma(truth, counts, seed);
    auto fit = fit_gamma_gamma(customers);
    ASSERT_TRUE(fit.has_value()) << fit.error().message;
    EXPECT_EQ(fit->warning, "");
    EXPECT_NEAR(fit->parameters.p, truth.p, 0.10 * truth.p) << "seed " << seed;
    EXPECT_NEAR(fit->parameters.q, truth.q, 0.10 * truth.q) << "seed " << seed;
    EXPECT_NEAR(fit->parameters.scale, truth.scale, 0.10 * truth.scale) << "seed " << seed;
    const double at_truth = *gamma_gamma_log_likelihood(truth, customers);
    EXPECT_GE(fit->log_likelihood, at_truth - 1e-6) << "seed " << seed;
    EXPECT_LT(fit->log_likelihood - at_truth, 8.3) << "seed " << seed;
  }
}

// Dollars or cents: p and q stay, gamma scales with the unit.
TEST(GammaGamma, FitDoesNotDependOnTheUnit) {
  const std::vector<int64_t> counts = {1, 2, 3, 1, 5, 2, 8, 1, 1, 4, 2, 2, 6, 3, 1, 1, 2, 9};
  std::vector<int64_t> many;
  for (int k = 0; k < 50; ++k) many.insert(many.end(), counts.begin(), counts.end());
  const auto dollars = simulate_gamma_gamma({3.0, 4.0, 30.0}, many, 5);
  std::vector<GammaGammaCustomer> cents = dollars;
  for (auto& c : cents) c.repeat_value_minor *= 100;
  auto in_dollars = fit_gamma_gamma(dollars);
  auto in_cents = fit_gamma_gamma(cents);
  ASSERT_TRUE(in_dollars && in_cents);
  EXPECT_NEAR(in_cents->parameters.p, in_dollars->parameters.p, 1e-4 * in_dollars->parameters.p);
  EXPECT_NEAR(in_cents->parameters.q, in_dollars->parameters.q, 1e-4 * in_dollars->parameters.q);
  EXPECT_NEAR(in_cents->parameters.scale / 100.0, in_dollars->parameters.scale,
              1e-4 * in_dollars->parameters.scale);
}

TEST(GammaGamma, RejectsBadSamplesAndParameters) {
  const auto field = [](std::vector<GammaGammaCustomer> customers) {
    return gamma_gamma_log_likelihood(kCdnow, customers).error().field;
  };
  EXPECT_EQ(field({}), "customers");
  EXPECT_EQ(field({{0, 0}}), "repeat_transactions");  // the fit needs repeaters
  EXPECT_EQ(field({{2, 0}}), "repeat_value_minor");
  EXPECT_EQ(field({{2, -5}}), "repeat_value_minor");
  EXPECT_FALSE(fit_gamma_gamma({}).has_value());
  EXPECT_EQ(
      gamma_gamma_log_likelihood({0, 1, 1}, std::vector<GammaGammaCustomer>{{1, 5}}).error().field,
      "parameters");
  EXPECT_EQ(gamma_gamma_expected_order_value(kCdnow, {0, 500}).error().code,
            ErrorCode::kInvalidArgument);
  // q <= 1: the population mean spend is infinite.
  EXPECT_EQ(gamma_gamma_expected_order_value({2.0, 0.8, 10.0}, {0, 0}).error().code,
            ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace patron::analytics
