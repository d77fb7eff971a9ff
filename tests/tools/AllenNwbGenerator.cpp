#include "tests/tools/AllenNwbGenerator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <optional>
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

// A dataset of known size written row block by row block, stored as asked.
class BlockWriter {
 public:
  BlockWriter(const Group& parent, const std::string& name, hid_t fileType,
              std::vector<hsize_t> dims, SpikeStorage storage, std::vector<hsize_t> chunk)
      : path_(parent.filePath()), name_(name), dims_(std::move(dims)) {
    hid_t space = H5Screate_simple(static_cast<int>(dims_.size()), dims_.data(), nullptr);
    hid_t create = H5Pcreate(H5P_DATASET_CREATE);
    if (storage != SpikeStorage::Contiguous && dims_[0] > 0) {
      chunk[0] = std::min<hsize_t>(chunk[0], dims_[0]);
      H5Pset_chunk(create, static_cast<int>(chunk.size()), chunk.data());
      if (storage == SpikeStorage::Gzip) {
        H5Pset_shuffle(create);
        H5Pset_deflate(create, 4);
      }
    } else {
      H5Pset_layout(create, H5D_CONTIGUOUS);
      H5Pset_alloc_time(create, H5D_ALLOC_TIME_EARLY);
    }
    memType_ = H5Tget_class(fileType) == H5T_FLOAT && H5Tget_size(fileType) == 4
                   ? H5T_NATIVE_FLOAT
                   : H5T_NATIVE_DOUBLE;
    dataset_ =
        H5Dcreate2(parent.id(), name.c_str(), fileType, space, H5P_DEFAULT, create, H5P_DEFAULT);
    H5Pclose(create);
    H5Sclose(space);
    if (dataset_ < 0) throw io::FileError(path_, "cannot create " + name);
  }
  BlockWriter(const BlockWriter&) = delete;
  BlockWriter& operator=(const BlockWriter&) = delete;
  ~BlockWriter() { close(); }
  void setAttribute(const std::string& name, double value) const {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attribute =
        H5Acreate2(dataset_, name.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attribute, H5T_NATIVE_DOUBLE, &value);
    H5Aclose(attribute);
    H5Sclose(space);
  }
  void setAttribute(const std::string& name, const std::string& value) const {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attribute = H5Acreate2(dataset_, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
    const char* text = value.c_str();
    H5Awrite(attribute, type, &text);
    H5Aclose(attribute);
    H5Sclose(space);
    H5Tclose(type);
  }
  void write(hsize_t firstRow, hsize_t rows, const void* data) const {
    if (rows == 0) return;
    std::vector<hsize_t> start(dims_.size(), 0), count(dims_);
    start[0] = firstRow;
    count[0] = rows;
    hid_t file = H5Dget_space(dataset_);
    H5Sselect_hyperslab(file, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
    hid_t memory = H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr);
    const herr_t status = H5Dwrite(dataset_, memType_, memory, file, H5P_DEFAULT, data);
    H5Sclose(memory);
    H5Sclose(file);
    if (status < 0) throw io::FileError(path_, "cannot write " + name_);
  }
  void close() {
    if (dataset_ >= 0) H5Dclose(dataset_);
    dataset_ = H5I_INVALID_HID;
  }

 private:
  std::filesystem::path path_;
  std::string name_;
  std::vector<hsize_t> dims_;
  hid_t memType_ = H5T_NATIVE_DOUBLE;
  hid_t dataset_ = H5I_INVALID_HID;
};

}  // namespace

