#pragma once
// A 3-D array on the grid of a page's slices (a statistic map on its
// anatomical, a mask) is overlaid there, thresholded, rather than opened on
// a page of its own. Shared by the pages that show slices.
#include <QString>
#include <vector>

#include "io/Dataset.h"
#include "io/Selection.h"

namespace nl::widgets {

class Scene;
class SliceLayer;

// The slices of `scenes` that `dataset` (not the slices' own) fits; null if none.
SliceLayer* sliceLayerFitting(const std::vector<Scene*>& scenes, io::DatasetId id,
                              const io::Dataset& dataset);
// Overlays it with the statistic's default threshold; returns the message
// for the status bar.
QString overlayOnSlices(SliceLayer& slices, std::shared_ptr<const io::ArrayDataset> array);

}  // namespace nl::widgets
