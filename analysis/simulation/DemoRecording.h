#pragma once
// A deterministic, simulated Neuropixels-like session with known structure:
// one 384-channel probe through visual cortex, hippocampus and thalamus; units
// at peak channels in each area with von Mises orientation tuning whose
// sharpness, gain and latency depend on the area; a drifting-grating stimulus
// table. Everything follows from the spec and the seed, so tests can check
// that analyses recover what was put in.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/Dataset.h"

namespace nl::analysis::simulation {

struct AreaSpec {
  std::string name;
  double depthFromTipStartUm = 0;  // span along the probe, measured from the tip
  double depthFromTipEndUm = 0;
  int units = 0;
  double baselineRateHz = 2;  // median of a log-normal
  double peakGainHz = 10;     // rate added at the preferred orientation
  double tuningKappa = 1;     // von Mises concentration (0 = untuned)
  double latencyS = 0.05;
  std::uint32_t colorRgb = 0x808080;  // Allen CCF-style colour, for views
};

struct DemoRecordingSpec {
  std::string sessionName = "demo";
  std::vector<AreaSpec> areas;
  int channels = 384;
  // Probe placement in µm, RAS axes (x right, y anterior, z superior).
  double tipX = 2300, tipY = -3900, tipZ = 400;
  double directionX = 0.18, directionY = -0.15, directionZ = 0.97;  // tip → shank top
  std::vector<double> orientationsDeg{0, 45, 90, 135, 180, 225, 270, 315};
  int repeats = 15;
  double stimulusDurationS = 2.0;
  double interStimulusS = 1.0;
  double spontaneousS = 30.0;
  std::uint64_t seed = 20190719;

  // Parses the demo spec JSON (resources/demo/demo_recording.json); throws
  // std::invalid_argument with a message on anything missing or inconsistent.
  static DemoRecordingSpec fromJson(const std::string& json);
};

struct DemoRecording {
  std::shared_ptr<const io::SpikeRecording> spikes;
  std::shared_ptr<const io::TableDataset> electrodes;
  std::shared_ptr<const io::TableDataset> stimulus;  // drifting_gratings_presentations
  // Ground truth, per unit.
  std::vector<double> preferredOrientationDeg;
  std::vector<std::string> unitArea;
};

DemoRecording simulateDemoRecording(const DemoRecordingSpec& spec);

// The unit the demo opens on: the fastest-firing unit of `area` (the most
// strongly driven visual unit), or -1 when the area has none.
std::int64_t featuredUnit(const DemoRecording& demo, const std::string& area = "VISp");

}  // namespace nl::analysis::simulation
