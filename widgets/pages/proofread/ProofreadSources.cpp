#include "widgets/pages/proofread/ProofreadSources.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/fisbe/VolumeLabels.h"
#include "io/Session.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

namespace {

using analysis::fisbe::LabelType;

LabelType labelTypeNamed(const std::string& name) {
  for (auto type : {LabelType::UInt8, LabelType::Int8, LabelType::UInt16, LabelType::Int16,
                    LabelType::UInt32, LabelType::Int32, LabelType::UInt64, LabelType::Int64})
    if (analysis::fisbe::labelTypeName(type) == name) return type;
  return LabelType::UInt32;  // doubles of unknown origin: ids up to 2^32
}

// An in-memory [z][y][x] array of label ids (doubles) as planes of its
// source type, converted a block of planes at a time.
class ArrayLabels final : public analysis::fisbe::LabelSource {
 public:
  explicit ArrayLabels(std::shared_ptr<const io::ArrayDataset> array)
      : array_(std::move(array)), type_(labelTypeNamed(array_->sourceType())) {
    const auto& s = array_->shape();
    shape_ = {static_cast<std::int64_t>(s[0]), static_cast<std::int64_t>(s[1]),
              static_cast<std::int64_t>(s[2])};
  }
  std::int64_t channels() const override { return 1; }
  analysis::fisbe::Shape3 shape() const override { return shape_; }
  void readPlanes(
      std::int64_t, std::int64_t zBegin, std::int64_t zEnd,
      const std::function<void(const analysis::fisbe::PlaneBlock&)>& consume) const override {
    const io::TypedArray& values = array_->typed();
    const std::int64_t plane = shape_.height * shape_.width;
    const std::size_t size = analysis::fisbe::labelTypeSize(type_);
    std::vector<unsigned char> buffer;
    std::vector<double> block;
    for (std::int64_t z0 = zBegin; z0 < zEnd; z0 += 16) {
      const std::int64_t z1 = std::min(zEnd, z0 + 16);
      buffer.assign(static_cast<std::size_t>((z1 - z0) * plane) * size, 0);
      block.resize(static_cast<std::size_t>((z1 - z0) * plane));
      values.toDouble(static_cast<std::size_t>(z0 * plane), block.size(), block.data());
      for (std::int64_t i = 0; i < (z1 - z0) * plane; ++i) {
        const double v = block[static_cast<std::size_t>(i)];
        if (!(v >= 0) || v != std::floor(v))
          throw std::invalid_argument("label array '" + array_->name() +
                                      "' holds a value that is not a label id (" +
                                      std::to_string(v) + ")");
        const auto id = static_cast<std::uint64_t>(v);
        std::memcpy(buffer.data() + static_cast<std::size_t>(i) * size, &id,
                    size);  // little endian
      }
      consume({buffer.data(), type_, z0, z1 - z0});
    }
  }

 private:
  std::shared_ptr<const io::ArrayDataset> array_;
  LabelType type_;
  analysis::fisbe::Shape3 shape_;
};

bool looksLikeGroundTruth(const io::Dataset& dataset) {
  std::string name = dataset.name();
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return name.find("gt") != std::string::npos || name.find("ground") != std::string::npos;
}

bool isInstanceChannels(const io::Dataset& dataset) {
  const auto* volume = dynamic_cast<const io::microscopy::VolumeDataset*>(&dataset);
  return volume && volume->labelEncoding() == io::microscopy::LabelEncoding::InstanceChannels;
}

}  // namespace

bool isLabelDataset(const io::Dataset& dataset) {
  if (const auto* volume = dynamic_cast<const io::microscopy::VolumeDataset*>(&dataset))
    return volume->labelEncoding() != io::microscopy::LabelEncoding::None;
  const auto* array = dynamic_cast<const io::ArrayDataset*>(&dataset);
  return array && array->kind() == io::DatasetKind::LabelVolume && array->shape().size() == 3;
}

std::shared_ptr<HeldLabelSource> proofreadLabelSource(const io::DatasetPtr& dataset) {
  if (!dataset || !isLabelDataset(*dataset))
    throw std::invalid_argument("'" + (dataset ? dataset->name() : std::string("?")) +
                                "' is not a label volume");
  auto held = std::make_shared<HeldLabelSource>();
  held->dataset = dataset;
  if (const auto volume = std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(dataset))
    held->source = std::make_unique<analysis::fisbe::VolumeLabels>(*volume);
  else
    held->source =
        std::make_unique<ArrayLabels>(std::dynamic_pointer_cast<const io::ArrayDataset>(dataset));
  return held;
}

