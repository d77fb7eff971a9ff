#include "analysis/prosthesis/Retinotopy.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace nl::analysis::prosthesis {

namespace {

using Complex = std::complex<double>;
constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180.0;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

double sign(double value) {
  return value < 0 ? -1.0 : 1.0;
}

}  // namespace

Hemisphere parseHemisphere(const std::string& name) {
  const std::string key = lower(name);
  if (key == "left" || key == "lh" || key == "l") return Hemisphere::Left;
  if (key == "right" || key == "rh" || key == "r") return Hemisphere::Right;
  throw std::invalid_argument("unknown hemisphere '" + name + "' (use left or right)");
}

std::string hemisphereName(Hemisphere hemisphere) {
  return hemisphere == Hemisphere::Left ? "left" : "right";
}

double eccentricityOf(const VisualFieldPoint& point) {
  return std::hypot(point.x, point.y);
}

double polarAngleOf(const VisualFieldPoint& point) {
  // Clockwise from the upper vertical meridian: atan2(x, y).
  return std::atan2(point.x, point.y) / kDeg;
}

VisualFieldPoint fromPolar(double eccentricityDeg, double polarAngleDeg) {
  return {eccentricityDeg * std::sin(polarAngleDeg * kDeg),
          eccentricityDeg * std::cos(polarAngleDeg * kDeg)};
}

MapModel parseMapModel(const std::string& name) {
  const std::string key = lower(name);
  if (key == "monopole") return MapModel::Monopole;
  if (key == "dipole") return MapModel::Dipole;
  if (key == "wedge-dipole" || key == "wedge_dipole" || key == "polimeni")
    return MapModel::WedgeDipole;
  throw std::invalid_argument("unknown visuotopic map '" + name +
                              "' (use monopole, dipole or wedge-dipole)");
}

std::string mapModelName(MapModel model) {
  switch (model) {
    case MapModel::Monopole:
      return "monopole";
    case MapModel::Dipole:
      return "dipole";
    case MapModel::WedgeDipole:
      return "wedge-dipole";
  }
  return "?";
}

MapParameters MapParameters::pulse2percept() {
  return MapParameters{};
}

MapParameters MapParameters::dynaphos() {
  MapParameters p;
  p.model = MapModel::Dipole;
  p.k = 17.3;
  p.a = 0.75;
  p.b = 120;
  p.alpha = {0.95, 0.95, 0.95};
  return p;
}

AnalyticMap::AnalyticMap(const MapParameters& parameters) : parameters_(parameters) {
  const auto& p = parameters_;
  if (!(p.k > 0) || !(p.a > 0)) throw std::invalid_argument("visuotopic map: k and a must be > 0");
  if (p.model != MapModel::Monopole && !(p.b > p.a))
    throw std::invalid_argument("visuotopic map: b must be larger than a");
  for (double alpha : p.alpha)
    if (!(alpha > 0) || alpha > 1)
      throw std::invalid_argument("visuotopic map: the shear α of every area must be in (0, 1]");
}

// The wedge of each area: the hemifield angle φ ∈ (−π/2, π/2) → the angle of
// the complex number the dipole sees (Polimeni 2006 as pulse2percept arranges
// it). V1: α1·φ. V2: −conj(r e^{iθ2}) with θ2 = α2 φ + sgn φ (φ1 + φ2), i.e. the
// angle π − θ2 (reflected). V3: α3 φ + sgn φ (π − φ1 − φ2). φk = π/2 (1 − αk).
Complex AnalyticMap::fieldToCortex(Complex z, int area) const {
  const auto& p = parameters_;
  if (p.model == MapModel::Monopole) return p.k * std::log(1.0 + z / p.a);
  Complex zz = z;
  if (p.model == MapModel::WedgeDipole) {
    const double r = std::abs(z);
    const double phi = std::arg(z);
    const double phi1 = kPi / 2 * (1 - p.alpha[0]);
    const double phi2 = kPi / 2 * (1 - p.alpha[1]);
    if (area == 2) {
      const double theta2 = p.alpha[1] * phi + sign(phi) * (phi1 + phi2);
      zz = -std::conj(std::polar(r, theta2));
    } else if (area == 3) {
      zz = std::polar(r, p.alpha[2] * phi + sign(phi) * (kPi - phi1 - phi2));
    } else {
      zz = std::polar(r, p.alpha[0] * phi);
    }
  }
  return p.k * std::log(p.b * (zz + p.a) / (p.a * (zz + p.b)));
}

