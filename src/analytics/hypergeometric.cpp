#include "analytics/hypergeometric.h"

#include <math.h>  // lgamma_r: std::lgamma writes the global signgam, not thread-safe

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>

namespace patron::analytics {
namespace {

// Beyond this the plain series needs too many terms; the 1-z form takes over.
constexpr double kDirectSeriesZMax = 0.9;
// With c-a-b near an integer the plain series is kept up to here (<= ~40,000
// terms) because the 1-z form is degenerate there.
constexpr double kNearIntegerDirectZMax = 0.999;
constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
// The step in c for the degenerate case: at least 9 kIntegerGapMin from the
// integer, so the two blowing-up terms cancel to about 1e-12 relative, while the
// O(h^4) extrapolation error stays near 1e-16 times the fourth derivative in c.
constexpr double kDegenerateStep = 10.0 * kIntegerGapMin;

bool is_non_positive_integer(double v) {
  return v <= 0.0 && v == std::floor(v);
}

double distance_to_integer(double v) {
  return std::abs(v - std::round(v));
}

Result<double> not_converged() {
  return fail(ErrorCode::kFailedPrecondition, "z", "hypergeometric series did not converge");
}

// sum_n (a)_n (b)_n / ((c)_n n!) z^n. The stop test bounds the tail by a
// geometric series. Once a + k, b + k and c + k are positive for every later
// k, the ratio of term k+1 to term k is z (a+k)/(k+1) (b+k)/(c+k), and each
// fraction is monotone in k and tends to 1: the later ratios stay below
// rho = |z| max(1, (a+m)/(m+1)) max(1, (b+m)/(c+m)) at the next index m.
// (The old test waited until n > max(|a|, |b|, |c|): with b and c near 5e5,
// as a fit to the Online Retail file gives, that is past kSeriesTermsMax
// although the terms had fallen below 1e-16 after some sixty.)
Result<double> power_series(double a, double b, double c, double z) {
  double term = 1.0;
  double sum = 1.0;
  for (int n = 0; n < kSeriesTermsMax; ++n) {
    const double ratio = (a + n) * (b + n) / ((c + n) * (n + 1.0)) * z;
    term *= ratio;
    sum += term;
    if (term == 0.0) return sum;  // a or b is a non-positive integer: a polynomial
    const double m = n + 1.0;
    if (a + m <= 0.0 || b + m <= 0.0 || c + m <= 0.0) continue;
    const double rho =
        std::abs(z) * std::max(1.0, (a + m) / (m + 1.0)) * std::max(1.0, (b + m) / (c + m));
    if (rho < 1.0 && std::abs(term) * rho / (1.0 - rho) <= kEpsilon * std::abs(sum)) return sum;
  }
  return not_converged();
}

// prod Gamma(numerator_i) / prod Gamma(denominator_j), through lgamma with
// signs so large arguments do not overflow. 1/Gamma is 0 at the poles.
double gamma_ratio(std::initializer_list<double> numerator,
                   std::initializer_list<double> denominator) {
  double log_magnitude = 0.0;
  int sign = 1;
  for (double v : denominator) {
    if (is_non_positive_integer(v)) return 0.0;
    int s = 1;
    log_magnitude -= lgamma_r(v, &s);
    sign *= s;
  }
  for (double v : numerator) {
    int s = 1;
    log_magnitude += lgamma_r(v, &s);
    sign *= s;
  }
  return sign * std::exp(log_magnitude);
}

// A&S 15.3.6, for 0 < z < 1 and c-a-b not an integer.
Result<double> one_minus_z_form(double a, double b, double c, double z) {
  const double m = c - a - b;
  const double w = 1.0 - z;
  auto first = power_series(a, b, 1.0 - m, w);
  if (!first) return first;
  auto second = power_series(c - a, c - b, 1.0 + m, w);
  if (!second) return second;
  const double first_coefficient = gamma_ratio({c, m}, {c - a, c - b});
  const double second_coefficient = gamma_ratio({c, -m}, {a, b});
  return first_coefficient * *first + std::pow(w, m) * second_coefficient * *second;
}

Result<double> positive_z(double a, double b, double c, double z) {
  if (z <= kDirectSeriesZMax) return power_series(a, b, c, z);
  const double m = c - a - b;
  if (distance_to_integer(m) >= kIntegerGapMin) return one_minus_z_form(a, b, c, z);
  if (z <= kNearIntegerDirectZMax) return power_series(a, b, c, z);
  // Degenerate: the form is smooth in c, so take the symmetric means
  // A(h) = (F(c+h) + F(c-h)) / 2 = F + O(h^2) at h and 2h and extrapolate
  // (Richardson): (4 A(h) - A(2h)) / 3 = F + O(h^4).
  const double h = kDegenerateStep;
  double means[2] = {0.0, 0.0};
  for (int k = 0; k < 2; ++k) {
    auto above = one_minus_z_form(a, b, c + (k + 1) * h, z);
    if (!above) return above;
    auto below = one_minus_z_form(a, b, c - (k + 1) * h, z);
    if (!below) return below;
    means[k] = 0.5 * (*above + *below);
  }
  return (4.0 * means[0] - means[1]) / 3.0;
}

}  // namespace

Result<double> hypergeometric_2f1(double a, double b, double c, double z) {
  if (!std::isfinite(a) || !std::isfinite(b) || !std::isfinite(c) || !std::isfinite(z)) {
    return fail(ErrorCode::kInvalidArgument, "z", "hypergeometric arguments must be finite");
  }
  if (is_non_positive_integer(c)) {
    return fail(ErrorCode::kInvalidArgument, "c", "c must not be a non-positive integer");
  }
  if (z > 1.0) return fail(ErrorCode::kInvalidArgument, "z", "z must be at most 1");
  // A polynomial: its finite sum is exact for any z.
  if (is_non_positive_integer(a) || is_non_positive_integer(b)) {
    return power_series(a, b, c, z);
  }
  if (z == 1.0) {
    if (c - a - b <= 0.0) {
      return fail(ErrorCode::kInvalidArgument, "z", "2F1 diverges at z = 1 when c-a-b <= 0");
    }
    return gamma_ratio({c, c - a - b}, {c - a, c - b});
  }
  if (z < 0.0) {
    const double w = z / (z - 1.0);  // in (0, 1)
    auto value = positive_z(a, c - b, c, w);
    if (!value) return value;
    return std::pow(1.0 - z, -a) * *value;
  }
  return positive_z(a, b, c, z);
}

}  // namespace patron::analytics
