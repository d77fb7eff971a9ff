#pragma once
// Volumes in 3D. Arrays are C-order [z][y][x] (optionally [z][y][x][c]) as
// NumPy, HDF5 and zarr store them; their grid (io/volume/VolumeGrid.h: the
// attributes spacing, origin, affine) places them. The scene shows a volume
// axis-aligned — voxel (i, j, k) at origin + spacing · (i, j, k) — and
// reports world coordinates through the grid's affine.
//  - VolumeLayer: ray-cast rendering (composite with transfer-function
//    presets, or maximum-intensity projection), one channel or up to four
//    with per-channel looks;
//  - SliceLayer: three orthogonal slices with a crosshair, following the
//    selected voxel; one channel through the colormap, or up to four as an
//    additive colour composite (the same per-channel looks as VolumeLayer);
//  (label volumes: widgets/scene/LabelVolumeLayer.h)
#include <QColor>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>

#include "io/Dataset.h"
#include "io/volume/VolumeGrid.h"
#include "widgets/scene/SceneLayer.h"

namespace nl::widgets {

// The grid of a volume the layers show ([z][y][x] or [z][y][x][c] with at
// most 4 channels); `channels` receives the channel count. Throws
// std::invalid_argument for other shapes, io::VolumeGridError (also a
// std::invalid_argument) for malformed geometry attributes.
io::VolumeGrid shownGrid(const io::ArrayDataset& volume, std::size_t* channels = nullptr);
// Where the scene draws voxel `flatIndex` (origin + spacing · (i, j, k)).
std::array<double, 3> sceneCentre(const io::VolumeGrid& grid, std::size_t flatIndex);
// The voxel whose scene centre is nearest a scene position, if inside.
std::optional<std::size_t> sceneVoxelAt(const io::VolumeGrid& grid, const double position[3]);

// How one channel of a multichannel volume is drawn (napari/ImageJ-style):
// its colour, contrast limits and gamma (shown intensity = t^gamma, t the
// value scaled to the limits), or hidden.
struct ChannelLook {
  QColor colour;
  double low = 0, high = 1;
  double gamma = 1;
  bool visible = true;
  // Shown intensity of `value` in [0, 1]: t^gamma with t = (value − low) /
  // (high − low) clamped to [0, 1]; 0 for NaN. Visibility is the caller's.
  double intensity(double value) const {
    const double t = (value - low) / std::max(1e-12, high - low);
    if (!(t > 0)) return 0;  // also NaN
    if (t >= 1) return 1;
    return gamma == 1 ? t : std::pow(t, gamma);
  }
  bool operator==(const ChannelLook&) const = default;
};

// A look as plain data for the session (io/ViewState.h) and back.
io::ChannelState toChannelState(const ChannelLook& look);
ChannelLook toChannelLook(const io::ChannelState& state);

// The looks a multichannel volume opens with (VolumeLayer and SliceLayer
// alike): red, green, blue, white; limits at each channel's 0.5th and 99.5th
// percentile of a sample of ≤ ~200 k voxels. Empty for a single channel.
std::vector<ChannelLook> defaultChannelLooks(const io::ArrayDataset& volume, std::size_t channels);

class VolumeLayer : public SceneLayer {
  Q_OBJECT
 public:
  enum class Mode { Composite, MaximumIntensity };
  VolumeLayer(QString name, io::DatasetId dataset, std::shared_ptr<const io::ArrayDataset> volume,
              QObject* parent = nullptr);
  ~VolumeLayer() override;
  static QStringList presets();  // transfer-function presets for Composite
  void setPreset(const QString& preset);
  const QString& preset() const { return preset_; }
  void setMode(Mode mode);
  Mode mode() const { return mode_; }
  const io::VolumeGrid& grid() const { return grid_; }
  // Multichannel volumes: one look per channel (defaults: red, green, blue,
  // white; limits at each channel's 0.5th–99.5th percentile).
  std::size_t channelCount() const { return looks_.size(); }
  const ChannelLook& channelLook(std::size_t channel) const { return looks_.at(channel); }
  void setChannelLook(std::size_t channel, const ChannelLook& look);
  // The RGB the transfer functions give channel `channel` at `value` (tests).
  QColor channelColourAt(std::size_t channel, double value) const;