Complex AnalyticMap::cortexToField(Complex w, int area) const {
  const auto& p = parameters_;
  const Complex e = std::exp(w / p.k);
  if (p.model == MapModel::Monopole) return p.a * e - p.a;
  const Complex zz = p.a * p.b * (e - 1.0) / (p.b - p.a * e);
  if (p.model == MapModel::Dipole) return zz;
  const double r = std::abs(zz);
  const double phi1 = kPi / 2 * (1 - p.alpha[0]);
  const double phi2 = kPi / 2 * (1 - p.alpha[1]);
  double phi;
  if (area == 2) {
    // zz = r e^{i(π − θ2)}: θ2 = π − arg zz, taken in (0, π) for the upper
    // field (w.imag > 0) and (−π, 0) for the lower one.
    double theta2 = kPi - std::arg(zz);
    if (theta2 > kPi) theta2 -= 2 * kPi;
    const double s = sign(w.imag());
    if (s * theta2 < 0) theta2 += s * 2 * kPi;
    phi = (theta2 - s * (phi1 + phi2)) / p.alpha[1];
  } else if (area == 3) {
    const double s = sign(w.imag());
    phi = (std::arg(zz) - s * (kPi - phi1 - phi2)) / p.alpha[2];
  } else {
    phi = std::arg(zz) / p.alpha[0];
  }
  return std::polar(r, phi);
}

CorticalPoint AnalyticMap::toCortex(const VisualFieldPoint& point, Hemisphere hemisphere,
                                    int area) const {
  const Complex z(hemisphere == Hemisphere::Left ? point.x : -point.x, point.y);
  const Complex w = fieldToCortex(z, area);
  return {w.real(), w.imag()};
}

VisualFieldPoint AnalyticMap::toVisualField(const CorticalPoint& point, Hemisphere hemisphere,
                                            int area, Eigen::Matrix2d* jacobian) const {
  const Complex w(point.x, point.y);
  const Complex z = cortexToField(w, area);
  const double mirror = hemisphere == Hemisphere::Left ? 1.0 : -1.0;
  if (jacobian) {
    const auto& p = parameters_;
    const Complex e = std::exp(w / p.k);
    // The holomorphic part: d zz/dw of the monopole / dipole inverse.
    const Complex dzz =
        p.model == MapModel::Monopole
            ? p.a * e / p.k
            : p.a * p.b * (p.b - p.a) * e / (p.k * (p.b - p.a * e) * (p.b - p.a * e));
    Eigen::Matrix2d holomorphic;  // ∂(u, v)/∂(wx, wy) of zz = u + iv
    holomorphic << dzz.real(), -dzz.imag(), dzz.imag(), dzz.real();
    Eigen::Matrix2d wedge = Eigen::Matrix2d::Identity();  // ∂(zx, zy)/∂(u, v)
    if (p.model == MapModel::WedgeDipole) {
      const Complex zz = p.a * p.b * (e - 1.0) / (p.b - p.a * e);
      const double u = zz.real(), v = zz.imag();
      const double r2 = std::max(u * u + v * v, 1e-300), r = std::sqrt(r2);
      // ψ = arg z; dψ/dθ = ±1/α (V2 is reflected).
      const double dPsi = area == 2   ? -1.0 / p.alpha[1]
                          : area == 3 ? 1.0 / p.alpha[2]
                                      : 1.0 / p.alpha[0];
      const double psi = std::arg(z);
      const double c = std::cos(psi), s = std::sin(psi);
      const double drdu = u / r, drdv = v / r, dtdu = -v / r2, dtdv = u / r2;
      wedge << c * drdu - r * s * dPsi * dtdu, c * drdv - r * s * dPsi * dtdv,
          s * drdu + r * c * dPsi * dtdu, s * drdv + r * c * dPsi * dtdv;
    }
    *jacobian = wedge * holomorphic;
    jacobian->row(0) *= mirror;
  }
  return {mirror * z.real(), z.imag()};
}

double AnalyticMap::magnification(double r) const {
  const auto& p = parameters_;
  if (p.model == MapModel::Monopole) return p.k / (r + p.a);
  return p.k * (p.b - p.a) / ((r + p.a) * (r + p.b));
}

double AnalyticMap::magnificationDerivative(double r) const {
  const auto& p = parameters_;
  if (p.model == MapModel::Monopole) return -p.k / ((r + p.a) * (r + p.a));
  return p.k * (-1.0 / ((r + p.a) * (r + p.a)) + 1.0 / ((r + p.b) * (r + p.b)));
}

}  // namespace nl::analysis::prosthesis
