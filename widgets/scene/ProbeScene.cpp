#include "widgets/scene/ProbeScene.h"

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkFloatArray.h>
#include <vtkGlyph3DMapper.h>
#include <vtkLineSource.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkTubeFilter.h>
#include <vtkUnsignedCharArray.h>

#include <QPointer>
#include <QVector>
#include <cmath>
#include <limits>
#include <map>

#include "widgets/AreaColors.h"
#include "widgets/VtkView.h"

namespace nl::widgets {

namespace {
constexpr const char* kOrigin = "probe3d";

vtkSmartPointer<vtkActor> glyphActor(vtkPolyData* points, double radius, bool scaleByArray) {
  vtkNew<vtkSphereSource> sphere;
  sphere->SetRadius(radius);
  sphere->SetThetaResolution(14);
  sphere->SetPhiResolution(10);
  vtkNew<vtkGlyph3DMapper> mapper;
  mapper->SetInputData(points);
  mapper->SetSourceConnection(sphere->GetOutputPort());
  mapper->SetScalarModeToUsePointFieldData();
  mapper->SelectColorArray("colors");
  mapper->SetColorModeToDirectScalars();
  mapper->ScalarVisibilityOn();
  if (scaleByArray) {
    mapper->SetScaleArray("scale");
    mapper->SetScaleModeToScaleByMagnitude();
  } else {
    mapper->SetScaling(false);
  }
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetSpecular(0.3);
  actor->GetProperty()->SetSpecularPower(20);
  return actor;
}
}  // namespace

struct ProbeScene::Impl {
  QPointer<VtkView> view;
  io::Session* session = nullptr;
  io::DatasetId recording = io::kNoDataset;
  std::shared_ptr<const io::SpikeRecording> spikes;
  std::vector<std::array<double, 3>> unitPositions;
  vtkNew<vtkPolyData> highlightPoints;
  vtkSmartPointer<vtkActor> highlight;
  std::vector<vtkSmartPointer<vtkActor>> actors;
  io::Signal<const std::string&>::ConnectionId selectionConnection = 0;
};

ProbeScene::ProbeScene(VtkView* view, io::Session& session, io::DatasetId recording,
                       QObject* parent)
    : QObject(parent), impl_(std::make_unique<Impl>()) {
  auto& d = *impl_;
  d.view = view;
  d.session = &session;
  d.recording = recording;
  d.spikes = std::dynamic_pointer_cast<const io::SpikeRecording>(session.find(recording));
  if (!d.spikes || !d.spikes->electrodes())
    throw std::invalid_argument("probe view needs a recording with electrodes");
  const auto& electrodes = *d.spikes->electrodes();
  const auto& x = *electrodes.numericColumn("x");
  const auto& y = *electrodes.numericColumn("y");
  const auto& z = *electrodes.numericColumn("z");
  const io::Column* location = electrodes.column("location");

  // Electrode sites.
  vtkNew<vtkPoints> sitePoints;
  vtkNew<vtkUnsignedCharArray> siteColors;
  siteColors->SetName("colors");
  siteColors->SetNumberOfComponents(3);
  for (std::size_t i = 0; i < electrodes.rowCount(); ++i) {
    sitePoints->InsertNextPoint(x[i], y[i], z[i]);
    const QColor c =
        areaColor(location ? QString::fromStdString(location->cellText(i)) : QString());
    const unsigned char rgb[3] = {static_cast<unsigned char>(c.red()),
                                  static_cast<unsigned char>(c.green()),
                                  static_cast<unsigned char>(c.blue())};
    siteColors->InsertNextTypedTuple(rgb);
  }
  vtkNew<vtkPolyData> sites;
  sites->SetPoints(sitePoints);
  sites->GetPointData()->AddArray(siteColors);
  d.actors.push_back(glyphActor(sites, 7.0, false));

  // The shank: a tube from the first to the last site.
  if (electrodes.rowCount() >= 2) {
    const std::size_t last = electrodes.rowCount() - 1;
    vtkNew<vtkLineSource> line;
    line->SetPoint1(x[0], y[0], z[0]);
    line->SetPoint2(x[last], y[last], z[last]);
    vtkNew<vtkTubeFilter> tube;
    tube->SetInputConnection(line->GetOutputPort());
    tube->SetRadius(18.0);
    tube->SetNumberOfSides(16);
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputConnection(tube->GetOutputPort());
    auto shank = vtkSmartPointer<vtkActor>::New();
    shank->SetMapper(mapper);
    shank->GetProperty()->SetColor(0.75, 0.75, 0.78);
    shank->GetProperty()->SetOpacity(0.25);
    d.actors.push_back(shank);
  }

  // Units: beside the shank at their peak channel's height, spread sideways
  // so units on one channel stay distinguishable; size by firing rate.
  const auto& units = *d.spikes->units();
  const auto* peak = units.numericColumn("peak_channel_id");
  const auto* rate = units.numericColumn("firing_rate");
  const auto* ux = units.numericColumn("x");
  const auto* uy = units.numericColumn("y");
  const auto* uz = units.numericColumn("z");
  const io::Column* unitLocation = units.column("location");
  vtkNew<vtkPoints> unitPoints;
  vtkNew<vtkUnsignedCharArray> unitColors;
  unitColors->SetName("colors");
  unitColors->SetNumberOfComponents(3);
  vtkNew<vtkFloatArray> unitScale;
  unitScale->SetName("scale");
  std::map<long, int> perChannel;
  for (std::size_t u = 0; u < units.rowCount(); ++u) {
    std::array<double, 3> p{0, 0, 0};
    if (ux && uy && uz) {
      p = {(*ux)[u], (*uy)[u], (*uz)[u]};
    } else if (peak) {
      const auto channel = static_cast<std::size_t>(std::max(0.0, (*peak)[u]));
      if (channel < electrodes.rowCount()) p = {x[channel], y[channel], z[channel]};
    }
    const long key = peak ? static_cast<long>((*peak)[u]) : static_cast<long>(u);
    const int k = perChannel[key]++;
    p[1] += 70.0 + 34.0 * k;  // anterior offset (µm): beside the shank in a lateral view
    d.unitPositions.push_back(p);
    unitPoints->InsertNextPoint(p.data());
    const QColor c =
        areaColor(unitLocation ? QString::fromStdString(unitLocation->cellText(u)) : QString())
            .lighter(125);
    const unsigned char rgb[3] = {static_cast<unsigned char>(c.red()),
                                  static_cast<unsigned char>(c.green()),
                                  static_cast<unsigned char>(c.blue())};
    unitColors->InsertNextTypedTuple(rgb);
    const double r = rate ? (*rate)[u] : 5.0;
    unitScale->InsertNextValue(static_cast<float>(0.6 + 0.4 * std::sqrt(std::max(0.0, r) / 5.0)));
  }
  vtkNew<vtkPolyData> unitData;
  unitData->SetPoints(unitPoints);
  unitData->GetPointData()->AddArray(unitColors);
  unitData->GetPointData()->AddArray(unitScale);
  d.actors.push_back(glyphActor(unitData, 15.0, true));

  // Highlight of the selected units: one colour everywhere (highlightColor()).
  vtkNew<vtkPoints> none;
  d.highlightPoints->SetPoints(none);
  vtkNew<vtkUnsignedCharArray> highlightColors;
  highlightColors->SetName("colors");
  highlightColors->SetNumberOfComponents(3);
  d.highlightPoints->GetPointData()->AddArray(highlightColors);
  d.highlight = glyphActor(d.highlightPoints, 34.0, false);
  d.highlight->GetProperty()->SetAmbient(0.6);
  d.actors.push_back(d.highlight);

  for (auto& actor : d.actors) view->renderer()->AddActor(actor);
  view->resetCamera();
  view->setStandardView(VtkView::StandardView::Lateral);

  d.selectionConnection =
      session.selection().changed.connect([this](const std::string&) { refreshHighlight(); });
  connect(view, &VtkView::clicked, this, [this](QPointF position, Qt::KeyboardModifiers modifiers) {
    const int unit = unitAt(position);
    auto& selection = impl_->session->selection();
    if (unit < 0) {
      if (!(modifiers & Qt::ShiftModifier)) selection.clear(kOrigin);
      return;
    }
    std::vector<std::int64_t> indices;
    if ((modifiers & (Qt::ShiftModifier | Qt::ControlModifier)) &&
        selection.dataset() == impl_->recording)
      indices = selection.indices();
    indices.push_back(unit);
    selection.select(impl_->recording, indices, kOrigin);
  });
  refreshHighlight();
}

ProbeScene::~ProbeScene() {
  impl_->session->selection().changed.disconnect(impl_->selectionConnection);
  if (impl_->view)  // the view may already be gone when the page closes
    for (auto& actor : impl_->actors) impl_->view->renderer()->RemoveActor(actor);
}

std::array<double, 3> ProbeScene::unitPosition(int unit) const {
  return impl_->unitPositions.at(static_cast<std::size_t>(unit));
}

int ProbeScene::unitAt(QPointF widgetPosition, double radiusPx) const {
  int best = -1;
  double bestDistance = radiusPx;
  for (std::size_t u = 0; u < impl_->unitPositions.size(); ++u) {
    const auto screen = impl_->view->worldToWidget(impl_->unitPositions[u]);
    if (!screen) continue;
    const double distance =
        std::hypot(screen->x() - widgetPosition.x(), screen->y() - widgetPosition.y());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = static_cast<int>(u);
    }
  }
  return best;
}

void ProbeScene::refreshHighlight() {
  auto& d = *impl_;
  vtkNew<vtkPoints> points;
  auto* colors =
      vtkUnsignedCharArray::SafeDownCast(d.highlightPoints->GetPointData()->GetArray("colors"));
  colors->Reset();
  const auto& selection = d.session->selection();
  if (selection.dataset() == d.recording) {
    const QColor c = highlightColor();
    const unsigned char rgb[3] = {static_cast<unsigned char>(c.red()),
                                  static_cast<unsigned char>(c.green()),
                                  static_cast<unsigned char>(c.blue())};
    for (auto index : selection.indices()) {
      if (index < 0 || static_cast<std::size_t>(index) >= d.unitPositions.size()) continue;
      points->InsertNextPoint(d.unitPositions[static_cast<std::size_t>(index)].data());
      colors->InsertNextTypedTuple(rgb);
    }
  }
  d.highlightPoints->SetPoints(points);
  d.highlightPoints->Modified();
  d.view->requestRender();
}

}  // namespace nl::widgets
