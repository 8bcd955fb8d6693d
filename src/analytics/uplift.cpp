#include "analytics/uplift.h"

#include <cmath>

namespace patron::analytics {

namespace {

// Continued fraction of the incomplete beta (modified Lentz), converging
// for x < (a + 1) / (a + b + 2); 300 terms reach 1e-15 for every a, b used
// here (df / 2 and 1 / 2).
constexpr int kBetaTermsMax = 300;
constexpr double kBetaEpsilon = 1e-15;
constexpr double kTiny = 1e-300;

double beta_fraction(double x, double a, double b) {
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= kBetaTermsMax; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::fabs(step - 1) < kBetaEpsilon) break;
  }
  return h;
}

Difference with_interval(double estimate, double se, double quantile) {
  Difference d;
  d.estimate = estimate;
  if (!(se > 0) || !std::isfinite(se)) return d;
  d.low = estimate - quantile * se;
  d.high = estimate + quantile * se;
  return d;
}

}  // namespace

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double regularized_incomplete_beta(double x, double a, double b) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1) / (a + b + 2)) return front * beta_fraction(x, a, b) / a;
  return 1 - front * beta_fraction(1 - x, b, a) / b;
}

double student_t_two_sided(double t, double df) {
  if (std::isinf(t)) return 0;
  return regularized_incomplete_beta(df / (df + t * t), df / 2, 0.5);
}

double student_t_cdf(double t, double df) {
  const double tail = 0.5 * student_t_two_sided(t, df);
  return t > 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (p == 0.5) return 0;
  if (p < 0.5) return -student_t_quantile(1 - p, df);
  // Bracket, then bisect: the cdf is increasing, and 200 halvings reach the
  // last bit of a double from any bracket below 2^60.
  double low = 0, high = 1;
  while (student_t_cdf(high, df) < p && high < 1e18) {
    low = high;
    high *= 2;
  }
  for (int i = 0; i < 200 && high - low > 1e-15 * high; ++i) {
    const double mid = 0.5 * (low + high);
    (student_t_cdf(mid, df) < p ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

Result<void> GroupOutcome::add_member(bool bought, int64_t revenue_minor) {
  if (revenue_minor < 0) {
    return fail(ErrorCode::kInvalidArgument, "revenue", "must not be negative");
  }
  int64_t sum = 0;
  if (__builtin_add_overflow(revenue_minor_, revenue_minor, &sum)) {
    return fail(ErrorCode::kFailedPrecondition, "revenue", "sum overflows int64");
  }
  revenue_minor_ = sum;
  ++members_;
  if (bought) ++buyers_;
  const double x = static_cast<double>(revenue_minor);
  const double delta = x - mean_;
  mean_ += delta / static_cast<double>(members_);
  squares_ += delta * (x - mean_);
  return {};
}

std::optional<double> GroupOutcome::buyer_share() const {
  if (members_ == 0) return std::nullopt;
  return static_cast<double>(buyers_) / static_cast<double>(members_);
}

std::optional<double> GroupOutcome::mean_revenue() const {
  if (members_ == 0) return std::nullopt;
  return static_cast<double>(revenue_minor_) / static_cast<double>(members_);
}

std::optional<double> GroupOutcome::revenue_variance() const {
  if (members_ < 2) return std::nullopt;
  return squares_ / static_cast<double>(members_ - 1);
}

Difference proportion_difference(const GroupOutcome& treated, const GroupOutcome& control) {
  const auto pt = treated.buyer_share(), pc = control.buyer_share();
  if (!pt || !pc) return {};
  const double nt = static_cast<double>(treated.members());
  const double nc = static_cast<double>(control.members());
  const double se = std::sqrt(*pt * (1 - *pt) / nt + *pc * (1 - *pc) / nc);
  Difference d = with_interval(*pt - *pc, se, kNormalQuantile975);
  if (d.low) d.p_value = 2 * normal_cdf(-std::fabs(*d.estimate) / se);
  return d;
}

Difference welch_difference(const GroupOutcome& treated, const GroupOutcome& control) {
  const auto mt = treated.mean_revenue(), mc = control.mean_revenue();
  if (!mt || !mc) return {};
  const auto vt = treated.revenue_variance(), vc = control.revenue_variance();
  if (!vt || !vc) {
    Difference d;
    d.estimate = *mt - *mc;
    return d;
  }
  const double nt = static_cast<double>(treated.members());
  const double nc = static_cast<double>(control.members());
  const double at = *vt / nt, ac = *vc / nc;
  const double se = std::sqrt(at + ac);
  if (!(se > 0)) {
    Difference d;
    d.estimate = *mt - *mc;
    return d;
  }
  const double df = (at + ac) * (at + ac) / (at * at / (nt - 1) + ac * ac / (nc - 1));
  Difference d = with_interval(*mt - *mc, se, student_t_quantile(0.975, df));
  d.p_value = student_t_two_sided(*d.estimate / se, df);
  d.degrees_of_freedom = df;
  return d;
}

}  // namespace patron::analytics
