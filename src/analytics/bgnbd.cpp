#include "analytics/bgnbd.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "analytics/hypergeometric.h"
#include "analytics/log_gamma.h"
#include "core/assert.h"

namespace patron::analytics {
namespace {

// The fit searches log-parameters inside [-kLogParameterMax, kLogParameterMax]
// (parameters between 2e-9 and 5e8): far beyond any sensible fit, and it keeps
// lgamma and pow away from overflow while the simplex explores.
constexpr double kLogParameterMax = 20.0;
// Below this |a - 1| the factor 1/(a-1) of eq. 7 and 10 is meaningless.
constexpr double kUnitAGapMin = 1e-9;

bool positive_finite(double v) {
  return std::isfinite(v) && v > 0.0;
}

Result<void> validate_parameters(const BgnbdParameters& p) {
  if (!positive_finite(p.r) || !positive_finite(p.alpha) || !positive_finite(p.a) ||
      !positive_finite(p.b)) {
    return fail(ErrorCode::kInvalidArgument, "parameters",
                "BG/NBD parameters must be positive and finite");
  }
  return {};
}

Result<void> validate_customer(const BgnbdCustomer& c) {
  if (c.repeat_purchases < 0 || c.repeat_purchases > kRepeatPurchasesMax) {
    return fail(ErrorCode::kInvalidArgument, "repeat_purchases",
                "repeat purchases must be between 0 and 1,000,000");
  }
  if (!positive_finite(c.age_weeks)) {
    return fail(ErrorCode::kInvalidArgument, "age_weeks", "age must be positive and finite");
  }
  if (!std::isfinite(c.last_purchase_weeks) || c.last_purchase_weeks < 0.0 ||
      c.last_purchase_weeks > c.age_weeks) {
    return fail(ErrorCode::kInvalidArgument, "last_purchase_weeks",
                "last purchase must lie between 0 and the age");
  }
  if (c.repeat_purchases == 0 && c.last_purchase_weeks != 0.0) {
    return fail(ErrorCode::kInvalidArgument, "last_purchase_weeks",
                "last purchase must be 0 without repeat purchases");
  }
  return {};
}

double log_add_exp(double u, double v) {
  const double high = std::max(u, v);
  if (high == -std::numeric_limits<double>::infinity()) return high;
  return high + std::log1p(std::exp(std::min(u, v) - high));
}

// Identical summaries collapse into one weighted row: with purchases recorded
// per day, thousands of customers share a handful of (x, t_x, T), and the
// likelihood loop runs once per distinct row instead of once per customer.
struct Row {
  double last_purchase_weeks;
  double age_weeks;
  double weight;
};
struct Group {  // rows with the same x, whose lgamma terms are shared
  double repeat_purchases;
  double weight;
  std::vector<Row> rows;
};

std::vector<Group> prepare(std::span<const BgnbdCustomer> customers) {
  std::vector<BgnbdCustomer> sorted(customers.begin(), customers.end());
  std::sort(sorted.begin(), sorted.end(), [](const BgnbdCustomer& l, const BgnbdCustomer& r) {
    if (l.repeat_purchases != r.repeat_purchases) return l.repeat_purchases < r.repeat_purchases;
    if (l.last_purchase_weeks != r.last_purchase_weeks) {
      return l.last_purchase_weeks < r.last_purchase_weeks;
    }
    return l.age_weeks < r.age_weeks;
  });
  std::vector<Group> groups;
  for (const BgnbdCustomer& c : sorted) {
    const auto x = static_cast<double>(c.repeat_purchases);
    if (groups.empty() || groups.back().repeat_purchases != x) groups.push_back({x, 0.0, {}});
    Group& g = groups.back();
    g.weight += 1.0;
    if (!g.rows.empty() && g.rows.back().last_purchase_weeks == c.last_purchase_weeks &&
        g.rows.back().age_weeks == c.age_weeks) {
      g.rows.back().weight += 1.0;
    } else {
      g.rows.push_back({c.last_purchase_weeks, c.age_weeks, 1.0});
    }
  }
  return groups;
}

// Eq. 6 in logs: ln Gamma(r+x) - ln Gamma(r) + r ln alpha
//   + ln[ B(a, b+x)/B(a, b) (alpha+T)^-(r+x) + [x>0] B(a+1, b+x-1)/B(a, b) (alpha+t_x)^-(r+x) ].
double log_likelihood(const BgnbdParameters& p, const std::vector<Group>& groups) {
  const double log_beta_ab = log_gamma(p.a) + log_gamma(p.b) - log_gamma(p.a + p.b);
  const double log_gamma_r = log_gamma(p.r);
  const double log_alpha = std::log(p.alpha);
  double total = 0.0;
  for (const Group& g : groups) {
    const double x = g.repeat_purchases;
    const double rx = p.r + x;
    const double log_gamma_abx = log_gamma(p.a + p.b + x);
    const double alive = log_gamma(p.a) + log_gamma(p.b + x) - log_gamma_abx - log_beta_ab;
    double sum = 0.0;
    if (x == 0.0) {
      for (const Row& row : g.rows)
        sum += row.weight * (alive - rx * std::log(p.alpha + row.age_weeks));
    } else {
      const double dropped =
          log_gamma(p.a + 1.0) + log_gamma(p.b + x - 1.0) - log_gamma_abx - log_beta_ab;
      for (const Row& row : g.rows) {
        const double l1 = alive - rx * std::log(p.alpha + row.age_weeks);
        const double l2 = dropped - rx * std::log(p.alpha + row.last_purchase_weeks);
        sum += row.weight * log_add_exp(l1, l2);
      }
    }
    total += g.weight * (log_gamma(rx) - log_gamma_r + p.r * log_alpha) + sum;
  }
  return total;
}

BgnbdParameters from_log(std::span<const double> theta) {
  return {std::exp(theta[0]), std::exp(theta[1]), std::exp(theta[2]), std::exp(theta[3])};
}

Result<void> validate_not_unit_a(const BgnbdParameters& p) {
  if (std::abs(p.a - 1.0) < kUnitAGapMin) {
    return fail(ErrorCode::kFailedPrecondition, "a", "expectations are undefined at a = 1");
  }
  return {};
}

// The closed forms of eq. 7 and 10: scale (1 - (1 + u)^-k F), an expected
// count, so >= 0. (1 + u)^-k F is 1 - O(|a - 1| / scale), and with a large b
// the scale reaches 1e8: the factor and the difference are taken in logs
// (log1p, expm1), which keep their relative precision. The old
// exp(k (ln alpha - ln(alpha + t))) lost ~k * 1e-16 * ln(alpha) absolutely,
// and at r = 4e7, alpha = 4e8, b = 5e7 gave E = -3.4 (issue 8: a negative
// forecast after a fit on three members). What rounding is left is ~1e-16
// of |ln F| times the scale, far below one purchase; it can only push a true
// value of about 0 below 0, so the result is floored at 0.
double scaled_one_minus(double scale, double k, double u, double hypergeometric) {
  const double log_product = -k * std::log1p(u) + std::log(hypergeometric);
  return std::max(0.0, -scale * std::expm1(log_product));
}

}  // namespace

Result<void> validate_bgnbd_sample(std::span<const BgnbdCustomer> customers) {
  if (customers.empty()) return fail(ErrorCode::kInvalidArgument, "customers", "no customers");
  for (const BgnbdCustomer& c : customers) {
    if (auto ok = validate_customer(c); !ok) return ok;
  }
  return {};
}

Result<double> bgnbd_log_likelihood(const BgnbdParameters& parameters,
                                    std::span<const BgnbdCustomer> customers) {
  if (auto ok = validate_parameters(parameters); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_bgnbd_sample(customers); !ok) return std::unexpected(ok.error());
  return log_likelihood(parameters, prepare(customers));
}

Result<BgnbdFit> fit_bgnbd(std::span<const BgnbdCustomer> customers,
                           const NelderMeadOptions& options) {
  if (auto ok = validate_bgnbd_sample(customers); !ok) return std::unexpected(ok.error());
  const std::vector<Group> groups = prepare(customers);
  const auto count = static_cast<double>(customers.size());
  // Mean log-likelihood per customer: the tolerances then mean the same for
  // 100 customers as for 100,000.
  const Objective objective = [&](std::span<const double> theta) {
    for (double t : theta) {
      if (std::abs(t) > kLogParameterMax) return std::numeric_limits<double>::infinity();
    }
    return -log_likelihood(from_log(theta), groups) / count;
  };
  auto minimum = minimize_nelder_mead(objective, {0.0, 0.0, 0.0, 0.0}, options);
  if (!minimum) return std::unexpected(minimum.error());
  BgnbdFit fit;
  fit.parameters = from_log(minimum->x);
  fit.log_likelihood = log_likelihood(fit.parameters, groups);
  fit.evaluations = minimum->evaluations;
  PATRON_ASSERT(std::isfinite(fit.log_likelihood));
  const auto repeaters =
      std::count_if(customers.begin(), customers.end(),
                    [](const BgnbdCustomer& c) { return c.repeat_purchases > 0; });
  const BgnbdParameters& p = fit.parameters;
  std::vector<std::string> why;
  if (repeaters < kRepeatCustomersMin) {
    why.push_back("only " + std::to_string(repeaters) + " customers with a repeat purchase (" +
                  std::to_string(kRepeatCustomersMin) + " wanted)");
  }
  if (const double dropout = p.a / (p.a + p.b); dropout < kDropoutMeanMin) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "no dropout found (a/(a+b) = %.2g): a and b are not identified, the forecasts "
                  "are those of a model where every customer stays",
                  dropout);
    why.emplace_back(text);
  }
  if (auto runaway = runaway_parameters({{"r", p.r}, {"alpha", p.alpha}, {"a", p.a}, {"b", p.b}});
      !runaway.empty()) {
    why.push_back(std::move(runaway));
  }
  for (const auto& w : why) fit.warning += (fit.warning.empty() ? "" : "; ") + w;
  return fit;
}

