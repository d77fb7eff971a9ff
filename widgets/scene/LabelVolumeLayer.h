#pragma once
// A label volume (C-order [z][y][x] ids, 0 = background) as one smoothed
// surface per label, each with its own visibility, colour and opacity.
#include <QColor>
#include <map>
#include <memory>

#include "io/Dataset.h"
#include "widgets/scene/SceneLayer.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

class LabelVolumeLayer : public SceneLayer {
  Q_OBJECT
 public:
  // The smoothed surface of every label, made by VTK filters alone (no
  // rendering, no Qt): safe to build on a worker thread and hand to the
  // constructor, so a large label volume never stalls the GUI.
  struct Surfaces;
  static std::shared_ptr<const Surfaces> buildSurfaces(const io::ArrayDataset& labels);

  // Builds the surfaces here (on the calling thread).
  LabelVolumeLayer(QString name, io::DatasetId dataset,
                   std::shared_ptr<const io::ArrayDataset> labels, QObject* parent = nullptr);
  // Takes surfaces made by buildSurfaces(labels).
  LabelVolumeLayer(QString name, io::DatasetId dataset, std::shared_ptr<const Surfaces> surfaces,
                   QObject* parent = nullptr);
  ~LabelVolumeLayer() override;
  std::vector<int> labels() const;
  void setLabelVisible(int label, bool visible);
  bool labelVisible(int label) const;
  // The colour shown (the highlight colour while highlighted).
  QColor labelColour(int label) const;
  // Replaces the palette colour of a label (e.g. by evaluation outcome);
  // an invalid colour restores the palette.
  void setLabelColour(int label, const QColor& colour);
  void setLabelColours(const std::map<int, QColor>& colours);
  // Per-label opacity in [0, 1], multiplied by the layer's opacity.
  void setLabelOpacity(int label, double opacity);
  double labelOpacity(int label) const;
  // The opacity drawn: layer × label, and faded while other labels are
  // selected, so a selection stands out by more than its colour.
  double shownOpacity(int label) const;
  // Labels shown highlighted (the scene's selection of this dataset).
  const std::vector<std::int64_t>& highlighted() const { return highlighted_; }

  // Kind "labels": hidden instances and per-instance opacities (instances
  // not in the state are shown, opaque).
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
  io::VolumeGrid grid_;
  std::vector<std::int64_t> highlighted_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
