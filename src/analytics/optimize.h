// Derivative-free minimisation (Nelder-Mead simplex with restarts) for the
// small maximum-likelihood fits of the analytics models: a handful of
// parameters, smooth objectives, no gradients at hand. Pure; the objective is
// called on the caller's thread only.
//
// Non-finite objective values count as +infinity, so a fit may probe outside a
// model's domain and simply be pushed back. Restarts rebuild the simplex around
// the best point until a restart no longer improves it: a collapsed simplex is
// the classic way Nelder-Mead stops short of a minimum.
//
// Fails (kInvalidArgument) on an empty or non-finite start or a non-finite
// objective at the start; (kFailedPrecondition) when the evaluation budget runs
// out before convergence.
#pragma once

#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace patron::analytics {

struct NelderMeadOptions {
  // Edge of the first simplex around the start, in the units of x (the fits
  // search log-parameters, so 0.5 spans a factor of 1.6 either way).
  double initial_step = 0.5;
  // Converged when the simplex's objective values differ by less than
  // value_tolerance * (1 + |best|) and its vertices lie within
  // point_tolerance * (1 + |x|) of the best.
  double value_tolerance = 1e-12;
  double point_tolerance = 1e-7;
  int evaluations_max = 20'000;  // over all restarts
  int restarts_max = 20;
};

struct Minimum {
  std::vector<double> x;
  double value = 0;
  int evaluations = 0;
  int restarts = 0;  // simplexes built after the first
};

using Objective = std::function<double(std::span<const double>)>;

Result<Minimum> minimize_nelder_mead(const Objective& objective, std::vector<double> start,
                                     const NelderMeadOptions& options = {});

// A fitted parameter outside [kIdentifiedMin, kIdentifiedMax] ran off towards 0
// or infinity: the likelihood is flat that way (r and alpha growing together,
// a or b at the edge of the search) and the sample does not pin the parameter
// down. Sensible fits of the analytics models lie orders of magnitude inside.
inline constexpr double kIdentifiedMin = 1e-6;
inline constexpr double kIdentifiedMax = 1e6;

struct NamedParameter {
  const char* name;
  double value;
};

// "" when every parameter is within the bounds above; otherwise a sentence
// naming those that are not, for a fit's warning.
std::string runaway_parameters(std::initializer_list<NamedParameter> parameters);

}  // namespace patron::analytics
