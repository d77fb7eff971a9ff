#include "widgets/Colormap.h"

#include <algorithm>
#include <cmath>

namespace nl::widgets {

namespace {
struct Definition {
  const char* name;
  bool diverging;
  std::vector<std::array<double, 3>> stops;
};

// 9 evenly spaced samples of each map; linear interpolation between them is
// within a few 1/255 of the full 256-entry tables.
const std::vector<Definition>& definitions() {
  static const std::vector<Definition> kMaps = {
      {"viridis",
       false,
       {{0.267, 0.005, 0.329},
        {0.279, 0.175, 0.483},
        {0.230, 0.322, 0.546},
        {0.173, 0.449, 0.558},
        {0.128, 0.567, 0.551},
        {0.157, 0.684, 0.502},
        {0.369, 0.789, 0.383},
        {0.678, 0.864, 0.190},
        {0.993, 0.906, 0.144}}},
      {"magma",
       false,
       {{0.001, 0.000, 0.014},
        {0.113, 0.065, 0.277},
        {0.317, 0.071, 0.485},
        {0.513, 0.148, 0.508},
        {0.716, 0.215, 0.475},
        {0.904, 0.310, 0.400},
        {0.986, 0.536, 0.382},
        {0.996, 0.772, 0.534},
        {0.987, 0.991, 0.750}}},
      {"inferno",
       false,
       {{0.001, 0.000, 0.014},
        {0.133, 0.047, 0.318},
        {0.341, 0.062, 0.429},
        {0.550, 0.161, 0.405},
        {0.736, 0.216, 0.330},
        {0.897, 0.341, 0.196},
        {0.978, 0.557, 0.034},
        {0.969, 0.812, 0.228},
        {0.988, 0.998, 0.645}}},
      {"plasma",
       false,
       {{0.050, 0.030, 0.528},
        {0.295, 0.010, 0.631},
        {0.492, 0.012, 0.658},
        {0.665, 0.139, 0.586},
        {0.798, 0.280, 0.470},
        {0.901, 0.422, 0.360},
        {0.973, 0.586, 0.252},
        {0.993, 0.771, 0.155},
        {0.940, 0.975, 0.131}}},
      {"coolwarm",
       true,
       {{0.230, 0.299, 0.754},
        {0.384, 0.510, 0.918},
        {0.553, 0.690, 0.996},
        {0.722, 0.816, 0.976},
        {0.865, 0.865, 0.865},
        {0.958, 0.769, 0.678},
        {0.957, 0.604, 0.482},
        {0.870, 0.377, 0.302},
        {0.706, 0.016, 0.150}}},
      {"RdBu_r",
       true,
       {{0.020, 0.188, 0.380},
        {0.129, 0.400, 0.675},
        {0.263, 0.576, 0.765},
        {0.573, 0.773, 0.871},
        {0.969, 0.969, 0.969},
        {0.957, 0.647, 0.510},
        {0.839, 0.376, 0.302},
        {0.698, 0.094, 0.169},
        {0.404, 0.000, 0.122}}},
      {"gray", false, {{0, 0, 0}, {1, 1, 1}}},
      {"hot",
       false,
       {{0.0416, 0, 0}, {0.5, 0, 0}, {1, 0, 0}, {1, 0.5, 0}, {1, 1, 0}, {1, 1, 0.5}, {1, 1, 1}}},
  };
  return kMaps;
}
}  // namespace

QStringList Colormap::names() {
  QStringList list;
  for (const auto& d : definitions()) list << d.name;
  return list;
}

Colormap Colormap::byName(const QString& name) {
  const auto& maps = definitions();
  const auto it =
      std::find_if(maps.begin(), maps.end(), [&](const Definition& d) { return name == d.name; });
  const Definition& d = it == maps.end() ? maps.front() : *it;
  Colormap map;
  map.name_ = d.name;
  map.diverging_ = d.diverging;
  map.stops_ = d.stops;
  return map;
}

QColor Colormap::at(double t) const {
  if (std::isnan(t)) return QColor(0, 0, 0, 0);
  t = std::clamp(t, 0.0, 1.0);
  const double position = t * static_cast<double>(stops_.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(position), stops_.size() - 2);
  const double f = position - static_cast<double>(i);
  std::array<double, 3> rgb{};
  for (int c = 0; c < 3; ++c) rgb[c] = stops_[i][c] + f * (stops_[i + 1][c] - stops_[i][c]);
  return QColor::fromRgbF(static_cast<float>(rgb[0]), static_cast<float>(rgb[1]),
                          static_cast<float>(rgb[2]));
}

std::vector<std::array<unsigned char, 4>> Colormap::table(int entries) const {
  std::vector<std::array<unsigned char, 4>> out(static_cast<std::size_t>(entries));
  for (int i = 0; i < entries; ++i) {
    const QColor c = at(entries == 1 ? 0.0 : static_cast<double>(i) / (entries - 1));
    out[static_cast<std::size_t>(i)] = {static_cast<unsigned char>(c.red()),
                                        static_cast<unsigned char>(c.green()),
                                        static_cast<unsigned char>(c.blue()), 255};
  }
  return out;
}

}  // namespace nl::widgets