AllenNwbTruth writeAllenShapedNwb(const std::filesystem::path& path, const AllenNwbSpec& spec) {
  std::mt19937_64 random(spec.seed);
  auto file = io::h5::File::create(path, spec.alignment);
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
  // Each unit's train comes from its own generator, so the trains can be
  // simulated twice — once to size the datasets, once to write them — and a
  // 20 GB session never has to fit in memory.
  const std::size_t unitCount = spec.probes * spec.unitsPerProbe;
  std::lognormal_distribution<double> rateDistribution(std::log(spec.meanRateHz) - 0.5, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  struct UnitPlan {
    double base, preferred, gain, peak;
    std::size_t site;
    bool fastSpiking;
    double phase;
  };
  std::vector<UnitPlan> plans(unitCount);
  std::vector<double> unitIds, firingRate, snr, isi, presence, cutoff, peakChannel, amplitude,
      clusterId, localIdx, electrodeRow;
  std::vector<std::string> quality;
  std::vector<std::uint64_t> electrodeIndex;
  for (std::size_t u = 0; u < unitCount; ++u) {
    const std::size_t probe = u / spec.unitsPerProbe;
    auto& plan = plans[u];
    plan.base = std::min(60.0, rateDistribution(random));
    plan.preferred = 45.0 * static_cast<double>(random() % 8);
    plan.gain = 1.0 + 3.0 * uniform(random);
    plan.peak = plan.base * (1.0 + plan.gain);
    plan.site = static_cast<std::size_t>(random() % 384);
    plan.fastSpiking = uniform(random) < 0.2;
    plan.phase = 2.0 * std::numbers::pi * uniform(random);
    unitIds.push_back(static_cast<double>(950900000 + u));
    snr.push_back(0.5 + 4.0 * uniform(random));
    isi.push_back(uniform(random) * uniform(random));
    presence.push_back(0.8 + 0.2 * uniform(random));
    cutoff.push_back(0.5 * uniform(random) * uniform(random));
    peakChannel.push_back(ids[probe * 384 + plan.site]);
    amplitude.push_back(50.0 + 200.0 * uniform(random));
    clusterId.push_back(static_cast<double>(u % spec.unitsPerProbe));
    localIdx.push_back(static_cast<double>(u % spec.unitsPerProbe));
    quality.push_back(isi.back() < 0.5 ? "good" : "noise");
    electrodeRow.push_back(static_cast<double>(probe * 384 + plan.site));
    electrodeIndex.push_back(u + 1);
  }
  auto simulate = [&](std::size_t u, std::vector<double>& train) {
    const auto& plan = plans[u];
    std::mt19937_64 unitRandom(spec.seed * 0x9E3779B97F4A7C15ull + u);
    std::uniform_real_distribution<double> thin(0.0, 1.0);
    std::exponential_distribution<double> gap(plan.peak);
    train.clear();
    std::size_t trial = 0;
    for (double t = gap(unitRandom); t < spec.durationSeconds; t += gap(unitRandom)) {
      while (trial < dgStart.size() && dgStop[trial] <= t) ++trial;
      double rate = plan.base;
      if (trial < dgStart.size() && dgStart[trial] <= t) {
        const double delta = (dgOrientation[trial] - plan.preferred) * std::numbers::pi / 180.0;
        rate = plan.base * (1.0 + plan.gain * std::exp(2.0 * (std::cos(delta) - 1.0)));
      }
      if (thin(unitRandom) * plan.peak < rate) train.push_back(t);
    }
  };
  std::vector<double> train;
  std::uint64_t total = 0;
  for (std::size_t u = 0; u < unitCount; ++u) {
    simulate(u, train);
    total += train.size();
    truth.spikeIndex.push_back(total);
    firingRate.push_back(static_cast<double>(train.size()) / spec.durationSeconds);
  }

  const auto units = root.createGroup("units");
  markType(units, "Units");
  units.setAttribute("description", std::string("Autogenerated by NWBFile"));
  std::vector<std::string> colnames{"spike_times"};
  if (spec.amplitudes) colnames.push_back("spike_amplitudes");
  if (spec.waveforms) colnames.push_back("waveform_mean");
  for (const char* c :
       {"electrodes", "firing_rate", "snr", "isi_violations", "presence_ratio", "amplitude_cutoff",
        "peak_channel_id", "amplitude", "cluster_id", "local_index", "quality"})
    colnames.push_back(c);
  units.setAttribute("colnames", colnames);
  units.writeDoubles("id", unitIds, {unitIds.size()});
  BlockWriter spikeWriter(units, "spike_times", H5T_IEEE_F64LE, {total}, spec.spikeStorage,
                          {spec.chunkElements});
  std::optional<BlockWriter> amplitudeWriter, waveformWriter;
  if (spec.amplitudes)
    amplitudeWriter.emplace(units, "spike_amplitudes", H5T_IEEE_F64LE, std::vector<hsize_t>{total},
                            spec.spikeStorage, std::vector<hsize_t>{spec.chunkElements});
  const std::size_t samples = spec.waveformSamples;
  if (spec.waveforms) {
    waveformWriter.emplace(
        units, "waveform_mean", H5T_IEEE_F32LE, std::vector<hsize_t>{unitCount, samples, 384},
        spec.spikeStorage == SpikeStorage::Gzip ? SpikeStorage::Gzip : SpikeStorage::Contiguous,
        std::vector<hsize_t>{1, samples, 384});
    waveformWriter->setAttribute("sampling_rate", 30000.0);
    waveformWriter->setAttribute("unit", "volts");
  }
  std::vector<double> amplitudes;
  std::vector<float> waveform(samples * 384);
  for (std::size_t u = 0; u < unitCount; ++u) {
    simulate(u, train);
    const std::uint64_t first = u == 0 ? 0 : truth.spikeIndex[u - 1];
    truth.firstSpike.push_back(train.empty() ? NAN : train.front());
    truth.lastSpike.push_back(train.empty() ? NAN : train.back());
    truth.preferredOrientation.push_back(plans[u].preferred);
    truth.peakSite.push_back(plans[u].site);
    for (double t : train) truth.spikeTimeSum += t;
    spikeWriter.write(first, train.size(), train.data());
    // Amplitudes drift slowly (probe motion) around the unit's amplitude, in volts.
    std::mt19937_64 amplitudeRandom(spec.seed * 0xD1B54A32D192ED03ull + u);
    std::normal_distribution<double> jitter(0.0, 0.1);
    amplitudes.resize(train.size());
    double sum = 0;
    for (std::size_t i = 0; i < train.size(); ++i) {
      amplitudes[i] =
          amplitude[u] * 1e-6 *
          (1.0 + 0.15 * std::sin(2.0 * std::numbers::pi * train[i] / 1200.0 + plans[u].phase)) *
          std::exp(jitter(amplitudeRandom));
      sum += amplitudes[i];
    }
    truth.amplitudeSum.push_back(sum);
    truth.firstAmplitude.push_back(amplitudes.empty() ? NAN : amplitudes.front());
    if (amplitudeWriter) amplitudeWriter->write(first, train.size(), amplitudes.data());
    if (waveformWriter) {
      // A trough then a repolarisation peak, narrower for fast-spiking units,
      // decaying with distance from the peak site (Neuropixels geometry).
      const auto& plan = plans[u];
      const double troughSample = 20.0;
      const double peakSample = troughSample + (plan.fastSpiking ? 9.0 : 21.0);
      const double width = plan.fastSpiking ? 2.0 : 3.0;
      const double a = 0.75 * amplitude[u] * 1e-6, b = 0.25 * amplitude[u] * 1e-6;
      const double px = std::array<double, 4>{43, 11, 59, 27}[plan.site % 4];
      const double py = 20.0 * static_cast<double>(plan.site / 2);
      std::mt19937_64 noiseRandom(spec.seed * 0x94D049BB133111EBull + u);
      std::normal_distribution<double> noise(0.0, 0.5e-6);
      double wsum = 0;
      for (std::size_t c = 0; c < 384; ++c) {
        const double cx = std::array<double, 4>{43, 11, 59, 27}[c % 4];
        const double cy = 20.0 * static_cast<double>(c / 2);
        const double scale = std::exp(-std::hypot(cx - px, cy - py) / 40.0);
        for (std::size_t sIndex = 0; sIndex < samples; ++sIndex) {
          const double s = static_cast<double>(sIndex);
          const double v =
              scale * (-a * std::exp(-0.5 * std::pow((s - troughSample) / width, 2)) +
                       b * std::exp(-0.5 * std::pow((s - peakSample) / (2.0 * width), 2))) +
              noise(noiseRandom);
          waveform[sIndex * 384 + c] = static_cast<float>(v);
        }
      }
      for (float v : waveform) wsum += v;
      truth.waveformSum.push_back(wsum);
      waveformWriter->write(u, 1, waveform.data());
    }
    if (spec.verbose && u % 100 == 0) std::fprintf(stderr, "\runit %zu/%zu", u, unitCount);
  }
  if (spec.verbose) std::fprintf(stderr, "\n");
  spikeWriter.close();
  if (amplitudeWriter) amplitudeWriter->close();
  if (waveformWriter) waveformWriter->close();
  units.writeUInt64("spike_times_index", truth.spikeIndex);
  if (spec.amplitudes) units.writeUInt64("spike_amplitudes_index", truth.spikeIndex);
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
  const auto speedSamples = static_cast<std::size_t>(spec.durationSeconds * 60.0);
  std::vector<double> speedValues(speedSamples), speedTimes(speedSamples);
  double v = 0;
  std::normal_distribution<double> step(0.0, 0.5);
  for (std::size_t i = 0; i < speedSamples; ++i) {
    v = std::clamp(0.98 * v + step(random), -5.0, 60.0);
    speedValues[i] = v;
    speedTimes[i] = static_cast<double>(i) / 60.0;
  }
  speed.writeDoubles("data", speedValues, {speedSamples});
  speed.writeDoubles("timestamps", speedTimes, {speedSamples});
  file.close();
  return truth;
}

}  // namespace nl::test
