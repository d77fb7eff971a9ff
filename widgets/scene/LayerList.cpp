#include "widgets/scene/LayerList.h"

#include <QCheckBox>
#include <QColorDialog>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QPixmap>
#include <QSignalBlocker>
#include <QSlider>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>
#include <functional>

#include "widgets/Colormap.h"
#include "widgets/scene/LabelVolumeLayer.h"
#include "widgets/scene/PointsLayer.h"
#include "widgets/scene/Scene.h"
#include "widgets/scene/VolumeLayers.h"

namespace nl::widgets {

LayerList::LayerList(Scene* scene, QWidget* parent) : QWidget(parent), scene_(scene) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  tree_ = new QTreeWidget();
  tree_->setHeaderHidden(true);
  tree_->setRootIsDecorated(false);
  tree_->setMaximumHeight(140);
  layout->addWidget(tree_);
  auto* buttons = new QHBoxLayout();
  auto* up = new QToolButton();
  up->setArrowType(Qt::UpArrow);
  up->setToolTip(tr("Draw later (on top)"));
  auto* down = new QToolButton();
  down->setArrowType(Qt::DownArrow);
  down->setToolTip(tr("Draw earlier"));
  buttons->addWidget(up);
  buttons->addWidget(down);
  buttons->addStretch(1);
  layout->addLayout(buttons);
  auto* form = new QFormLayout();
  opacity_ = new QSlider(Qt::Horizontal);
  opacity_->setRange(0, 100);
  colormap_ = new QComboBox();
  colormap_->addItems(Colormap::names());
  low_ = new QDoubleSpinBox();
  high_ = new QDoubleSpinBox();
  threshold_ = new QDoubleSpinBox();
  for (auto* box : {low_, high_, threshold_}) {
    box->setRange(-1e9, 1e9);
    box->setDecimals(3);
    box->setKeyboardTracking(false);
  }
  threshold_->setMinimum(0);
  form->addRow(tr("Opacity"), opacity_);
  form->addRow(tr("Colormap"), colormap_);
  form->addRow(tr("Min"), low_);
  form->addRow(tr("Max"), high_);
  form->addRow(tr("|value| ≥"), threshold_);
  layout->addLayout(form);
  extras_ = new QWidget();
  extrasLayout_ = new QFormLayout(extras_);
  extrasLayout_->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(extras_);
  layout->addStretch(1);

  // Rows are listed top = drawn last, the usual layer-panel convention.
  auto layerAtRow = [this](int row) -> SceneLayer* {
    const auto& layers = scene_->layers();
    const int index = static_cast<int>(layers.size()) - 1 - row;
    return index >= 0 && index < static_cast<int>(layers.size())
               ? layers[static_cast<std::size_t>(index)]
               : nullptr;
  };
  connect(tree_, &QTreeWidget::itemChanged, this, [this, layerAtRow](QTreeWidgetItem* item) {
    if (updating_) return;
    if (auto* layer = layerAtRow(tree_->indexOfTopLevelItem(item)))
      layer->setVisible(item->checkState(0) == Qt::Checked);
  });
  connect(tree_, &QTreeWidget::currentItemChanged, this, [this] { showLayer(currentLayer()); });
  auto move = [this](int delta) {
    const int row = tree_->indexOfTopLevelItem(tree_->currentItem());
    const int n = static_cast<int>(scene_->layers().size());
    if (row < 0) return;
    const int from = n - 1 - row, to = from + delta;
    scene_->moveLayer(from, to);
    if (to >= 0 && to < n) tree_->setCurrentItem(tree_->topLevelItem(n - 1 - to));
  };
  connect(up, &QToolButton::clicked, this, [move] { move(+1); });
  connect(down, &QToolButton::clicked, this, [move] { move(-1); });
  connect(opacity_, &QSlider::valueChanged, this, [this](int value) {
    if (!updating_ && currentLayer()) currentLayer()->setOpacity(value / 100.0);
  });
  connect(colormap_, &QComboBox::currentTextChanged, this, [this](const QString& name) {
    if (!updating_ && currentLayer()) {
      currentLayer()->setColormap(name);
      scene_->setScalarBarLayer(currentLayer());
    }
  });
  auto applyRange = [this] {
    if (!updating_ && currentLayer()) currentLayer()->setScalarRange(low_->value(), high_->value());
  };
  connect(low_, &QDoubleSpinBox::valueChanged, this, applyRange);
  connect(high_, &QDoubleSpinBox::valueChanged, this, applyRange);
  connect(threshold_, &QDoubleSpinBox::valueChanged, this, [this](double value) {
    if (!updating_ && currentLayer()) currentLayer()->setThreshold(value);
  });
  connect(scene_, &Scene::layersChanged, this, &LayerList::rebuild);
  rebuild();
}

