#include "tests/tools/AllenNwbGenerator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <string>

#include "io/hdf5/H5.h"

namespace nl::test {

namespace {

using io::h5::Group;

void markType(const Group& group, const std::string& type, const std::string& ns = "core") {
  group.setAttribute("neurodata_type", type);
  group.setAttribute("namespace", ns);
}

}  // namespace

AllenNwbTruth writeAllenShapedNwb(const std::filesystem::path& path, const AllenNwbSpec& spec) {
  std::mt19937_64 random(spec.seed);
  auto file = io::h5::File::create(path);
  const auto root = file.root();
  root.setAttribute("nwb_version", std::string("2.2.2"));
  markType(root, "NWBFile");
  root.writeStrings("identifier", {"generated-allen-shaped-" + std::to_string(spec.seed)});
  root.writeStrings("session_description",
                    {"Simulated Allen Visual Coding Neuropixels-shaped session"});
  root.writeStrings("session_start_time", {"2019-01-09T00:00:00-08:00"});
  root.writeStrings("timestamps_reference_time", {"2019-01-09T00:00:00-08:00"});
  const auto general = root.createGroup("general");
  const auto subject = general.createGroup("subject");
  subject.writeStrings("species", {"Mus musculus"});
  subject.writeStrings("genotype", {"Sst-IRES-Cre/wt;Ai32(RCL-ChR2(H134R)_EYFP)/wt"});
  subject.writeStrings("age", {"P112D"});
  const auto devices = general.createGroup("devices");
  const std::array<const char*, 6> areas{"VISp", "VISl", "VISrl", "VISal", "VISpm", "VISam"};
  const std::array<const char*, 4> deepAreas{"CA1", "DG", "LP", "LGd"};

  // Electrodes: 384 sites per probe; cortex on the upper sites, hippocampus
  // and thalamus below, as Allen's probes traverse them.
  const auto ecephys = general.createGroup("extracellular_ephys");
  const auto electrodes = ecephys.createGroup("electrodes");
  markType(electrodes, "DynamicTable", "hdmf-common");
  std::vector<double> ids, x, y, z, vertical, horizontal, probeId, localIndex, valid;
  std::vector<std::string> location, groupName;
  for (std::size_t p = 0; p < spec.probes; ++p) {
    const std::string probe = std::string("probe") + static_cast<char>('A' + p);
    markType(devices.createGroup(probe), "EcephysProbe", "ndx-aibs-ecephys");
    markType(ecephys.createGroup(probe), "EcephysElectrodeGroup", "ndx-aibs-ecephys");
    for (std::size_t site = 0; site < 384; ++site) {
      ids.push_back(static_cast<double>(850000000 + p * 1000 + site));
      vertical.push_back(20.0 + 20.0 * static_cast<double>(site / 2));
      horizontal.push_back(std::array<double, 4>{43, 11, 59, 27}[site % 4]);
      // Probe tracks in CCF µm: tilted lines through the areas.
      x.push_back(8000.0 + 400.0 * static_cast<double>(p) + 0.2 * vertical.back());
      y.push_back(3800.0 - vertical.back() * 0.9);
      z.push_back(7000.0 + 300.0 * static_cast<double>(p));
      location.push_back(site >= 200 ? areas[p % areas.size()]
                                     : deepAreas[(site / 50) % deepAreas.size()]);
      groupName.push_back(probe);
      probeId.push_back(static_cast<double>(p));
      localIndex.push_back(static_cast<double>(site));
      valid.push_back(site % 97 == 0 ? 0.0 : 1.0);
    }
  }
  electrodes.setAttribute(
      "colnames", std::vector<std::string>{"x", "y", "z", "location", "group_name",
                                           "probe_vertical_position", "probe_horizontal_position",
                                           "probe_id", "local_index", "valid_data"});
  electrodes.setAttribute("description", std::string("metadata about extracellular electrodes"));
  electrodes.writeDoubles("id", ids, {ids.size()});
  electrodes.writeDoubles("x", x, {x.size()});
  electrodes.writeDoubles("y", y, {y.size()});
  electrodes.writeDoubles("z", z, {z.size()});
  electrodes.writeStrings("location", location);
  electrodes.writeStrings("group_name", groupName);
  electrodes.writeDoubles("probe_vertical_position", vertical, {vertical.size()});
  electrodes.writeDoubles("probe_horizontal_position", horizontal, {horizontal.size()});
  electrodes.writeDoubles("probe_id", probeId, {probeId.size()});
  electrodes.writeDoubles("local_index", localIndex, {localIndex.size()});
  electrodes.writeDoubles("valid_data", valid, {valid.size()});

  // Stimulus: blocks of drifting gratings (2 s on, 1 s gray) and natural scenes (250 ms).
  AllenNwbTruth truth;
  std::vector<double> dgStart, dgStop, dgOrientation, dgFrequency, dgContrast, dgBlock;
  std::vector<double> nsStart, nsStop, nsFrame, nsBlock;
  std::uniform_int_distribution<int> pickOrientation(0, 7), pickFrequency(0, 4), pickFrame(-1, 117);
  for (double blockStart = 10.0, block = 0; blockStart + 60.0 < spec.durationSeconds;
       blockStart += 120.0, ++block) {
    for (double t = blockStart; t + 3.0 <= blockStart + 60.0; t += 3.0) {
      dgStart.push_back(t);
      dgStop.push_back(t + 2.0);
      dgOrientation.push_back(45.0 * pickOrientation(random));
      dgFrequency.push_back(
          std::array<double, 5>{1, 2, 4, 8, 15}[static_cast<std::size_t>(pickFrequency(random))]);
      dgContrast.push_back(0.8);
      dgBlock.push_back(2 * block);
    }
    for (double t = blockStart + 60.0;
         t + 0.25 <= blockStart + 120.0 && t + 0.25 <= spec.durationSeconds; t += 0.25) {
      nsStart.push_back(t);
      nsStop.push_back(t + 0.25);
      nsFrame.push_back(pickFrame(random));
      nsBlock.push_back(2 * block + 1);
    }
  }
  truth.gratingTrials = dgStart.size();
  const auto intervals = root.createGroup("intervals");
  auto writeIntervals =
      [&](const std::string& name, const std::vector<double>& start,
          const std::vector<double>& stop,
          const std::vector<std::pair<std::string, const std::vector<double>*>>& extra,
          const std::string& stimulusName) {
        const auto table = intervals.createGroup(name);
        markType(table, "TimeIntervals");
        table.setAttribute("description", std::string("Presentation times and stimuli"));
        std::vector<std::string> colnames{"start_time", "stop_time", "stimulus_name", "tags"};
        for (const auto& [column, values] : extra) colnames.push_back(column);
        table.setAttribute("colnames", colnames);
        std::vector<double> id(start.size());
        for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<double>(i);
        table.writeDoubles("id", id, {id.size()});
        table.writeDoubles("start_time", start, {start.size()});
        table.writeDoubles("stop_time", stop, {stop.size()});
        table.writeStrings("stimulus_name", std::vector<std::string>(start.size(), stimulusName));
        // Ragged tags, one per row, as Allen writes them.
        table.writeStrings("tags",
                           std::vector<std::string>(start.size(), "stimulus_time_interval"));
        std::vector<std::uint64_t> tagIndex(start.size());
        for (std::size_t i = 0; i < tagIndex.size(); ++i) tagIndex[i] = i + 1;
        table.writeUInt64("tags_index", tagIndex);
        for (const auto& [column, values] : extra)
          table.writeDoubles(column, *values, {values->size()});
      };
  writeIntervals("drifting_gratings_presentations", dgStart, dgStop,
                 {{"orientation", &dgOrientation},
                  {"temporal_frequency", &dgFrequency},
                  {"contrast", &dgContrast},
                  {"stimulus_block", &dgBlock}},
                 "drifting_gratings");
  writeIntervals("natural_scenes_presentations", nsStart, nsStop,
                 {{"frame", &nsFrame}, {"stimulus_block", &nsBlock}}, "natural_scenes");

  // Units: orientation-tuned Poisson trains, thinned from a dominating rate.
  const std::size_t unitCount = spec.probes * spec.unitsPerProbe;
  std::lognormal_distribution<double> rateDistribution(std::log(spec.meanRateHz) - 0.5, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<double> spikeTimes, unitIds, firingRate, snr, isi, presence, cutoff, peakChannel,
      amplitude, clusterId, localIdx, electrodeRow;
  std::vector<std::string> quality;
  std::vector<std::uint64_t> electrodeIndex;
  for (std::size_t u = 0; u < unitCount; ++u) {
    const std::size_t probe = u / spec.unitsPerProbe;
    const double base = std::min(60.0, rateDistribution(random));
    const double preferred = 45.0 * static_cast<double>(random() % 8);
    const double gain = 1.0 + 3.0 * uniform(random);
    const double peak = base * (1.0 + gain);
    const auto site = static_cast<std::size_t>(random() % 384);
    std::vector<double> train;
    std::exponential_distribution<double> gap(peak);
    std::size_t trial = 0;
    for (double t = gap(random); t < spec.durationSeconds; t += gap(random)) {
      while (trial < dgStart.size() && dgStop[trial] <= t) ++trial;
      double rate = base;
      if (trial < dgStart.size() && dgStart[trial] <= t) {
        const double delta = (dgOrientation[trial] - preferred) * std::numbers::pi / 180.0;
        rate = base * (1.0 + gain * std::exp(2.0 * (std::cos(delta) - 1.0)));
      }
      if (uniform(random) * peak < rate) train.push_back(t);
    }
    truth.firstSpike.push_back(train.empty() ? NAN : train.front());
    truth.lastSpike.push_back(train.empty() ? NAN : train.back());
    truth.preferredOrientation.push_back(preferred);
    spikeTimes.insert(spikeTimes.end(), train.begin(), train.end());
    truth.spikeIndex.push_back(spikeTimes.size());
    unitIds.push_back(static_cast<double>(950900000 + u));
    firingRate.push_back(static_cast<double>(train.size()) / spec.durationSeconds);
    snr.push_back(0.5 + 4.0 * uniform(random));
    isi.push_back(uniform(random) * uniform(random));
    presence.push_back(0.8 + 0.2 * uniform(random));
    cutoff.push_back(0.5 * uniform(random) * uniform(random));
    peakChannel.push_back(ids[probe * 384 + site]);
    amplitude.push_back(50.0 + 200.0 * uniform(random));
    clusterId.push_back(static_cast<double>(u % spec.unitsPerProbe));
    localIdx.push_back(static_cast<double>(u % spec.unitsPerProbe));
    quality.push_back(isi.back() < 0.5 ? "good" : "noise");
    electrodeRow.push_back(static_cast<double>(probe * 384 + site));
    electrodeIndex.push_back(u + 1);
  }
  for (double t : spikeTimes) truth.spikeTimeSum += t;
  const auto units = root.createGroup("units");
  markType(units, "Units");
  units.setAttribute("description", std::string("Autogenerated by NWBFile"));
  units.setAttribute(
      "colnames",
      std::vector<std::string>{"spike_times", "electrodes", "firing_rate", "snr", "isi_violations",
                               "presence_ratio", "amplitude_cutoff", "peak_channel_id", "amplitude",
                               "cluster_id", "local_index", "quality"});
  units.writeDoubles("id", unitIds, {unitIds.size()});
  units.writeDoubles("spike_times", spikeTimes, {spikeTimes.size()});
  units.writeUInt64("spike_times_index", truth.spikeIndex);
  units.writeDoubles("electrodes", electrodeRow, {electrodeRow.size()});
  units.writeUInt64("electrodes_index", electrodeIndex);
  units.writeDoubles("firing_rate", firingRate, {firingRate.size()});
  units.writeDoubles("snr", snr, {snr.size()});
  units.writeDoubles("isi_violations", isi, {isi.size()});
  units.writeDoubles("presence_ratio", presence, {presence.size()});
  units.writeDoubles("amplitude_cutoff", cutoff, {cutoff.size()});
  units.writeDoubles("peak_channel_id", peakChannel, {peakChannel.size()});
  units.writeDoubles("amplitude", amplitude, {amplitude.size()});
  units.writeDoubles("cluster_id", clusterId, {clusterId.size()});
  units.writeDoubles("local_index", localIdx, {localIdx.size()});
  units.writeStrings("quality", quality);

  // Running speed at 60 Hz in processing/running.
  const auto processing = root.createGroup("processing");
  const auto running = processing.createGroup("running");
  markType(running, "ProcessingModule");
  const auto speed = running.createGroup("running_speed");
  markType(speed, "TimeSeries");
  const auto samples = static_cast<std::size_t>(spec.durationSeconds * 60.0);
  std::vector<double> speedValues(samples), speedTimes(samples);
  double v = 0;
  std::normal_distribution<double> step(0.0, 0.5);
  for (std::size_t i = 0; i < samples; ++i) {
    v = std::clamp(0.98 * v + step(random), -5.0, 60.0);
    speedValues[i] = v;
    speedTimes[i] = static_cast<double>(i) / 60.0;
  }
  speed.writeDoubles("data", speedValues, {samples});
  speed.writeDoubles("timestamps", speedTimes, {samples});
  file.close();
  return truth;
}

}  // namespace nl::test
