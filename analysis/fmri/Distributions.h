#pragma once
// The distribution functions the GLM needs to turn t statistics into z
// scores: the regularized incomplete beta function (Lentz's continued
// fraction, evaluated in log space so tiny tail probabilities do not
// underflow), Student's t survival function and the normal quantile. No
// dependency beyond <cmath>.
namespace nl::analysis::fmri {

// ln B(a, b) through lgamma.
double logBeta(double a, double b);
// I_x(a, b) for a, b > 0 and 0 <= x <= 1; `oneMinusX` is 1 − x computed by the
// caller (pass it when x is close to 1 so it keeps its digits).
double regularizedIncompleteBeta(double a, double b, double x, double oneMinusX);
// ln I_x(a, b), accurate where I_x(a, b) itself underflows.
double logRegularizedIncompleteBeta(double a, double b, double x, double oneMinusX);

// ln P(T > t) for Student's t with `dof` degrees of freedom (dof > 0).
double studentTLogSf(double t, double dof);
double studentTSf(double t, double dof);
// ln P(Z > z) for the standard normal; asymptotic (Mills ratio) beyond z = 30.
double normalLogSf(double z);
// The z with P(Z > z) = exp(logP); logP <= 0.
double normalIsfFromLog(double logP);
// The z score with the same tail probability as t: z = Φ⁻¹(F_t(t)), computed
// from the tail on t's side so |t| up to ~1e150 keeps full precision.
// NaN for NaN t or dof <= 0; ±inf for ±inf t.
double tToZ(double t, double dof);

}  // namespace nl::analysis::fmri
