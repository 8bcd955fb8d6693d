#include "analytics/simulate.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/assert.h"

namespace patron::analytics {
namespace {

// std::gamma_distribution takes (shape, scale); the papers write rates.
double draw_gamma(std::mt19937_64& rng, double shape, double rate) {
  return std::gamma_distribution<double>(shape, 1.0 / rate)(rng);
}

BgnbdCustomer simulate_one(const BgnbdParameters& p, double age_weeks, std::mt19937_64& rng) {
  const double lambda = draw_gamma(rng, p.r, p.alpha);
  const double x = draw_gamma(rng, p.a, 1.0);
  const double y = draw_gamma(rng, p.b, 1.0);
  const double dropout = x + y > 0.0 ? x / (x + y) : 0.5;  // both underflow: either is fine
  std::exponential_distribution<double> gap(lambda);
  std::bernoulli_distribution drops(dropout);
  BgnbdCustomer c;
  c.age_weeks = age_weeks;
  double t = 0.0;
  while (c.repeat_purchases < kRepeatPurchasesMax) {
    t += gap(rng);
    if (!(t <= age_weeks)) break;  // also ends on lambda = 0 (t = inf)
    ++c.repeat_purchases;
    c.last_purchase_weeks = t;
    if (drops(rng)) break;
  }
  return c;
}

}  // namespace

std::vector<BgnbdCustomer> simulate_bgnbd(const BgnbdParameters& parameters, std::size_t count,
                                          double age_weeks_min, double age_weeks_max,
                                          uint64_t seed) {
  PATRON_ASSERT(parameters.r > 0 && parameters.alpha > 0 && parameters.a > 0 && parameters.b > 0);
  PATRON_ASSERT(age_weeks_min > 0 && age_weeks_min <= age_weeks_max);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> age(age_weeks_min, age_weeks_max);
  std::vector<BgnbdCustomer> customers;
  customers.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    customers.push_back(simulate_one(parameters, age(rng), rng));
  return customers;
}

std::vector<GammaGammaCustomer> simulate_gamma_gamma(const GammaGammaParameters& parameters,
                                                     std::span<const int64_t> repeat_transactions,
                                                     uint64_t seed) {
  PATRON_ASSERT(parameters.p > 0 && parameters.q > 0 && parameters.scale > 0);
  std::mt19937_64 rng(seed);
  std::vector<GammaGammaCustomer> customers;
  customers.reserve(repeat_transactions.size());
  for (int64_t x : repeat_transactions) {
    PATRON_ASSERT(x >= 1 && x <= kRepeatPurchasesMax);
    const double nu = draw_gamma(rng, parameters.q, parameters.scale);
    GammaGammaCustomer c{x, 0};
    for (int64_t k = 0; k < x; ++k) {
      const double value = draw_gamma(rng, parameters.p, nu);
      c.repeat_value_minor += std::max<int64_t>(1, std::llround(value));
    }
    customers.push_back(c);
  }
  return customers;
}

}  // namespace patron::analytics
