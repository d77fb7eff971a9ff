#pragma once
// Proofreading edits of a LabelVolume. Each edit is described by an
// EditOperation (plain data: what the user did, replayable, stored in
// sessions) and computed as a LabelDiff against the current labels without
// changing them; LabelVolume::apply / revert then do and undo it.
//
//  - merge: every voxel of the absorbed instances takes the kept label;
//  - erase: the instance's voxels become background;
//  - paint: a 3D spherical brush (radius in physical units through the voxel
//    spacing, so it is round on anisotropic data) along a stroke of centres,
//    writing a label (0 erases) over everything or over background only;
//  - split by plane: the instance's voxels on the positive side of a plane
//    (point, normal) take a new label;
//  - split by seeds: seeded region growing inside the instance (26-connected
//    geodesic flooding from every seed at once, a watershed on the distance
//    from the seeds); each voxel takes the label of the seed that reaches it
//    first (ties: the earlier seed). Voxels no seed reaches keep their label.
#include <array>
#include <string>
#include <vector>

#include "analysis/fisbe/edit/LabelVolume.h"

namespace nl::analysis::fisbe::edit {

struct EditOperation {
  enum class Kind { Merge, Erase, Paint, SplitByPlane, SplitBySeeds };
  enum class PaintMode { Everything, BackgroundOnly };
  Kind kind = Kind::Merge;
  // Merge: {kept, absorbed…}; Erase: the instances; SplitByPlane, SplitBySeeds: {instance};
  // Paint: {value} (0 erases).
  std::vector<Label> labels;
  // Paint: stroke centres; SplitByPlane: {point}; SplitBySeeds: the seeds.
  std::vector<Voxel> points;
  // SplitBySeeds: the label each seed's region takes (the instance's own
  // label keeps it); SplitByPlane: {new label}.
  std::vector<Label> newLabels;
  std::array<double, 3> normal{1, 0, 0};   // SplitByPlane, (z, y, x)
  double radius = 1;                       // Paint, in the spacing's unit
  std::array<double, 3> spacing{1, 1, 1};  // Paint: voxel size (z, y, x)
  PaintMode paintMode = PaintMode::Everything;

  // "Merge 12 into 5", "Paint label 3 (4 dabs, r 2)" — undo step names.
  std::string describe() const;
  bool operator==(const EditOperation&) const = default;
};

EditOperation mergeOperation(Label kept, std::vector<Label> absorbed);
EditOperation eraseOperation(Label label);
EditOperation eraseOperation(std::vector<Label> labels);
EditOperation paintOperation(Label value, std::vector<Voxel> centres, double radius,
                             std::array<double, 3> spacing = {1, 1, 1},
                             EditOperation::PaintMode mode = EditOperation::PaintMode::Everything);
EditOperation splitByPlaneOperation(Label label, Voxel point, std::array<double, 3> normal,
                                    Label newLabel);
EditOperation splitBySeedsOperation(Label label, std::vector<Voxel> seeds,
                                    std::vector<Label> seedLabels);

// The voxels `operation` changes in `labels`. Throws std::invalid_argument
// with a readable reason (an unknown instance, a seed outside it, a label
// the type cannot hold, a plane that leaves one side empty).
LabelDiff computeEdit(const LabelVolume& labels, const EditOperation& operation);

// Computes, applies and returns the diff.
LabelDiff applyEdit(LabelVolume& labels, const EditOperation& operation);

}  // namespace nl::analysis::fisbe::edit

namespace nl::analysis::fisbe::edit {

// An edit log as JSON text (sessions keep the operations, not the voxels:
// replaying them on the same source labels gives the same labels), and back.
// Reading throws std::invalid_argument naming the entry and the field.
std::string editsToJson(const std::vector<EditOperation>& edits);
std::vector<EditOperation> editsFromJson(const std::string& json);

}  // namespace nl::analysis::fisbe::edit
