// Realistic MCFO light-microscopy volumes from real FISBe ground-truth masks:
// every neuron gets an MCFO colour mix (each of three tags on or off, with a
// random level), a brightness that varies smoothly along the neurite (with
// dim stretches), the image is blurred by an anisotropic PSF, sits on an
// uneven background with autofluorescent specks, and gets shot and read
// noise. Levels are calibrated to the real FISBe crop
// (fisbe_raw/JRC_SS05008-20160318_24_B2_crop.zarr: inside neurons the channel
// means are about 278/119/92, background 21/17/12).
//
// These parameters live here only; the segmentation never sees them.
//
//   neuroloupe_simulate_mcfo GT.zarr OUT.zarr SEED [--depth 425 --width 685]
// writes OUT.zarr/volumes/raw (3, z, y, x) uint16 and
// OUT.zarr/volumes/gt_instances (neurons, z, y, x) uint8 (the masks padded /
// cropped to the same shape), and prints the calibration it reached.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "analysis/segmentation/Filters.h"
#include "io/ReaderRegistry.h"
#include "io/microscopy/LabelVolumeWriter.h"
#include "io/microscopy/VolumeDataset.h"

namespace seg = nl::analysis::segmentation;
namespace mic = nl::io::microscopy;

namespace {

struct Parameters {
  std::array<double, 3> insideMean{278, 119, 92};  // real crop, inside neurons
  std::array<double, 3> background{21, 17, 12};    // real crop, background
  double tagOn = 0.5;                              // each MCFO tag expressed
  double levelLow = 0.35, levelHigh = 1.0;         // tag level when on
  double brightnessSigma = 0.55;                   // log-brightness along the neurite
  double brightnessCell = 24;                      // its correlation length (voxels)
  std::array<double, 3> psfSigma{1.6, 0.8, 0.8};   // z, y, x (voxels): axial blur
  double backgroundVariation = 0.35;               // relative, smooth over 96 voxels
  double specksPerMegavoxel = 20;                  // autofluorescent specks
  double speckLevel = 2.5;                         // × inside mean, before the PSF
  double gain = 2.0;                               // shot noise: variance = gain × mean
  double readNoise = 4.0;                          // grey values
};

// A smooth random field (trilinear over a coarse lattice of unit normals).
class SmoothField {
 public:
  SmoothField(seg::Extent e, double cell, std::mt19937_64& rng) : cell_(cell) {
    n_ = {std::int64_t(e.z / cell) + 2, std::int64_t(e.y / cell) + 2, std::int64_t(e.x / cell) + 2};
    std::normal_distribution<double> normal;
    values_.resize(n_.voxels());
    for (auto& v : values_) v = normal(rng);
  }
  double at(std::int64_t z, std::int64_t y, std::int64_t x) const {
    const double p[3] = {z / cell_, y / cell_, x / cell_};
    std::int64_t i[3];
    double t[3];
    for (int a = 0; a < 3; ++a) {
      i[a] = std::int64_t(p[a]);
      t[a] = p[a] - i[a];
    }
    double sum = 0;
    for (int c = 0; c < 8; ++c) {
      double w = 1;
      std::int64_t q[3];
      for (int a = 0; a < 3; ++a) {
        const int bit = (c >> a) & 1;
        w *= bit ? t[a] : 1 - t[a];
        q[a] = i[a] + bit;
      }
      sum += w * values_[n_.index(q[0], q[1], q[2])];
    }
    return sum;
  }