SceneLayer* LayerList::currentLayer() const {
  const int row = tree_->indexOfTopLevelItem(tree_->currentItem());
  const auto& layers = scene_->layers();
  const int index = static_cast<int>(layers.size()) - 1 - row;
  return row >= 0 && index >= 0 && index < static_cast<int>(layers.size())
             ? layers[static_cast<std::size_t>(index)]
             : nullptr;
}

void LayerList::rebuild() {
  updating_ = true;
  const int row = std::max(0, tree_->indexOfTopLevelItem(tree_->currentItem()));
  {
    // clear() moves the current item, whose handler (showLayer) would end
    // `updating_` early; the new unchecked items then hid their layers.
    const QSignalBlocker quiet(tree_);
    tree_->clear();
    const auto& layers = scene_->layers();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
      auto* item = new QTreeWidgetItem(tree_);
      item->setText(0, (*it)->name());
      item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
      item->setCheckState(0, (*it)->isVisible() ? Qt::Checked : Qt::Unchecked);
    }
  }
  updating_ = false;
  if (tree_->topLevelItemCount() > 0)
    tree_->setCurrentItem(tree_->topLevelItem(std::min(row, tree_->topLevelItemCount() - 1)));
  showLayer(currentLayer());
}

void LayerList::showLayer(SceneLayer* layer) {
  updating_ = true;
  const bool scalars = layer != nullptr && layer->hasScalars();
  opacity_->setEnabled(layer != nullptr);
  for (QWidget* w : std::initializer_list<QWidget*>{colormap_, low_, high_, threshold_})
    w->setEnabled(scalars);
  if (layer) {
    opacity_->setValue(static_cast<int>(std::lround(layer->opacity() * 100)));
    colormap_->setCurrentText(layer->colormap());
    const auto [low, high] = layer->scalarRange();
    const auto [dataLow, dataHigh] = layer->dataRange();
    const double step =
        std::pow(10.0, std::floor(std::log10(std::max(1e-9, dataHigh - dataLow))) - 2);
    for (auto* box : {low_, high_, threshold_}) box->setSingleStep(step);
    low_->setValue(low);
    high_->setValue(high);
    threshold_->setValue(layer->threshold());
  }
  updating_ = false;

  while (extrasLayout_->rowCount() > 0) extrasLayout_->removeRow(0);
  if (auto* volume = qobject_cast<VolumeLayer*>(layer)) {
    auto* mode = new QComboBox();
    mode->addItems({tr("Composite"), tr("Maximum intensity")});
    mode->setCurrentIndex(volume->mode() == VolumeLayer::Mode::MaximumIntensity ? 1 : 0);
    connect(mode, &QComboBox::currentIndexChanged, volume, [volume](int index) {
      volume->setMode(index == 1 ? VolumeLayer::Mode::MaximumIntensity
                                 : VolumeLayer::Mode::Composite);
    });
    extrasLayout_->addRow(tr("Rendering"), mode);
    auto* preset = new QComboBox();
    preset->addItems(VolumeLayer::presets());
    connect(preset, &QComboBox::currentTextChanged, volume, &VolumeLayer::setPreset);
    extrasLayout_->addRow(tr("Transfer function"), preset);
  }
  // Per channel of a multichannel image, in its volume rendering or its
  // slices: shown, contrast limits, gamma, colour. Every layer of the same
  // image in this scene follows, so rendering and slices keep one look.
  auto* volumeLayer = qobject_cast<VolumeLayer*>(layer);
  auto* sliceLayer = qobject_cast<SliceLayer*>(layer);
  const std::size_t channels = volumeLayer  ? volumeLayer->channelCount()
                               : sliceLayer ? sliceLayer->channelCount()
                                            : 0;
  auto lookOf = [volumeLayer, sliceLayer](std::size_t c) {
    return volumeLayer ? volumeLayer->channelLook(c) : sliceLayer->channelLook(c);
  };
  auto setLook = [scene = scene_, dataset = layer ? layer->dataset() : io::kNoDataset](
                     std::size_t c, const ChannelLook& look) {
    for (SceneLayer* other : scene->layers()) {
      if (other->dataset() != dataset) continue;
      if (auto* volume = qobject_cast<VolumeLayer*>(other); volume && c < volume->channelCount())
        volume->setChannelLook(c, look);
      if (auto* slices = qobject_cast<SliceLayer*>(other); slices && c < slices->channelCount())
        slices->setChannelLook(c, look);
    }
  };
  for (std::size_t c = 0; c < channels; ++c) {
    const ChannelLook look = lookOf(c);
    auto* row = new QWidget();
    row->setObjectName(QString("channel%1").arg(c));
    auto* rowLayout = new QHBoxLayout(row);
    rowLayout->setContentsMargins(0, 0, 0, 0);
    auto* shown = new QCheckBox();
    shown->setChecked(look.visible);
    shown->setToolTip(tr("Show this channel"));
    auto spin = [row, rowLayout](double value, double lowest, double step, const QString& tip) {
      auto* box = new QDoubleSpinBox(row);
      box->setRange(lowest, 1e9);
      box->setDecimals(step < 0.1 ? 2 : 1);
      box->setSingleStep(step);
      box->setValue(value);
      box->setToolTip(tip);
      box->setMaximumWidth(70);  // ±1e9 ranges would widen the dock
      box->setButtonSymbols(QAbstractSpinBox::NoButtons);
      rowLayout->addWidget(box);
      return box;
    };
    rowLayout->addWidget(shown);
    auto* low = spin(look.low, -1e9, std::max(0.1, (look.high - look.low) / 100),
                     tr("Lower contrast limit"));
    auto* high = spin(look.high, -1e9, std::max(0.1, (look.high - look.low) / 100),
                      tr("Upper contrast limit"));
    auto* gamma = spin(look.gamma, 0.05, 0.05, tr("Gamma: shown intensity = t^gamma"));
    gamma->setMaximum(10);
    auto* colour = new QToolButton(row);
    colour->setToolTip(tr("Channel colour"));
    auto paint = [colour](const QColor& shade) {
      QPixmap swatch(14, 14);
      swatch.fill(shade);
      colour->setIcon(QIcon(swatch));
    };
    paint(look.colour);
    rowLayout->addWidget(colour);
    auto apply = [lookOf, setLook, c, shown, low, high, gamma] {
      ChannelLook next = lookOf(c);
      next.visible = shown->isChecked();
      next.low = low->value();
      next.high = std::max(high->value(), low->value() + 1e-9);
      next.gamma = gamma->value();
      setLook(c, next);
    };
    connect(shown, &QCheckBox::toggled, layer, apply);
    for (auto* box : {low, high, gamma}) connect(box, &QDoubleSpinBox::valueChanged, layer, apply);
    connect(colour, &QToolButton::clicked, layer, [this, lookOf, setLook, c, paint] {
      const QColor chosen = QColorDialog::getColor(lookOf(c).colour, this);
      if (!chosen.isValid()) return;
      ChannelLook next = lookOf(c);
      next.colour = chosen;
      setLook(c, next);
      paint(chosen);
    });
    extrasLayout_->addRow(tr("Channel %1").arg(c), row);
  }
  if (auto* slices = qobject_cast<SliceLayer*>(layer); slices && slices->hasOverlay()) {
    auto* threshold = new QDoubleSpinBox();
    threshold->setObjectName("overlayThreshold");
    threshold->setRange(0, 1e9);
    threshold->setDecimals(3);
    threshold->setSingleStep(0.1);
    threshold->setValue(slices->overlayThreshold());
    threshold->setToolTip(tr("Overlay voxels with |value| below this show the volume beneath"));
    connect(threshold, &QDoubleSpinBox::valueChanged, slices, &SliceLayer::setOverlayThreshold);
    extrasLayout_->addRow(tr("Overlay %1 ≥").arg(slices->overlayName()), threshold);
    auto* remove = new QToolButton();
    remove->setText(tr("Remove overlay"));
    connect(remove, &QToolButton::clicked, slices, [this, slices] {
      slices->clearOverlay();
      showLayer(slices);
    });
    extrasLayout_->addRow(QString(), remove);
  }
  if (auto* labels = qobject_cast<LabelVolumeLayer*>(layer)) {
    auto* instances = new QTreeWidget();
    instances->setHeaderHidden(true);
    instances->setRootIsDecorated(false);
    instances->setMaximumHeight(160);
    for (int label : labels->labels()) {
      auto* item = new QTreeWidgetItem(instances);
      item->setText(0, tr("instance %1").arg(label));
      item->setData(0, Qt::UserRole, label);
      item->setData(0, Qt::DecorationRole, labels->labelColour(label));
      item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
      item->setCheckState(0, labels->labelVisible(label) ? Qt::Checked : Qt::Unchecked);
    }
    connect(instances, &QTreeWidget::itemChanged, labels, [labels](QTreeWidgetItem* item) {
      labels->setLabelVisible(item->data(0, Qt::UserRole).toInt(),
                              item->checkState(0) == Qt::Checked);
    });
    instances->setObjectName("instanceList");
    extrasLayout_->addRow(tr("Instances"), instances);
    // Isolate: only the chosen instance stays visible; Show all undoes it.
    auto* isolate = new QToolButton();
    isolate->setObjectName("isolateInstance");
    isolate->setText(tr("Isolate"));
    isolate->setToolTip(tr("Hide every instance but the one chosen in the list"));
    auto* showAll = new QToolButton();
    showAll->setObjectName("showAllInstances");
    showAll->setText(tr("Show all"));
    auto setChecks = [instances](const std::function<bool(QTreeWidgetItem*)>& keep) {
      for (int row = 0; row < instances->topLevelItemCount(); ++row) {
        auto* item = instances->topLevelItem(row);
        item->setCheckState(0, keep(item) ? Qt::Checked : Qt::Unchecked);
      }
    };
    connect(isolate, &QToolButton::clicked, labels, [instances, setChecks] {
      if (auto* chosen = instances->currentItem())
        setChecks([chosen](QTreeWidgetItem* item) { return item == chosen; });
    });
    connect(showAll, &QToolButton::clicked, labels,
            [setChecks] { setChecks([](QTreeWidgetItem*) { return true; }); });
    auto* buttons = new QWidget();
    auto* buttonsLayout = new QHBoxLayout(buttons);
    buttonsLayout->setContentsMargins(0, 0, 0, 0);
    buttonsLayout->addWidget(isolate);
    buttonsLayout->addWidget(showAll);
    buttonsLayout->addStretch(1);
    extrasLayout_->addRow(QString(), buttons);
    // Opacity of the instances chosen in the list (times the layer's opacity):
    // see one neuron through the others without hiding them.
    auto* instanceOpacity = new QSlider(Qt::Horizontal);
    instanceOpacity->setObjectName("instanceOpacity");
    instanceOpacity->setRange(0, 100);
    instanceOpacity->setEnabled(false);
    instances->setSelectionMode(QAbstractItemView::ExtendedSelection);
    connect(instances, &QTreeWidget::itemSelectionChanged, instanceOpacity,
            [instances, instanceOpacity, labels] {
              const auto chosen = instances->selectedItems();
              instanceOpacity->setEnabled(!chosen.isEmpty());
              if (chosen.isEmpty()) return;
              const QSignalBlocker quiet(instanceOpacity);
              instanceOpacity->setValue(static_cast<int>(std::lround(
                  100 * labels->labelOpacity(chosen.front()->data(0, Qt::UserRole).toInt()))));
            });
    connect(instanceOpacity, &QSlider::valueChanged, labels, [instances, labels](int value) {
      for (auto* item : instances->selectedItems())
        labels->setLabelOpacity(item->data(0, Qt::UserRole).toInt(), value / 100.0);
    });
    extrasLayout_->addRow(tr("Instance opacity"), instanceOpacity);
  }
  if (auto* points = qobject_cast<PointsLayer*>(layer); points && !points->attributes().empty()) {
    auto* colourBy = new QComboBox();
    colourBy->addItem(tr("(category colours)"));
    for (const auto& [name, values] : points->attributes()) colourBy->addItem(name);
    colourBy->setCurrentText(points->colourAttribute().isEmpty() ? tr("(category colours)")
                                                                 : points->colourAttribute());
    connect(colourBy, &QComboBox::currentIndexChanged, points, [this, points, colourBy](int index) {
      points->colourBy(index == 0 ? QString() : colourBy->currentText());
      scene_->setScalarBarLayer(points);
      showLayer(points);
    });
    extrasLayout_->addRow(tr("Colour by"), colourBy);
    auto* sizeBy = new QComboBox();
    sizeBy->addItem(tr("(default)"));
    for (const auto& [name, values] : points->attributes()) sizeBy->addItem(name);
    sizeBy->setCurrentText(points->sizeAttribute().isEmpty() ? tr("(default)")
                                                             : points->sizeAttribute());
    connect(sizeBy, &QComboBox::currentIndexChanged, points, [points, sizeBy](int index) {
      points->sizeBy(index == 0 ? QString() : sizeBy->currentText());
    });
    extrasLayout_->addRow(tr("Size by"), sizeBy);
  }
}

}  // namespace nl::widgets
