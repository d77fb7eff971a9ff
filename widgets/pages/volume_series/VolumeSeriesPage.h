#pragma once
// A 4-D run (fMRI: [t][z][y][x]) as three orthogonal slices of one volume at a
// time, a time slider (keys: , and . step, the time cursor follows), one fixed
// window for every volume so intensities compare across time, and the clicked
// voxel's time course in a chart with the time cursor linked. The status line
// gives voxel indices and world coordinates (mm) through the file's affine.
#include <QWidget>
#include <array>
#include <memory>
#include <vector>

#include "io/Session.h"
#include "io/volume/VolumeGrid.h"
#include "widgets/pages/Page.h"

class QSlider;
class QLabel;

namespace nl::widgets {

class Scene;
class SliceLayer;
class VtkView;
class Chart;

class VolumeSeriesPage : public Page {
  Q_OBJECT
 public:
  VolumeSeriesPage(io::Session& session, io::DatasetId series, QWidget* parent = nullptr);
  ~VolumeSeriesPage() override;

  Scene* scene() const { return scene_; }
  VtkView* view() const { return view_; }
  std::vector<Scene*> scenes() const override { return {scene_}; }
  // A statistic map or mask on the run's grid is overlaid on its slices.
  int adoptionScore(io::DatasetId id, const io::Dataset& dataset) const override;
  void adopt(io::DatasetId id) override;
  // The volume shown, then the layers' looks.
  std::string saveState() const override;
  void restoreState(const std::string& json) override;
  std::size_t volumeCount() const { return frames_; }
  std::size_t currentVolume() const { return current_; }
  void showVolume(std::size_t t);
  // Voxel (i, j, k) → its time course in the chart and the readout.
  void selectVoxel(std::size_t i, std::size_t j, std::size_t k);
  QString readout() const;
  // The signal of voxel (i, j, k) over the run, read from the stored values.
  std::vector<double> voxelCourse(std::size_t i, std::size_t j, std::size_t k) const;
  std::array<double, 3> worldOf(std::size_t i, std::size_t j, std::size_t k) const;

 private:
  std::shared_ptr<const io::ArrayDataset> frame(std::size_t t) const;

  io::Session& session_;
  io::DatasetId seriesId_;
  std::shared_ptr<const io::ArrayDataset> series_;
  std::size_t frames_ = 0, nx_ = 0, ny_ = 0, nz_ = 0, current_ = 0;
  double tr_ = 1.0;
  io::VolumeGrid grid_;  // voxel → world mm
  std::pair<double, double> window_{0, 1};
  VtkView* view_ = nullptr;
  Scene* scene_ = nullptr;
  SliceLayer* slices_ = nullptr;
  Chart* chart_ = nullptr;
  QSlider* slider_ = nullptr;
  QLabel* timeLabel_ = nullptr;
  QLabel* readout_ = nullptr;
  std::array<std::size_t, 3> voxel_{0, 0, 0};
  bool voxelChosen_ = false;
};

}  // namespace nl::widgets
