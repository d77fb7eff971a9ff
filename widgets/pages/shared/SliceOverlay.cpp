#include "widgets/pages/shared/SliceOverlay.h"

#include <QObject>

#include "analysis/fmri/MapThreshold.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

SliceLayer* sliceLayerFitting(const std::vector<Scene*>& scenes, io::DatasetId id,
                              const io::Dataset& dataset) {
  const auto* array = dynamic_cast<const io::ArrayDataset*>(&dataset);
  if (!array || array->shape().size() != 3) return nullptr;
  for (auto* scene : scenes)
    for (auto* layer : scene->layers())
      if (auto* slices = qobject_cast<SliceLayer*>(layer);
          slices && slices->dataset() != id && slices->fitsGrid(*array))
        return slices;
  return nullptr;
}

QString overlayOnSlices(SliceLayer& slices, std::shared_ptr<const io::ArrayDataset> array) {
  const auto statistic = array->attributes().find("statistic");
  const double threshold = analysis::fmri::defaultMapThreshold(
      statistic != array->attributes().end() ? statistic->second : std::string());
  const QString name = QString::fromStdString(array->name());
  slices.setOverlay(std::move(array), threshold);
  return QObject::tr("%1 overlaid on %2 (|value| ≥ %3; change it in the layer list)")
      .arg(name, slices.name())
      .arg(threshold);
}

}  // namespace nl::widgets