Result<double> bgnbd_probability_alive(const BgnbdParameters& p, const BgnbdCustomer& c) {
  if (auto ok = validate_parameters(p); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_customer(c); !ok) return std::unexpected(ok.error());
  if (c.repeat_purchases == 0) return 1.0;
  const double x = static_cast<double>(c.repeat_purchases);
  // ln((alpha+T)/(alpha+t_x)) as log1p: a difference of two logs loses all
  // its digits when alpha is large, and r + x multiplies the loss.
  const double log_odds_dead = std::log(p.a) - std::log(p.b + x - 1.0) +
                               (p.r + x) * std::log1p((c.age_weeks - c.last_purchase_weeks) /
                                                      (p.alpha + c.last_purchase_weeks));
  return 1.0 / (1.0 + std::exp(log_odds_dead));  // exp overflow gives 0: surely dead
}

Result<double> bgnbd_expected_purchases_new(const BgnbdParameters& p, double t_weeks) {
  if (auto ok = validate_parameters(p); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_not_unit_a(p); !ok) return std::unexpected(ok.error());
  if (!std::isfinite(t_weeks) || t_weeks < 0.0) {
    return fail(ErrorCode::kInvalidArgument, "t_weeks", "horizon must be finite and >= 0");
  }
  if (t_weeks == 0.0) return 0.0;
  auto hypergeometric =
      hypergeometric_2f1(p.r, p.b, p.a + p.b - 1.0, t_weeks / (p.alpha + t_weeks));
  if (!hypergeometric) return hypergeometric;
  return scaled_one_minus((p.a + p.b - 1.0) / (p.a - 1.0), p.r, t_weeks / p.alpha, *hypergeometric);
}

