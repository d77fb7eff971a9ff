#include "analysis/simulation/DemoRecording.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <stdexcept>

namespace nl::analysis::simulation {

namespace {

// mt19937_64 is specified bit for bit by the standard; the std::*_distribution
// classes are not, so the transforms below are our own to keep the demo
// identical on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53; }
  double exponential(double rate) { return -std::log(uniform()) / rate; }
  double normal() {
    const double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  std::size_t index(std::size_t n) {
    return std::min(n - 1, static_cast<std::size_t>(uniform() * n));
  }

 private:
  std::mt19937_64 engine_;
};

// Neuropixels 1.0 site layout: two sites per row, 20 µm rows, staggered columns.
constexpr double kColumnX[4] = {43, 11, 59, 27};

double siteVerticalUm(int channel) {
  return 20.0 * (channel / 2) + 20.0;
}
double siteHorizontalUm(int channel) {
  return kColumnX[channel % 4];
}

struct Trial {
  double start, stop, orientation;
};

}  // namespace

DemoRecordingSpec DemoRecordingSpec::fromJson(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    throw std::invalid_argument("demo spec is not a JSON object");
  DemoRecordingSpec spec;
  try {
    spec.sessionName = json.value("session_name", spec.sessionName);
    spec.channels = json.value("channels", spec.channels);
    spec.seed = json.value("seed", spec.seed);
    spec.repeats = json.value("repeats", spec.repeats);
    spec.stimulusDurationS = json.value("stimulus_duration_s", spec.stimulusDurationS);
    spec.interStimulusS = json.value("inter_stimulus_s", spec.interStimulusS);
    spec.spontaneousS = json.value("spontaneous_s", spec.spontaneousS);
    if (json.contains("orientations_deg"))
      spec.orientationsDeg = json["orientations_deg"].get<std::vector<double>>();
    if (json.contains("probe_tip_um")) {
      const auto tip = json["probe_tip_um"].get<std::vector<double>>();
      if (tip.size() != 3) throw std::invalid_argument("probe_tip_um needs 3 numbers");
      spec.tipX = tip[0], spec.tipY = tip[1], spec.tipZ = tip[2];
    }
    if (json.contains("probe_direction")) {
      const auto d = json["probe_direction"].get<std::vector<double>>();
      if (d.size() != 3) throw std::invalid_argument("probe_direction needs 3 numbers");
      const double norm = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
      if (norm == 0) throw std::invalid_argument("probe_direction is zero");
      spec.directionX = d[0] / norm, spec.directionY = d[1] / norm, spec.directionZ = d[2] / norm;
    }
    for (const auto& area : json.at("areas")) {
      AreaSpec a;
      a.name = area.at("name").get<std::string>();
      a.depthFromTipStartUm = area.at("from_tip_um").at(0).get<double>();
      a.depthFromTipEndUm = area.at("from_tip_um").at(1).get<double>();
      a.units = area.at("units").get<int>();
      a.baselineRateHz = area.value("baseline_rate_hz", a.baselineRateHz);
      a.peakGainHz = area.value("peak_gain_hz", a.peakGainHz);
      a.tuningKappa = area.value("tuning_kappa", a.tuningKappa);
      a.latencyS = area.value("latency_s", a.latencyS);
      a.colorRgb = static_cast<std::uint32_t>(
          std::stoul(area.value("color", std::string("808080")), nullptr, 16));
      if (a.depthFromTipEndUm <= a.depthFromTipStartUm || a.units < 0)
        throw std::invalid_argument("area " + a.name +
                                    " has an empty depth span or negative units");
      spec.areas.push_back(a);
    }
  } catch (const nlohmann::json::exception& error) {
    throw std::invalid_argument(std::string("demo spec: ") + error.what());
  }
  if (spec.areas.empty()) throw std::invalid_argument("demo spec has no areas");
  if (spec.channels < 2 || spec.channels > 4096)
    throw std::invalid_argument("demo spec: channels out of range");
  return spec;
}

DemoRecording simulateDemoRecording(const DemoRecordingSpec& spec) {
  Random random(spec.seed);
  DemoRecording demo;
  const io::Provenance provenance = [&] {
    io::Provenance p;
    p.readerName = "simulated demo (seed " + std::to_string(spec.seed) + ")";
    return p;
  }();

  // --- electrodes
  auto areaAt = [&spec](double fromTip) -> const AreaSpec* {
    for (const auto& area : spec.areas)
      if (fromTip >= area.depthFromTipStartUm && fromTip < area.depthFromTipEndUm) return &area;
    return nullptr;
  };
  // Horizontal offsets run along a direction perpendicular to the shank
  // (shank × anterior axis).
  const double px = -spec.directionZ, py = 0.0, pz = spec.directionX;
  const double pn = std::max(1e-9, std::sqrt(px * px + pz * pz));
  std::vector<double> ids, xs, ys, zs, vertical, horizontal;
  std::vector<std::string> locations, groups;
  for (int c = 0; c < spec.channels; ++c) {
    const double v = siteVerticalUm(c), h = siteHorizontalUm(c) - 35.0;
    ids.push_back(c);
    xs.push_back(spec.tipX + v * spec.directionX + h * px / pn);
    ys.push_back(spec.tipY + v * spec.directionY + h * py / pn);
    zs.push_back(spec.tipZ + v * spec.directionZ + h * pz / pn);
    vertical.push_back(v);
    horizontal.push_back(siteHorizontalUm(c));
    const AreaSpec* area = areaAt(v);
    locations.push_back(area ? area->name : "root");
    groups.push_back("probeA");
  }
  demo.electrodes = std::make_shared<io::TableDataset>(
      io::DatasetKind::Electrodes, spec.sessionName + " electrodes",
      std::vector<io::Column>{{"id", ids},
                              {"x", xs},
                              {"y", ys},
                              {"z", zs},
                              {"probe_vertical_position", vertical},
                              {"probe_horizontal_position", horizontal},
                              {"location", locations},
                              {"group_name", groups}},
      provenance, io::Attributes{{"units", "um"}});

  // --- stimulus table: repeats × orientations in shuffled blocks
  std::vector<Trial> trials;
  double t = spec.spontaneousS;
  for (int r = 0; r < spec.repeats; ++r) {
    std::vector<double> order = spec.orientationsDeg;
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random.index(i)]);
    for (double o : order) {
      trials.push_back({t, t + spec.stimulusDurationS, o});
      t += spec.stimulusDurationS + spec.interStimulusS;
    }
  }
  const double duration = t + spec.spontaneousS / 2;
  {
    std::vector<double> start, stop, orientation, frequency;
    std::vector<std::string> names;
    for (const auto& trial : trials) {
      start.push_back(trial.start);
      stop.push_back(trial.stop);
      orientation.push_back(trial.orientation);
      frequency.push_back(2.0);
      names.emplace_back("drifting_gratings");
    }
    demo.stimulus = std::make_shared<io::TableDataset>(
        io::DatasetKind::Table, "drifting_gratings_presentations",
        std::vector<io::Column>{{"start_time", start},
                                {"stop_time", stop},
                                {"orientation", orientation},
                                {"temporal_frequency", frequency},
                                {"stimulus_name", names}},
        provenance);
  }

  // --- units and spikes
  std::vector<double> unitIds, peakChannels, depths, rates, snrs, isiViolations, unitX, unitY,
      unitZ;
  std::vector<std::string> unitAreas;
  std::vector<double> spikeTimes;
  std::vector<std::uint64_t> offsets{0};
  int unitId = 0;
  for (const auto& area : spec.areas) {
    std::vector<int> channels;
    for (int c = 0; c < spec.channels; ++c)
      if (areaAt(siteVerticalUm(c)) == &area) channels.push_back(c);
    if (channels.empty() && area.units > 0)
      throw std::invalid_argument("area " + area.name + " has no channels on the probe");
    for (int u = 0; u < area.units; ++u) {
      const int channel = channels[random.index(channels.size())];
      const double baseline = area.baselineRateHz * std::exp(0.5 * random.normal());
      const double gain = area.peakGainHz * (0.5 + random.uniform());
      const double preferred = spec.orientationsDeg[random.index(spec.orientationsDeg.size())];
      // Rate as a function of time; the max bounds it for thinning.
      auto rateAt = [&](double time, const Trial* trial) {
        if (trial == nullptr || time < trial->start + area.latencyS) return baseline;
        const double delta = (trial->orientation - preferred) * std::numbers::pi / 180.0;
        const double tuning =
            area.tuningKappa > 0 ? std::exp(area.tuningKappa * (std::cos(delta) - 1.0)) : 0.3;
        const double sinceOnset = time - trial->start - area.latencyS;
        const double adaptation = 0.6 + 0.4 * std::exp(-sinceOnset / 0.3);  // onset transient
        return baseline + gain * tuning * adaptation;
      };
      const double maxRate = baseline + gain;
      std::size_t trialIndex = 0;
      double last = -1.0, time = 0.0;
      const std::size_t before = spikeTimes.size();
      while (true) {
        time += random.exponential(maxRate);
        if (time >= duration) break;
        while (trialIndex < trials.size() && trials[trialIndex].stop + spec.interStimulusS <= time)
          ++trialIndex;
        const Trial* trial = trialIndex < trials.size() && time >= trials[trialIndex].start &&
                                     time < trials[trialIndex].stop
                                 ? &trials[trialIndex]
                                 : nullptr;
        if (random.uniform() * maxRate > rateAt(time, trial)) continue;
        if (time - last < 0.002) continue;                           // absolute refractory period
        spikeTimes.push_back(std::round(time * 30000.0) / 30000.0);  // 30 kHz sample clock
        last = time;
      }
      offsets.push_back(spikeTimes.size());
      const double count = static_cast<double>(spikeTimes.size() - before);
      unitIds.push_back(unitId++);
      peakChannels.push_back(channel);
      depths.push_back(siteVerticalUm(channel));
      rates.push_back(count / duration);
      snrs.push_back(1.5 + 3.0 * random.uniform());
      isiViolations.push_back(0.2 * random.uniform() * random.uniform());
      unitX.push_back(xs[static_cast<std::size_t>(channel)]);
      unitY.push_back(ys[static_cast<std::size_t>(channel)]);
      unitZ.push_back(zs[static_cast<std::size_t>(channel)]);
      unitAreas.push_back(area.name);
      demo.preferredOrientationDeg.push_back(preferred);
      demo.unitArea.push_back(area.name);
    }
  }
  auto units = std::make_shared<io::TableDataset>(
      io::DatasetKind::Table, spec.sessionName + " units",
      std::vector<io::Column>{{"id", unitIds},
                              {"peak_channel_id", peakChannels},
                              {"probe_vertical_position", depths},
                              {"firing_rate", rates},
                              {"snr", snrs},
                              {"isi_violations", isiViolations},
                              {"x", unitX},
                              {"y", unitY},
                              {"z", unitZ},
                              {"location", unitAreas}},
      provenance);
  io::Attributes attributes{{"session_description", "simulated Neuropixels-like demo recording"},
                            {"sampling_rate_hz", "30000"}};
  demo.spikes = std::make_shared<io::SpikeRecording>(spec.sessionName + " spikes", units,
                                                     std::move(spikeTimes), std::move(offsets),
                                                     demo.electrodes, provenance, attributes);
  return demo;
}

std::int64_t featuredUnit(const DemoRecording& demo, const std::string& area) {
  const auto* location = demo.spikes->units()->column("location");
  const auto* rate = demo.spikes->units()->numericColumn("firing_rate");
  if (!location || !rate) return -1;
  std::int64_t best = -1;
  for (std::size_t u = 0; u < demo.spikes->unitCount(); ++u)
    if (location->cellText(u) == area &&
        (best < 0 || (*rate)[u] > (*rate)[static_cast<std::size_t>(best)]))
      best = static_cast<std::int64_t>(u);
  return best;
}

}  // namespace nl::analysis::simulation
