#pragma once
// Analytic visuotopic maps of early visual cortex (both directions) and the
// conventions every prosthesis file uses. docs/PROSTHESIS.md has the formulas.
//
// Visual field: degrees of visual angle, x > 0 right, y > 0 up, fixation at
// (0, 0). Polar angle (as Benson 2014 and neuropythy write it, signed here):
// 0° on the upper vertical meridian, +90° on the right horizontal meridian,
// −90° on the left one, ±180° on the lower vertical meridian.
//
// Flat cortical maps (one per hemisphere, mm): the foveal confluence at
// w = 0, the horizontal meridian along +x towards the periphery. Each
// hemisphere sees the contralateral hemifield; the maps work on the
// "hemifield complex" z = r·e^{iφ} with φ ∈ (−90°, 90°) measured from the
// horizontal meridian (φ > 0 upper field): for the left hemisphere
// z = x + i·y of the (right) visual field, for the right hemisphere
// z = −x + i·y (the left field mirrored). dynaphos additionally flips both
// axes of the map's output ("upside-down orientation"); we do not.
#include <array>
#include <complex>
#include <string>

#include <Eigen/Core>

namespace nl::analysis::prosthesis {

enum class Hemisphere { Left, Right };
Hemisphere parseHemisphere(const std::string& name);  // "left"/"lh"/"l", "right"/"rh"/"r"
std::string hemisphereName(Hemisphere hemisphere);    // "left", "right"

struct VisualFieldPoint {
  double x = 0;  // degrees, right positive
  double y = 0;  // degrees, up positive
};
double eccentricityOf(const VisualFieldPoint& point);  // degrees
double polarAngleOf(const VisualFieldPoint& point);    // degrees, convention above
VisualFieldPoint fromPolar(double eccentricityDeg, double polarAngleDeg);

struct CorticalPoint {
  double x = 0;  // mm on the flat map
  double y = 0;
};

enum class MapModel { Monopole, Dipole, WedgeDipole };
MapModel parseMapModel(const std::string& name);  // "monopole", "dipole", "wedge-dipole"
std::string mapModelName(MapModel model);

// Schwartz 1980 monopole w = k·log(1 + z/a); the dipole
// w = k·log(b(z + a) / (a(z + b))) (Schwartz; Balasubramanian 2002); the
// Polimeni 2006 wedge-dipole: the dipole of the wedge-compressed
// z' = r·e^{iα·φ}, with one shear α per area (V1, V2, V3). V2 and V3 follow
// Polimeni's arrangement (as pulse2percept's Polimeni2006Map): each area's
// wedge is rotated next to the previous one, V2 reflected, so the three
// areas tile the map without overlap; V1 alone is dynaphos' wedge-dipole.
struct MapParameters {
  MapModel model = MapModel::WedgeDipole;
  double k = 15.0;                                // mm
  double a = 0.69;                                // degrees
  double b = 80.0;                                // degrees
  std::array<double, 3> alpha{1.0, 0.333, 0.25};  // shear of V1, V2, V3

  // pulse2percept's Polimeni2006Map defaults (the values above).
  static MapParameters pulse2percept();
  // dynaphos' params.yaml cortex_model: dipole, k 17.3, a 0.75, b 120,
  // alpha 0.95 (used by its wedge-dipole for every area).
  static MapParameters dynaphos();
};

class AnalyticMap {
 public:
  AnalyticMap() : AnalyticMap(MapParameters{}) {}
  explicit AnalyticMap(
      const MapParameters& parameters);  // throws on k ≤ 0, a ≤ 0, b ≤ a, α ∉ (0, 1]
  const MapParameters& parameters() const { return parameters_; }

  // Complex forms (area 1, 2, 3 = V1, V2, V3; monopole and dipole ignore the
  // area and the shear). z is the hemifield complex, w the cortex in mm.
  std::complex<double> fieldToCortex(std::complex<double> z, int area = 1) const;
  std::complex<double> cortexToField(std::complex<double> w, int area = 1) const;

  CorticalPoint toCortex(const VisualFieldPoint& point, Hemisphere hemisphere, int area = 1) const;
  // The visual-field point of a cortical point; with `jacobian`, ∂(x, y)/∂(wx, wy) (deg/mm).
  VisualFieldPoint toVisualField(const CorticalPoint& point, Hemisphere hemisphere, int area = 1,
                                 Eigen::Matrix2d* jacobian = nullptr) const;

  // Areal-linear cortical magnification (mm/deg) at an eccentricity:
  // monopole k/(r + a); dipole and wedge-dipole k(b − a)/((r + a)(r + b)).
  double magnification(double eccentricityDeg) const;
  // d M / d r, for gradients through the phosphene size.
  double magnificationDerivative(double eccentricityDeg) const;

 private:
  MapParameters parameters_;
};

}  // namespace nl::analysis::prosthesis
