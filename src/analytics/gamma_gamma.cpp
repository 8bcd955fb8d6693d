#include "analytics/gamma_gamma.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "analytics/bgnbd.h"
#include "analytics/log_gamma.h"
#include "core/assert.h"

namespace patron::analytics {
namespace {

// As for BG/NBD: log p and log q stay within +/-20, log gamma within 20 of the
// mean log spend, so lgamma and exp stay finite.
constexpr double kLogParameterMax = 20.0;

bool positive_finite(double v) {
  return std::isfinite(v) && v > 0.0;
}

Result<void> validate_parameters(const GammaGammaParameters& p) {
  if (!positive_finite(p.p) || !positive_finite(p.q) || !positive_finite(p.scale)) {
    return fail(ErrorCode::kInvalidArgument, "parameters",
                "Gamma-Gamma parameters must be positive and finite");
  }
  return {};
}

// Customers with the same x share the lgamma terms and ln x; within a group
// the sum of ln m_x enters linearly, so one pass per fit computes it.
struct Group {
  double x;
  double log_x;
  double count;
  double sum_log_mean;         // sum of ln m_x
  std::vector<double> totals;  // x m_x of each customer
};

std::vector<Group> prepare(std::span<const GammaGammaCustomer> customers) {
  std::vector<GammaGammaCustomer> sorted(customers.begin(), customers.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& l, const auto& r) {
    return l.repeat_transactions < r.repeat_transactions;
  });
  std::vector<Group> groups;
  for (const GammaGammaCustomer& c : sorted) {
    const auto x = static_cast<double>(c.repeat_transactions);
    if (groups.empty() || groups.back().x != x) groups.push_back({x, std::log(x), 0.0, 0.0, {}});
    Group& g = groups.back();
    const auto total = static_cast<double>(c.repeat_value_minor);
    g.count += 1.0;
    g.sum_log_mean += std::log(total / x);
    g.totals.push_back(total);
  }
  return groups;
}

double log_likelihood(const GammaGammaParameters& p, const std::vector<Group>& groups) {
  const double per_customer = -log_gamma(p.q) + p.q * std::log(p.scale);
  double total = 0.0;
  for (const Group& g : groups) {
    const double px = p.p * g.x;
    double tail = 0.0;
    for (double value : g.totals) tail += std::log(p.scale + value);
    total += g.count * (per_customer + log_gamma(px + p.q) - log_gamma(px) + px * g.log_x) +
             (px - 1.0) * g.sum_log_mean - (px + p.q) * tail;
  }
  return total;
}

GammaGammaParameters from_log(std::span<const double> theta) {
  return {std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2])};
}

}  // namespace

Result<void> validate_gamma_gamma_sample(std::span<const GammaGammaCustomer> customers) {
  if (customers.empty()) return fail(ErrorCode::kInvalidArgument, "customers", "no customers");
  for (const GammaGammaCustomer& c : customers) {
    if (c.repeat_transactions < 1 || c.repeat_transactions > kRepeatPurchasesMax) {
      return fail(ErrorCode::kInvalidArgument, "repeat_transactions",
                  "each customer needs between 1 and 1,000,000 repeat transactions");
    }
    if (c.repeat_value_minor <= 0) {
      return fail(ErrorCode::kInvalidArgument, "repeat_value_minor",
                  "repeat transaction value must be positive");
    }
  }
  return {};
}

Result<double> gamma_gamma_log_likelihood(const GammaGammaParameters& parameters,
                                          std::span<const GammaGammaCustomer> customers) {
  if (auto ok = validate_parameters(parameters); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_gamma_gamma_sample(customers); !ok) return std::unexpected(ok.error());
  return log_likelihood(parameters, prepare(customers));
}

Result<GammaGammaFit> fit_gamma_gamma(std::span<const GammaGammaCustomer> customers,
                                      const NelderMeadOptions& options) {
  if (auto ok = validate_gamma_gamma_sample(customers); !ok) return std::unexpected(ok.error());
  const std::vector<Group> groups = prepare(customers);
  const auto count = static_cast<double>(customers.size());
  // Start with gamma at the mean spend: the unit (cents or dollars) then does
  // not decide how far the simplex has to travel.
  double mean_log_value = 0.0;
  for (const Group& g : groups) mean_log_value += g.sum_log_mean;
  mean_log_value /= count;
  const Objective objective = [&](std::span<const double> theta) {
    if (std::abs(theta[0]) > kLogParameterMax || std::abs(theta[1]) > kLogParameterMax ||
        std::abs(theta[2] - mean_log_value) > kLogParameterMax) {
      return std::numeric_limits<double>::infinity();
    }
    return -log_likelihood(from_log(theta), groups) / count;
  };
  auto minimum = minimize_nelder_mead(objective, {0.0, 0.0, mean_log_value}, options);
  if (!minimum) return std::unexpected(minimum.error());
  GammaGammaFit fit;
  fit.parameters = from_log(minimum->x);
  fit.log_likelihood = log_likelihood(fit.parameters, groups);
  fit.evaluations = minimum->evaluations;
  PATRON_ASSERT(std::isfinite(fit.log_likelihood));
  fit.warning = runaway_parameters({{"p", fit.parameters.p}, {"q", fit.parameters.q}});
  return fit;
}

Result<double> gamma_gamma_expected_order_value(const GammaGammaParameters& p,
                                                const GammaGammaCustomer& c) {
  if (auto ok = validate_parameters(p); !ok) return std::unexpected(ok.error());
  if (c.repeat_transactions < 0 || c.repeat_transactions > kRepeatPurchasesMax ||
      c.repeat_value_minor < 0 || (c.repeat_transactions == 0 && c.repeat_value_minor != 0)) {
    return fail(ErrorCode::kInvalidArgument, "repeat_transactions",
                "repeat transactions and value must be >= 0, and the value 0 without them");
  }
  const auto x = static_cast<double>(c.repeat_transactions);
  const double denominator = p.p * x + p.q - 1.0;
  if (denominator <= 0.0) {
    return fail(ErrorCode::kFailedPrecondition, "q",
                "expected order value does not exist when p x + q <= 1");
  }
  return p.p * (p.scale + static_cast<double>(c.repeat_value_minor)) / denominator;
}

}  // namespace patron::analytics