  bool hasScalars() const override { return channels_ == 1; }
  std::pair<double, double> dataRange() const override { return dataRange_; }
  // Kind "volume": channel looks; extras "mode" ("composite" | "mip"), "preset".
  io::LayerState displayState() const override;
  void applyDisplayState(const io::LayerState& state) override;
  void attach(vtkRenderer* renderer) override;
  void detach(vtkRenderer* renderer) override;
  bool owns(vtkProp* prop) const override;
  std::optional<PickHit> hitFromCellPick(vtkProp* prop, long long cellId,
                                         const double position[3]) const override;

 protected:
  void applyAppearance() override;

 private:
  std::size_t channels_ = 1;  // before grid_: shownGrid() sets it while grid_ is made
  io::VolumeGrid grid_;
  std::pair<double, double> dataRange_{0, 1};
  Mode mode_ = Mode::Composite;
  QString preset_ = "ramp";
  std::vector<ChannelLook> looks_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class SliceLayer : public SceneLayer {
  Q_OBJECT
 public:
  SliceLayer(QString name, io::DatasetId dataset, std::shared_ptr<const io::ArrayDataset> volume,
             QObject* parent = nullptr);
  ~SliceLayer() override;
  // Multichannel volumes, as VolumeLayer: one look per channel (none for a
  // single channel, which goes through the colormap). A look change redraws
  // only the three displayed slices.
  std::size_t channelCount() const { return looks_.size(); }
  const ChannelLook& channelLook(std::size_t channel) const { return looks_.at(channel); }
  void setChannelLook(std::size_t channel, const ChannelLook& look);
  // Moves the three slices and the crosshair to a voxel.
  void setCrosshair(std::size_t i, std::size_t j, std::size_t k);
  std::array<std::size_t, 3> crosshair() const { return crosshair_; }
  const io::VolumeGrid& grid() const { return grid_; }
  // A second volume on the same grid (e.g. a z map on an anatomical) drawn
  // over these slices where |value| ≥ threshold, in a symmetric colormap.
  // Throws std::invalid_argument when the grids (size or affine) differ.
  // fitsGrid: one channel and io::VolumeGrid::sameGrid (affines within 1e-3).
  bool fitsGrid(const io::ArrayDataset& other) const;
  void setOverlay(std::shared_ptr<const io::ArrayDataset> overlay, double threshold,
                  QString colormap = QStringLiteral("RdBu_r"));
  void clearOverlay();
  bool hasOverlay() const;
  std::shared_ptr<const io::ArrayDataset> overlay() const;
  QString overlayName() const;
  double overlayThreshold() const;
  void setOverlayThreshold(double threshold);
  // Displayed RGB of voxel (i, j, k), on a displayed slice or not (tests
  // compare pixels with it).
  QColor displayedColour(std::size_t i, std::size_t j, std::size_t k) const;

  // A multichannel composite has no single colormap.
  bool hasScalars() const override { return channels_ == 1; }
  std::pair<double, double> dataRange() const override { return dataRange_; }
  // Kind "slices": channel looks; extras "crosshair" ("i,j,k") and, under an
  // overlay, "overlay_threshold" (the page puts the overlay back first).
  io::LayerState displayState() const override;
  void applyDisplayState(const io::LayerState& state) override;
  void attach(vtkRenderer* renderer) override;
  void detach(vtkRenderer* renderer) override;
  bool owns(vtkProp* prop) const override;
  std::optional<PickHit> hitFromCellPick(vtkProp* prop, long long cellId,
                                         const double position[3]) const override;
  void setHighlight(const std::vector<std::int64_t>& indices) override;

 protected:
  void applyAppearance() override;

 private:
  std::size_t channels_ = 1;  // before grid_: shownGrid() sets it while grid_ is made
  io::VolumeGrid grid_;
  std::pair<double, double> dataRange_{0, 1};
  std::array<std::size_t, 3> crosshair_{0, 0, 0};
  bool showsWorld_ = false;  // picks report world coordinates (a file's affine or a known unit)
  std::vector<ChannelLook> looks_;
  // Slices are composed on the CPU (RGBA) for multichannel volumes and under
  // an overlay; a single channel alone goes through the lookup table.
  bool composesColour() const;
  void composeSlice(std::size_t axis);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A distinct, stable colour per instance label (golden-angle hues).
QColor instanceColour(int label);

}  // namespace nl::widgets
