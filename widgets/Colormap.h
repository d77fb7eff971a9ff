#pragma once
// Colour maps shared by 2D and 3D views, so a value has one colour everywhere.
// Tables are sampled from the published definitions (matplotlib's viridis,
// magma, inferno, plasma; Moreland's cool-warm; ColorBrewer RdBu).
#include <QColor>
#include <QString>
#include <QStringList>
#include <array>
#include <vector>

namespace nl::widgets {

class Colormap {
 public:
  static QStringList names();
  // Unknown names fall back to viridis.
  static Colormap byName(const QString& name);
  const QString& name() const { return name_; }
  bool diverging() const { return diverging_; }
  // t in [0, 1] (clamped); NaN gives transparent.
  QColor at(double t) const;
  // 256 RGBA entries for VTK lookup tables.
  std::vector<std::array<unsigned char, 4>> table(int entries = 256) const;

 private:
  QString name_;
  bool diverging_ = false;
  std::vector<std::array<double, 3>> stops_;  // evenly spaced, RGB in [0, 1]
};

}  // namespace nl::widgets
