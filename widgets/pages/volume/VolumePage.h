#pragma once
// Volumes in 3D: an in-memory volume (slices, one click from a rendering), a
// label volume (one surface per instance with its instance table below), a
// chunked microscopy volume through a preview read off the GUI thread, a raw
// image with its instance labels over it, and SWC reconstructions in the
// same space.
#include <QString>
#include <functional>
#include <map>
#include <memory>

#include "io/Session.h"
#include "widgets/pages/Page.h"

class QTabWidget;
class QVBoxLayout;

namespace nl::io::microscopy {
class VolumeDataset;
}

namespace nl::widgets {

class Scene;
class VtkView;

class VolumePage : public Page {
  Q_OBJECT
 public:
  explicit VolumePage(io::Session& session, QWidget* parent = nullptr);
  ~VolumePage() override;

  Scene* scene() const { return scene_; }
  VtkView* view() const { return view_; }
  std::vector<Scene*> scenes() const override;

  // An in-memory volume: label volumes as instances, others as slices (the
  // volume rendering one click away). Throws on volumes the layers refuse.
  // `isPreview`: the array stands for the chunked volume `id`.
  void showArray(io::DatasetId id, std::shared_ptr<const io::ArrayDataset> volume,
                 bool overlaid = false, bool isPreview = false);
  // A chunked volume: a pooled preview (≤ 16 M voxels, or at the step of the
  // labels already shown so that they line up) is read as a task, then shown;
  // label volumes are then measured, also as a task, into an instance table.
  void showChunked(io::DatasetId id, std::shared_ptr<const io::microscopy::VolumeDataset> volume);
  // A neuron reconstruction as tubes.
  void showSwc(io::DatasetId id);

  // A statistic map on the slices' grid, a label volume of the size of the
  // one shown (a prediction on its ground truth), a reconstruction (into
  // the current page only).
  int adoptionScore(io::DatasetId id, const io::Dataset& dataset) const override;
  void adopt(io::DatasetId id) override;

  // "instance 3: 47861 voxels, …" for a label of a measured preview; empty
  // when nothing is known about it.
  QString describeInstance(io::DatasetId preview, std::int64_t label) const;
  // Preview datasets whose instance tables arrived.
  std::size_t measuredCount() const { return instanceTables_.size(); }

 signals:
  // A preview or an instance table arrived (tests wait for these).
  void previewShown(nl::io::DatasetId preview);
  void instancesMeasured(nl::io::DatasetId table);

 private:
  void measureInstances(std::shared_ptr<const io::microscopy::VolumeDataset> volume,
                        io::DatasetId preview);
  void showInstanceTable(io::DatasetId shown, io::DatasetId table);
  // The step and source shape of the first chunked volume (0: none yet).
  struct ShownLabels {
    std::size_t step = 0;
    std::size_t z = 0, y = 0, x = 0;
  };
  ShownLabels grid_;
  io::Session& session_;
  VtkView* view_ = nullptr;
  Scene* scene_ = nullptr;
  QVBoxLayout* layout_ = nullptr;
  QTabWidget* tables_ = nullptr;
  std::map<io::DatasetId, io::DatasetId> instanceTables_;  // label preview → instance table
  // Previews asked for, shown, and arrived out of turn (by request number).
  std::size_t previews_ = 0, shownPreviews_ = 0;
  std::map<std::size_t, std::function<void()>> arrived_;
};

}  // namespace nl::widgets
