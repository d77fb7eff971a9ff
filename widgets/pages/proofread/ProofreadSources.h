#pragma once
// What the proofreading page reads its datasets through: label volumes
// (chunked VolumeDatasets, or in-memory arrays of label ids) as the FISBe
// code's LabelSource, and which of the datasets offered plays which role.
#include <memory>
#include <optional>
#include <vector>

#include "analysis/fisbe/Instances.h"
#include "io/Dataset.h"
#include "io/Selection.h"
#include "io/microscopy/VolumeDataset.h"
#include "io/volume/VolumeGrid.h"

namespace nl::io {
class Session;
}

namespace nl::widgets {

struct HeldLabelSource {
  io::DatasetPtr dataset;  // keeps what the source reads alive
  std::unique_ptr<analysis::fisbe::LabelSource> source;
};

// Throws std::invalid_argument naming the dataset when it is not labels.
std::shared_ptr<HeldLabelSource> proofreadLabelSource(const io::DatasetPtr& dataset);
bool isLabelDataset(const io::Dataset& dataset);
// (z, y, x) of a volume or label volume; nullopt for other datasets.
std::optional<analysis::fisbe::Shape3> spatialShapeOf(const io::Dataset& dataset);
// The ground truth's "dim_neurons" attribute ("[3,5,7]"), empty when absent.
std::vector<std::int64_t> dimNeuronsOf(const io::Dataset& dataset);
// Where the labels lie (the dataset's grid, else unit voxels).
io::VolumeGrid labelGrid(const io::DatasetPtr& dataset, analysis::fisbe::Shape3 shape);
io::microscopy::VoxelType voxelTypeOf(analysis::fisbe::LabelType type);

struct ProofreadRoles {
  io::DatasetId labels = io::kNoDataset, raw = io::kNoDataset, groundTruth = io::kNoDataset;
};
// The labels to edit (label ids before one-channel-per-instance masks, and
// not a dataset named as ground truth when there is a choice), a raw image
// and a second label volume of the same shape as the ground truth.
ProofreadRoles proofreadRoles(const io::Session& session,
                              const std::vector<io::DatasetId>& offered);

}  // namespace nl::widgets
