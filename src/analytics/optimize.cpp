#include "analytics/optimize.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "core/assert.h"

namespace patron::analytics {
namespace {

// The standard coefficients (Nelder & Mead 1965); fine in the 3-4 dimensions
// the fits use (the adaptive ones of Gao & Han 2012 matter above ~10).
constexpr double kReflection = 1.0;
constexpr double kExpansion = 2.0;
constexpr double kContraction = 0.5;
constexpr double kShrink = 0.5;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

using Point = std::vector<double>;

double max_abs(const Point& x) {
  double m = 0;
  for (double v : x) m = std::max(m, std::abs(v));
  return m;
}

// p + t * (q - p)
Point along(const Point& p, const Point& q, double t) {
  Point out(p.size());
  for (std::size_t i = 0; i < p.size(); ++i) out[i] = p[i] + t * (q[i] - p[i]);
  return out;
}

class Search {
 public:
  Search(const Objective& objective, const NelderMeadOptions& options)
      : objective_(objective), options_(options) {}

  double evaluate(const Point& x) {
    ++evaluations_;
    const double v = objective_(x);
    return std::isfinite(v) ? v : kInfinity;
  }
  int evaluations() const { return evaluations_; }

  // One simplex from `best` until it converges (true) or the budget runs out
  // (false). `best` and `best_value` end at the best vertex seen.
  bool run(Point& best, double& best_value) {
    const std::size_t n = best.size();
    points_.assign(1, best);
    values_.assign(1, best_value);
    for (std::size_t i = 0; i < n; ++i) {
      Point p = best;
      p[i] += options_.initial_step;
      values_.push_back(evaluate(p));
      points_.push_back(std::move(p));
    }
    while (evaluations_ < options_.evaluations_max) {
      order();
      if (converged()) break;
      step();
    }
    order();
    best = points_[0];
    best_value = values_[0];
    return converged();
  }

 private:
  void order() {
    std::vector<std::size_t> index(points_.size());
    std::iota(index.begin(), index.end(), 0);
    std::sort(index.begin(), index.end(),
              [&](std::size_t l, std::size_t r) { return values_[l] < values_[r]; });
    std::vector<Point> points;
    std::vector<double> values;
    for (std::size_t i : index) {
      points.push_back(std::move(points_[i]));
      values.push_back(values_[i]);
    }
    points_ = std::move(points);
    values_ = std::move(values);
  }

  bool converged() const {
    const double best = values_.front();
    if (!std::isfinite(values_.back())) return false;
    if (values_.back() - best > options_.value_tolerance * (1.0 + std::abs(best))) return false;
    const double scale = 1.0 + max_abs(points_.front());
    for (const Point& p : points_) {
      for (std::size_t i = 0; i < p.size(); ++i) {
        if (std::abs(p[i] - points_.front()[i]) > options_.point_tolerance * scale) return false;
      }
    }
    return true;
  }

  // One Nelder-Mead move on an ordered simplex (best first, worst last).
  void step() {
    const std::size_t worst = points_.size() - 1;
    Point centroid(points_[0].size(), 0.0);
    for (std::size_t k = 0; k < worst; ++k) {
      for (std::size_t i = 0; i < centroid.size(); ++i) centroid[i] += points_[k][i] / worst;
    }
    Point reflected = along(centroid, points_[worst], -kReflection);
    const double reflected_value = evaluate(reflected);
    if (reflected_value < values_[0]) {
      Point expanded = along(centroid, points_[worst], -kExpansion);
      const double expanded_value = evaluate(expanded);
      if (expanded_value < reflected_value) return replace_worst(expanded, expanded_value);
      return replace_worst(reflected, reflected_value);
    }
    if (reflected_value < values_[worst - 1]) return replace_worst(reflected, reflected_value);
    const bool outside = reflected_value < values_[worst];
    Point contracted = outside ? along(centroid, reflected, kContraction)
                               : along(centroid, points_[worst], kContraction);
    const double contracted_value = evaluate(contracted);
    const double bar = outside ? reflected_value : values_[worst];
    if (contracted_value < bar) return replace_worst(contracted, contracted_value);
    shrink();
  }

  void replace_worst(Point& p, double value) {
    points_.back() = std::move(p);
    values_.back() = value;
  }

  void shrink() {
    for (std::size_t k = 1; k < points_.size(); ++k) {
      points_[k] = along(points_[0], points_[k], kShrink);
      values_[k] = evaluate(points_[k]);
    }
  }

  const Objective& objective_;
  const NelderMeadOptions& options_;
  int evaluations_ = 0;
  std::vector<Point> points_;
  std::vector<double> values_;
};

}  // namespace

Result<Minimum> minimize_nelder_mead(const Objective& objective, std::vector<double> start,
                                     const NelderMeadOptions& options) {
  if (start.empty()) return fail(ErrorCode::kInvalidArgument, "start", "no parameters to fit");
  for (double v : start) {
    if (!std::isfinite(v)) {
      return fail(ErrorCode::kInvalidArgument, "start", "start point must be finite");
    }
  }
  PATRON_ASSERT(options.initial_step > 0 && options.evaluations_max > 0);
  Search search(objective, options);
  Minimum result;
  result.x = std::move(start);
  result.value = search.evaluate(result.x);
  if (!std::isfinite(result.value)) {
    return fail(ErrorCode::kInvalidArgument, "start", "objective is not finite at the start");
  }
  for (int round = 0; round <= options.restarts_max; ++round) {
    const double before = result.value;
    if (!search.run(result.x, result.value)) {
      return fail(ErrorCode::kFailedPrecondition, "fit",
                  "minimisation did not converge within the evaluation budget");
    }
    result.restarts = round;
    const bool improved =
        before - result.value > options.value_tolerance * (1.0 + std::abs(result.value));
    if (round > 0 && !improved) break;
  }
  result.evaluations = search.evaluations();
  return result;
}

std::string runaway_parameters(std::initializer_list<NamedParameter> parameters) {
  std::string names;
  for (const NamedParameter& p : parameters) {
    if (p.value >= kIdentifiedMin && p.value <= kIdentifiedMax) continue;
    char text[64];
    std::snprintf(text, sizeof text, "%s%s = %.3g", names.empty() ? "" : ", ", p.name, p.value);
    names += text;
  }
  if (names.empty()) return names;
  return names + " ran off towards 0 or infinity: the sample does not identify the model";
}

}  // namespace patron::analytics
