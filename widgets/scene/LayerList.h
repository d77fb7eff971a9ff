#pragma once
// The layer list of a scene: visibility, opacity, colormap, value range and
// threshold of each layer, and the order (top of the list draws last).
#include <QWidget>

class QTreeWidget;
class QComboBox;
class QSlider;
class QDoubleSpinBox;
class QFormLayout;

namespace nl::widgets {

class Scene;
class SceneLayer;

class LayerList : public QWidget {
  Q_OBJECT
 public:
  explicit LayerList(Scene* scene, QWidget* parent = nullptr);
  SceneLayer* currentLayer() const;
  QTreeWidget* tree() const { return tree_; }

 private:
  void rebuild();
  void showLayer(SceneLayer* layer);
  Scene* scene_;
  QTreeWidget* tree_ = nullptr;
  QSlider* opacity_ = nullptr;
  QComboBox* colormap_ = nullptr;
  QDoubleSpinBox* low_ = nullptr;
  QDoubleSpinBox* high_ = nullptr;
  QDoubleSpinBox* threshold_ = nullptr;
  // Controls only some layer types have (volume mode and preset, instances,
  // point attributes), rebuilt for the current layer.
  QWidget* extras_ = nullptr;
  QFormLayout* extrasLayout_ = nullptr;
  bool updating_ = false;
};

}  // namespace nl::widgets