 private:
  double cell_;
  seg::Extent n_;
  std::vector<double> values_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: " << argv[0] << " GT.zarr OUT.zarr SEED [--depth N] [--width N]\n";
    return 2;
  }
  const std::string gtPath = argv[1], outPath = argv[2];
  const auto seed = std::stoull(argv[3]);
  std::int64_t depth = 425, width = 685;
  for (int a = 4; a + 1 < argc; a += 2) {
    if (std::string(argv[a]) == "--depth") depth = std::stoll(argv[a + 1]);
    if (std::string(argv[a]) == "--width") width = std::stoll(argv[a + 1]);
  }
  const Parameters p;
  std::mt19937_64 rng(seed);
  const auto contents = nl::io::ReaderRegistry::builtin().open(gtPath, "volumes/gt_instances");
  const auto gt = std::dynamic_pointer_cast<const mic::VolumeDataset>(contents.datasets.at(0));
  if (!gt) {
    std::cerr << gtPath << ": volumes/gt_instances is not a volume\n";
    return 1;
  }
  const auto gs = gt->volumeShape();
  const std::int64_t neurons = gs.channels;
  const seg::Extent e{depth, std::int64_t(gs.y), width};
  const std::int64_t zPad = (depth - std::int64_t(gs.z)) / 2;
  const std::int64_t xOff = (std::int64_t(gs.x) - width) / 2;  // crop (≥ 0) or pad (< 0)
  std::cerr << "masks " << neurons << " × " << gs.z << " × " << gs.y << " × " << gs.x << " → "
            << e.z << " × " << e.y << " × " << e.x << "\n";
  // The masks on the output grid.
  std::vector<std::uint8_t> masks(neurons * e.voxels(), 0);
  for (std::int64_t n = 0; n < neurons; ++n) {
    const auto channel = gt->read<std::uint8_t>(mic::Box::channel(gs, n));
    for (std::int64_t z = 0; z < e.z; ++z) {
      const std::int64_t gz = z - zPad;
      if (gz < 0 || gz >= std::int64_t(gs.z)) continue;
      for (std::int64_t y = 0; y < e.y; ++y)
        for (std::int64_t x = 0; x < e.x; ++x) {
          const std::int64_t gx = x + xOff;
          if (gx < 0 || gx >= std::int64_t(gs.x)) continue;
          masks[n * e.voxels() + e.index(z, y, x)] =
              channel[(gz * gs.y + y) * gs.x + gx] != 0 ? 1 : 0;
        }
    }
  }
  // MCFO colour mixes.
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<std::array<double, 3>> colour(neurons);
  for (auto& c : colour) {
    do {
      for (auto& v : c)
        v = unit(rng) < p.tagOn ? p.levelLow + (p.levelHigh - p.levelLow) * unit(rng) : 0;
    } while (c[0] + c[1] + c[2] == 0);
  }
  std::vector<SmoothField> brightness;
  for (std::int64_t n = 0; n < neurons; ++n) brightness.emplace_back(e, p.brightnessCell, rng);
  // Specks: positions and colours.
  const auto speckCount = std::int64_t(p.specksPerMegavoxel * e.voxels() / 1e6);
  std::vector<std::int64_t> speckAt(speckCount);
  std::vector<std::array<double, 3>> speckColour(speckCount);
  std::uniform_int_distribution<std::int64_t> anywhere(0, e.voxels() - 1);
  for (std::int64_t s = 0; s < speckCount; ++s) {
    speckAt[s] = anywhere(rng);
    for (auto& v : speckColour[s]) v = 0.2 + 0.8 * unit(rng);
  }
  std::array<SmoothField, 3> backgroundField{SmoothField(e, 96, rng), SmoothField(e, 96, rng),
                                             SmoothField(e, 96, rng)};
  std::vector<std::uint16_t> raw(3 * e.voxels());
  std::vector<float> signal(e.voxels());
  std::vector<std::uint8_t> inside(e.voxels(), 0);
  for (std::int64_t n = 0; n < neurons; ++n)
    for (std::int64_t q = 0; q < e.voxels(); ++q) inside[q] |= masks[n * e.voxels() + q];
  for (int c = 0; c < 3; ++c) {
    std::fill(signal.begin(), signal.end(), 0.0f);
    for (std::int64_t n = 0; n < neurons; ++n) {
      if (colour[n][c] == 0) continue;
      for (std::int64_t z = 0; z < e.z; ++z)
        for (std::int64_t y = 0; y < e.y; ++y)
          for (std::int64_t x = 0; x < e.x; ++x) {
            const auto q = e.index(z, y, x);
            if (!masks[n * e.voxels() + q]) continue;
            signal[q] +=
                float(colour[n][c] * std::exp(p.brightnessSigma * brightness[n].at(z, y, x)));
          }
    }
    for (std::int64_t s = 0; s < speckCount; ++s)
      signal[speckAt[s]] +=
          float(p.speckLevel * speckColour[s][c] * 8);  // 1 voxel, spread by the PSF
    seg::gaussianBlur(signal, e, p.psfSigma);
    // Calibrate: the mean over voxels inside neurons becomes insideMean − background.
    double sum = 0, count = 0;
    for (std::int64_t q = 0; q < e.voxels(); ++q)
      if (inside[q]) {
        sum += signal[q];
        ++count;
      }
    const double scale =
        count > 0 && sum > 0 ? (p.insideMean[c] - p.background[c]) / (sum / count) : 0;
    std::normal_distribution<double> normal;
    double insideSum = 0, outsideSum = 0, outsideCount = 0;
    for (std::int64_t z = 0; z < e.z; ++z)
      for (std::int64_t y = 0; y < e.y; ++y)
        for (std::int64_t x = 0; x < e.x; ++x) {
          const auto q = e.index(z, y, x);
          const double bg = p.background[c] * std::max(0.2, 1 + p.backgroundVariation *
                                                                    backgroundField[c].at(z, y, x));
          const double mean = bg + scale * signal[q];
          const double value =
              mean + std::sqrt(p.gain * mean) * normal(rng) + p.readNoise * normal(rng);
          const auto v = static_cast<std::uint16_t>(std::clamp(std::round(value), 0.0, 65535.0));
          raw[c * e.voxels() + q] = v;
          if (inside[q])
            insideSum += v;
          else {
            outsideSum += v;
            ++outsideCount;
          }
        }
    std::cout << "channel "
              << "RGB"[c] << ": inside mean " << insideSum / std::max(1.0, count)
              << ", background mean " << outsideSum / std::max(1.0, outsideCount) << "\n";
  }
  std::cout << "colours:";
  for (const auto& c : colour) std::cout << " (" << c[0] << "," << c[1] << "," << c[2] << ")";
  std::cout << "\nspecks: " << speckCount << "\n";
  mic::LabelVolumeToWrite rawArray;
  rawArray.data = raw.data();
  rawArray.type = mic::VoxelType::UInt16;
  rawArray.channels = 3;
  rawArray.z = std::size_t(e.z);
  rawArray.y = std::size_t(e.y);
  rawArray.x = std::size_t(e.x);
  rawArray.attributes = {{"simulated", "MCFO from " + gtPath}, {"seed", std::to_string(seed)}};
  mic::writeLabelVolume(outPath, "volumes/raw", rawArray);
  std::vector<std::uint8_t>().swap(inside);
  mic::LabelVolumeToWrite gtArray;
  gtArray.data = masks.data();
  gtArray.type = mic::VoxelType::UInt8;
  gtArray.channels = std::size_t(neurons);
  gtArray.channelAxis = true;
  gtArray.z = std::size_t(e.z);
  gtArray.y = std::size_t(e.y);
  gtArray.x = std::size_t(e.x);
  const auto dim = gt->attributes().find("dim_neurons");
  if (dim != gt->attributes().end()) gtArray.attributes["dim_neurons"] = dim->second;
  mic::writeLabelVolume(outPath, "volumes/gt_instances", gtArray);
  std::cerr << "wrote " << outPath << "\n";
  return 0;
}
