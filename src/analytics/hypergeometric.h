// The Gaussian hypergeometric function 2F1(a, b; c; z) for real arguments and
// z <= 1, as the BG/NBD expectations need it (Fader, Hardie & Lee 2005, eq. 7
// and 10). Pure and thread-safe.
//
// Method (Abramowitz & Stegun 15.1.1, 15.3.5, 15.3.6, 15.1.20):
//   z < 0            Pfaff: (1-z)^-a 2F1(a, c-b; c; z/(z-1)), argument in [0, 1)
//   0 <= z <= 0.9    the power series in z
//   0.9 < z < 1      the 1-z transformation, whose series converge fast; when
//                    c-a-b is within kIntegerGapMin of an integer the two terms
//                    of that transformation blow up and cancel, so the plain
//                    series is used up to z = 0.999 and beyond that the
//                    transformation at c +/- h and c +/- 2h, extrapolated to h = 0
//                    (Richardson; about 1e-11 relative)
//   z = 1            Gauss's sum, when c-a-b > 0
// Accuracy: about 1e-14 relative when a, b, c > 0 (all terms positive); with
// negative parameters the terms may cancel and accuracy is lower.
//
// Fails (kInvalidArgument) on non-finite arguments, z > 1, z = 1 with
// c-a-b <= 0, and c a non-positive integer (the series is undefined); fails
// (kFailedPrecondition) if a series does not converge within kSeriesTermsMax.
#pragma once

#include "core/error.h"

namespace patron::analytics {

// Terms of one power series before giving up. The plain series at z = 0.999
// needs about 40,000 terms for double precision; this leaves room above that.
inline constexpr int kSeriesTermsMax = 200'000;

// How close c-a-b may come to an integer before the 1-z transformation is
// treated as degenerate (see above).
inline constexpr double kIntegerGapMin = 1e-5;

Result<double> hypergeometric_2f1(double a, double b, double c, double z);

}  // namespace patron::analytics