std::optional<analysis::fisbe::Shape3> spatialShapeOf(const io::Dataset& dataset) {
  if (const auto* volume = dynamic_cast<const io::microscopy::VolumeDataset*>(&dataset)) {
    const auto s = volume->volumeShape();
    return analysis::fisbe::Shape3{static_cast<std::int64_t>(s.z), static_cast<std::int64_t>(s.y),
                                   static_cast<std::int64_t>(s.x)};
  }
  const auto* array = dynamic_cast<const io::ArrayDataset*>(&dataset);
  if (!array) return std::nullopt;
  const auto& s = array->shape();
  if (s.size() != 3 && !(s.size() == 4 && s[3] <= 4)) return std::nullopt;
  if (array->kind() != io::DatasetKind::Volume && array->kind() != io::DatasetKind::LabelVolume &&
      array->kind() != io::DatasetKind::Array)
    return std::nullopt;
  return analysis::fisbe::Shape3{static_cast<std::int64_t>(s[0]), static_cast<std::int64_t>(s[1]),
                                 static_cast<std::int64_t>(s[2])};
}

std::vector<std::int64_t> dimNeuronsOf(const io::Dataset& dataset) {
  const auto it = dataset.attributes().find("dim_neurons");
  if (it == dataset.attributes().end()) return {};
  const auto json = nlohmann::json::parse(it->second, nullptr, false);
  std::vector<std::int64_t> ids;
  if (json.is_array())
    for (const auto& v : json)
      if (v.is_number_integer()) ids.push_back(v.get<std::int64_t>());
  return ids;
}

io::VolumeGrid labelGrid(const io::DatasetPtr& dataset, analysis::fisbe::Shape3 shape) {
  if (const auto volume = std::dynamic_pointer_cast<const io::microscopy::VolumeDataset>(dataset))
    return volume->grid();
  if (const auto array = std::dynamic_pointer_cast<const io::ArrayDataset>(dataset)) try {
      return shownGrid(*array);
    } catch (const std::exception&) {
    }
  io::VolumeGrid grid;
  grid.nx = static_cast<std::size_t>(shape.width);
  grid.ny = static_cast<std::size_t>(shape.height);
  grid.nz = static_cast<std::size_t>(shape.depth);
  return grid;
}

io::microscopy::VoxelType voxelTypeOf(LabelType type) {
  using io::microscopy::VoxelType;
  switch (type) {
    case LabelType::Bool:
    case LabelType::UInt8:
      return VoxelType::UInt8;
    case LabelType::Int8:
      return VoxelType::Int8;
    case LabelType::UInt16:
      return VoxelType::UInt16;
    case LabelType::Int16:
      return VoxelType::Int16;
    case LabelType::UInt32:
      return VoxelType::UInt32;
    case LabelType::Int32:
      return VoxelType::Int32;
    case LabelType::UInt64:
      return VoxelType::UInt64;
    case LabelType::Int64:
      return VoxelType::Int64;
  }
  return VoxelType::UInt32;
}

ProofreadRoles proofreadRoles(const io::Session& session,
                              const std::vector<io::DatasetId>& offered) {
  std::vector<io::DatasetId> labels;
  io::DatasetId raw = io::kNoDataset;
  for (const auto id : offered) {
    const auto dataset = session.find(id);
    if (!dataset || !spatialShapeOf(*dataset)) continue;
    if (isLabelDataset(*dataset))
      labels.push_back(id);
    else if (raw == io::kNoDataset &&
             (dynamic_cast<const io::microscopy::VolumeDataset*>(dataset.get()) ||
              dataset->kind() == io::DatasetKind::Volume))
      raw = id;
  }
  ProofreadRoles roles;
  if (labels.empty()) return roles;
  // The labels to edit: ids that are not named as ground truth, if any.
  roles.labels = labels.front();
  for (const auto id : labels) {
    const auto d = session.find(id);
    if (!isInstanceChannels(*d) && !looksLikeGroundTruth(*d)) {
      roles.labels = id;
      break;
    }
  }
  const auto shape = *spatialShapeOf(*session.find(roles.labels));
  for (const auto id : labels)
    if (id != roles.labels && *spatialShapeOf(*session.find(id)) == shape) {
      roles.groundTruth = id;
      break;
    }
  if (raw != io::kNoDataset && *spatialShapeOf(*session.find(raw)) == shape) roles.raw = raw;
  return roles;
}

}  // namespace nl::widgets
