#include "analysis/fisbe/VolumeLabels.h"

#include <algorithm>
#include <stdexcept>

#include "analysis/Progress.h"
#include "analysis/fisbe/Evaluate.h"
#include "analysis/fisbe/SkeletonLength.h"

namespace nl::analysis::fisbe {

namespace {

using analysis::fisbe::LabelType;
using io::microscopy::VoxelType;

LabelType labelTypeOf(VoxelType type) {
  switch (type) {
    case VoxelType::Bool:
      return LabelType::Bool;
    case VoxelType::UInt8:
      return LabelType::UInt8;
    case VoxelType::Int8:
      return LabelType::Int8;
    case VoxelType::UInt16:
      return LabelType::UInt16;
    case VoxelType::Int16:
      return LabelType::Int16;
    case VoxelType::UInt32:
      return LabelType::UInt32;
    case VoxelType::Int32:
      return LabelType::Int32;
    case VoxelType::UInt64:
      return LabelType::UInt64;
    case VoxelType::Int64:
      return LabelType::Int64;
    default:
      break;
  }
  throw std::invalid_argument(std::string("labels must be integers, not ") +
                              std::string(io::microscopy::voxelTypeName(type)));
}

}  // namespace

VolumeLabels::VolumeLabels(const io::microscopy::VolumeDataset& volume)
    : volume_(volume), type_(labelTypeOf(volume.voxelType())) {}

std::int64_t VolumeLabels::channels() const {
  return static_cast<std::int64_t>(volume_.volumeShape().channels);
}

analysis::fisbe::Shape3 VolumeLabels::shape() const {
  const auto s = volume_.volumeShape();
  return {static_cast<std::int64_t>(s.z), static_cast<std::int64_t>(s.y),
          static_cast<std::int64_t>(s.x)};
}

void VolumeLabels::readPlanes(
    std::int64_t channel, std::int64_t zBegin, std::int64_t zEnd,
    const std::function<void(const analysis::fisbe::PlaneBlock&)>& consume) const {
  const auto s = volume_.volumeShape();
  const auto c = static_cast<std::size_t>(channel);
  // Slabs aligned to the storage chunks, so each chunk is decoded once.
  const auto chunkDepth =
      static_cast<std::int64_t>(std::max<std::size_t>(1, volume_.chunkShape().z));
  const std::size_t bytesPerVoxel = io::microscopy::voxelTypeSize(volume_.voxelType());
  std::vector<unsigned char> buffer;
  for (std::int64_t z0 = zBegin; z0 < zEnd;) {
    const std::int64_t z1 = std::min(zEnd, (z0 / chunkDepth + 1) * chunkDepth);
    const io::microscopy::Box box{
        c, c + 1, static_cast<std::size_t>(z0), static_cast<std::size_t>(z1), 0, s.y, 0, s.x};
    buffer.resize(static_cast<std::size_t>(z1 - z0) * s.y * s.x * bytesPerVoxel);
    volume_.source()->read(box, 1, volume_.voxelType(), buffer.data());
    consume({buffer.data(), type_, z0, z1 - z0});
    z0 = z1;
  }
}

void VolumeLabels::readAllChannels(
    std::int64_t zBegin, std::int64_t zEnd,
    const std::function<void(std::int64_t, const analysis::fisbe::PlaneBlock&)>& consume) const {
  const auto s = volume_.volumeShape();
  const auto chunkDepth =
      static_cast<std::int64_t>(std::max<std::size_t>(1, volume_.chunkShape().z));
  const std::size_t bytesPerVoxel = io::microscopy::voxelTypeSize(volume_.voxelType());
  const std::size_t planeBytes = s.y * s.x * bytesPerVoxel;
  std::vector<unsigned char> buffer;
  for (std::int64_t z0 = zBegin; z0 < zEnd;) {
    const std::int64_t z1 = std::min(zEnd, (z0 / chunkDepth + 1) * chunkDepth);
    const auto planes = static_cast<std::size_t>(z1 - z0);
    const io::microscopy::Box box{
        0, s.channels, static_cast<std::size_t>(z0), static_cast<std::size_t>(z1), 0, s.y, 0, s.x};
    buffer.resize(s.channels * planes * planeBytes);
    // Each chunk of the layer is decoded once here, so keeping it in the
    // volume's cache would only push out what the views hold.
    volume_.source()->readOnce(box, 1, volume_.voxelType(), buffer.data());
    for (std::size_t c = 0; c < s.channels; ++c)
      consume(static_cast<std::int64_t>(c),
              {buffer.data() + c * planes * planeBytes, type_, z0, z1 - z0});
    z0 = z1;
  }
}

namespace {
// Measured from the volume, not read from its file: a session stores the
// table itself (a file reference would reopen the volume in its place).
io::Provenance instanceTableProvenance(const io::microscopy::VolumeDataset& volume) {
  io::Provenance provenance;
  provenance.inputs.push_back({"volume",
                               volume.datasetId(),
                               volume.name(),
                               volume.provenance().sourcePath,
                               volume.provenance().internalPath,
                               volume.provenance().runId,
                               volume.provenance().outputName,
                               {}});
  provenance.createdUtc = io::utcNowIso8601Milliseconds();
  return provenance;
}
}  // namespace

std::shared_ptr<io::TableDataset> instanceTable(const io::microscopy::VolumeDataset& volume,
                                                analysis::Progress* progress) {
  const VolumeLabels labels(volume);
  const auto shape = labels.shape();
  const auto set = analysis::fisbe::loadInstances(labels, {{0, 0, 0}, shape}, {}, progress);
  const bool perChannel = volume.labelEncoding() == io::microscopy::LabelEncoding::InstanceChannels;
  const auto size = volume.voxelSize();
  std::vector<double> label, channel, voxels, skeleton, length, z0, z1, y0, y1, x0, x1;
  for (const auto& instance : set.instances) {
    const auto& mask = instance.mask;
    label.push_back(static_cast<double>(perChannel ? instance.channel + 1 : instance.label));
    channel.push_back(static_cast<double>(instance.channel));
    voxels.push_back(static_cast<double>(mask.voxelCount()));
    const auto skeletonVoxels = analysis::fisbe::instanceSkeleton(mask);
    skeleton.push_back(static_cast<double>(skeletonVoxels.size()));
    // The skeleton as a curve: its 26-neighbour steps in physical units (see
    // SkeletonLength.h for the corners that are not counted twice).
    length.push_back(analysis::fisbe::skeletonLength(skeletonVoxels, {size.x, size.y, size.z}));
    const auto& box = mask.box();
    z0.push_back(static_cast<double>(box.z0));
    z1.push_back(static_cast<double>(box.z1));
    y0.push_back(static_cast<double>(box.y0));
    y1.push_back(static_cast<double>(box.y1));
    x0.push_back(static_cast<double>(box.x0));
    x1.push_back(static_cast<double>(box.x1));
  }
  return std::make_shared<io::TableDataset>(
      io::DatasetKind::Table, volume.name() + " instances",
      std::vector<io::Column>{{"label", label},
                              {"channel", channel},
                              {"voxels", voxels},
                              {"skeleton_voxels", skeleton},
                              {"skeleton_length", length},
                              {"z0", z0},
                              {"z1", z1},
                              {"y0", y0},
                              {"y1", y1},
                              {"x0", x0},
                              {"x1", x1}},
      instanceTableProvenance(volume),
      io::Attributes{{"length_unit", size.unit}, {"instances_of", volume.datasetId()}});
}

}  // namespace nl::analysis::fisbe