Result<double> bgnbd_expected_purchases(const BgnbdParameters& p, const BgnbdCustomer& c,
                                        double t_weeks) {
  if (auto ok = validate_not_unit_a(p); !ok) return std::unexpected(ok.error());
  auto alive = bgnbd_probability_alive(p, c);  // validates p and c
  if (!alive) return alive;
  if (!std::isfinite(t_weeks) || t_weeks < 0.0) {
    return fail(ErrorCode::kInvalidArgument, "t_weeks", "horizon must be finite and >= 0");
  }
  if (t_weeks == 0.0) return 0.0;
  const double x = static_cast<double>(c.repeat_purchases);
  const double end = p.alpha + c.age_weeks;  // alpha + T
  auto hypergeometric =
      hypergeometric_2f1(p.r + x, p.b + x, p.a + p.b + x - 1.0, t_weeks / (end + t_weeks));
  if (!hypergeometric) return hypergeometric;
  const double if_alive = scaled_one_minus((p.a + p.b + x - 1.0) / (p.a - 1.0), p.r + x,
                                           t_weeks / end, *hypergeometric);
  // Eq. 10's denominator 1 + [x>0] a/(b+x-1) (...)^(r+x) is 1 / P(alive).
  return if_alive * *alive;
}

}  // namespace patron::analytics
