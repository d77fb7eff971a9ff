// microscopy.segment_neurons: glue from a 3-channel VolumeDataset to
// analysis::segmentation::segmentNeurons, and from its labels to a label
// VolumeDataset (and, on request, a FISBe-layout zarr/HDF5 array).
#include <QObject>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "analysis/segmentation/Segment.h"
#include "io/microscopy/LabelVolumeWriter.h"
#include "io/microscopy/VolumeDataset.h"
#include "plugins/api/AnalysisPlugin.h"

namespace {

namespace seg = nl::analysis::segmentation;
namespace mic = nl::io::microscopy;

seg::SegmentOptions optionsFrom(const nl::plugins::ParameterSet& p) {
  seg::SegmentOptions o;
  o.method = p.text("method") == "baseline" ? seg::Method::Baseline : seg::Method::Tubular;
  o.clip = p.real("clip");
  o.denoiseSigma = p.real("denoise_sigma");
  o.removeSmall = p.integer("remove_small");
  o.blockY = o.blockX = p.integer("block");
  o.blockZ = std::max<std::int64_t>(8, p.integer("block") / 2);
  o.threads = static_cast<unsigned>(p.integer("threads"));
  o.seed = static_cast<std::uint64_t>(p.integer("seed"));
  o.foregroundGrey = p.real("foreground_grey");
  o.seedMinDistance = static_cast<int>(p.integer("seed_min_distance"));
  o.linkGap = p.real("link_gap");
  o.linkLuv = p.real("link_luv");
  o.colourNeighbours = static_cast<int>(p.integer("colour_neighbours"));
  o.affinityScale = p.real("affinity_scale");
  o.minClusters = static_cast<int>(p.integer("min_clusters"));
  o.maxClusters = static_cast<int>(p.integer("max_clusters"));
  if (o.minClusters > o.maxClusters)
    throw std::invalid_argument("min_clusters (" + std::to_string(o.minClusters) +
                                ") is larger than max_clusters (" + std::to_string(o.maxClusters) +
                                ")");
  o.joinDistance = p.real("join_distance");
  o.foregroundSnr = p.real("foreground_snr");
  o.dimSnr = p.real("dim_snr");
  o.vesselness = p.real("vesselness");
  o.seedSnr = p.real("seed_snr");
  o.voxelAngle = p.real("voxel_angle");
  o.mergeAngle = p.real("merge_angle");
  o.bridgeGap = p.real("bridge_gap");
  o.bridgeCosine = p.real("bridge_cosine");
  o.absorbBelow = p.integer("absorb_below");
  o.overlapShare = p.real("overlap_share");
  o.overlapBelow = p.integer("overlap_below");
  return o;
}

// The labels in type T, written to the container when asked (before they
// move into the in-memory source, so the volume is held once).
template <typename T>
std::shared_ptr<const mic::VolumeSource> finish(std::vector<std::uint32_t>& labels,
                                                const mic::VolumeShape& shape,
                                                const mic::LabelVolumeToWrite* request,
                                                const std::string& container,
                                                const std::string& internalPath) {
  std::vector<T> values;
  if constexpr (std::is_same_v<T, std::uint32_t>) {
    values = std::move(labels);
  } else {
    values.resize(labels.size());
    for (std::size_t n = 0; n < labels.size(); ++n) values[n] = static_cast<T>(labels[n]);
    std::vector<std::uint32_t>().swap(labels);
  }
  if (request != nullptr) {
    mic::LabelVolumeToWrite array = *request;
    array.data = values.data();
    array.type = mic::voxelTypeOf<T>();
    mic::writeLabelVolume(container, internalPath, array);
  }
  return std::make_shared<mic::InMemoryVolumeSource<T>>(shape, std::move(values));
}

class SegmentNeuronsPlugin final : public nl::plugins::AnalysisPlugin {
 public:
  std::string id() const override { return "microscopy.segment_neurons"; }
  nl::plugins::Outputs run(const nl::plugins::Inputs& inputs,
                           const nl::plugins::ParameterSet& parameters,
                           nl::plugins::RunContext& context) override {
    const auto& dataset = *inputs.at("raw");
    const auto* volume = dynamic_cast<const mic::VolumeDataset*>(&dataset);
    if (volume == nullptr)
      throw std::invalid_argument("'" + dataset.name() +
                                  "' is not a microscopy volume (zarr, HDF5 or TIFF image)");
    const auto options = optionsFrom(parameters);
    const std::string labelsPath = parameters.text("labels_path");
    if (!labelsPath.empty()) mic::containerFormatFor(labelsPath);  // fail before the work
    const auto start = std::chrono::steady_clock::now();
    auto result = seg::segmentNeurons(*volume, options, &context);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const mic::VolumeShape shape{1, static_cast<std::size_t>(result.extent.z),
                                 static_cast<std::size_t>(result.extent.y),
                                 static_cast<std::size_t>(result.extent.x)};
    const bool wide = result.instances > 65535;
    const std::string method = options.method == seg::Method::Tubular ? "tubular" : "baseline";
    nl::io::Attributes attributes{{"instances", std::to_string(result.instances)},
                                  {"method", method},
                                  {"overlap_voxels", std::to_string(result.overlaps.size())}};
    std::optional<mic::LabelVolumeToWrite> request;
    if (!labelsPath.empty()) {
      context.update(0.98, "writing " + labelsPath);
      request.emplace();
      request->z = shape.z;
      request->y = shape.y;
      request->x = shape.x;
      request->attributes = {{"neuroloupe_plugin", id()},
                             {"method", method},
                             {"instances", std::to_string(result.instances)},
                             {"run_id", context.provenance().runId},
                             {"parameters", context.provenance().parametersJson}};
      attributes["written_to"] = labelsPath + "::" + parameters.text("labels_name");
    }
    // FISBe's one channel per instance: crossing voxels in both instances'
    // channels, made a slab at a time (never the whole c × z × y × x).
    const bool instanceChannels =
        request && parameters.text("labels_layout") == "instance_channels" && result.instances > 0;
    if (instanceChannels) {
      request->type = mic::VoxelType::UInt8;
      request->channels = static_cast<std::size_t>(result.instances);
      request->channelAxis = true;
      request->attributes["label_encoding"] = "instance_channels";
      request->planes = [&result](std::size_t c, std::size_t z0, std::size_t z1, void* out) {
        seg::instanceMask(result, static_cast<std::uint32_t>(c + 1), static_cast<std::int64_t>(z0),
                          static_cast<std::int64_t>(z1), static_cast<std::uint8_t*>(out));
      };
      mic::writeLabelVolume(labelsPath, parameters.text("labels_name"), *request);
      request.reset();
    }
    const auto* asked = request ? &*request : nullptr;
    const auto source = wide ? finish<std::uint32_t>(result.labels, shape, asked, labelsPath,
                                                     parameters.text("labels_name"))
                             : finish<std::uint16_t>(result.labels, shape, asked, labelsPath,
                                                     parameters.text("labels_name"));
    auto labels = std::make_shared<mic::VolumeDataset>(
        "Neurons (" + method + ") of " + dataset.name(), source, volume->voxelSize(),
        mic::LabelEncoding::LabelIds, context.provenance(),
        mic::volumeAttributes(*source, volume->voxelSize(), mic::LabelEncoding::LabelIds,
                              attributes));

    std::vector<std::string> quantities{"instances", "supervoxels", "foreground_voxels", "seconds"};
    std::vector<double> values{double(result.instances), double(result.supervoxels),
                               double(result.foregroundVoxels), seconds};
    for (const auto& [key, value] : result.diagnostics) {
      quantities.push_back(key);
      values.push_back(value);
    }
    auto summary = std::make_shared<nl::io::TableDataset>(
        nl::io::DatasetKind::Table, "Segmentation summary",
        std::vector<nl::io::Column>{{"quantity", quantities}, {"value", values}},
        context.provenance());
    return {{"labels", labels}, {"summary", summary}};
  }
};

}  // namespace

class SegmentNeuronsFactory : public QObject, public nl::plugins::PluginFactory {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID NEUROLOUPE_PLUGIN_IID FILE "manifest.json")
  Q_INTERFACES(nl::plugins::PluginFactory)
 public:
  std::unique_ptr<nl::plugins::AnalysisPlugin> create() const override {
    return std::make_unique<SegmentNeuronsPlugin>();
  }
};

#include "SegmentNeuronsPlugin.moc"
