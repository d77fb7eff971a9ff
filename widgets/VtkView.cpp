#include "widgets/VtkView.h"

#include <vtkCallbackCommand.h>
#include <vtkCamera.h>
#include <vtkCommand.h>
#include <vtkGenericOpenGLRenderWindow.h>
#include <vtkGenericRenderWindowInteractor.h>
#include <vtkImageData.h>
#include <vtkInteractorStyleTrackballCamera.h>
#include <vtkLight.h>
#include <vtkLightCollection.h>
#include <vtkNew.h>
#include <vtkOpenGLState.h>
#include <vtkPointData.h>
#include <vtkProp.h>
#include <vtkPropCollection.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <QKeyEvent>
#include <QMouseEvent>
#include <QOpenGLContext>
#include <QOpenGLExtraFunctions>
#include <QOpenGLFunctions>
#include <QPointer>
#include <QTimer>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <cstring>

namespace nl::widgets {

struct VtkView::Impl {
  vtkNew<vtkGenericOpenGLRenderWindow> window;
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkGenericRenderWindowInteractor> interactor;
  vtkNew<vtkInteractorStyleTrackballCamera> style;
  vtkNew<vtkCallbackCommand> makeCurrent, isCurrent, renderRequested, interactionStarted,
      interactionEnded;
  QPointF pressPosition;
  bool dragged = false;
  bool cameraInitialised = false;
  int frames = 0;
  int images = 0;
  std::vector<QPointer<VtkView>> cameraPartners;
  vtkMTimeType cameraSeen = 0;  // camera modification time at the last frame
  // What makes the view interactive: the trackball style's drag, a page's
  // holds, the wheel (until it rests), a partner sharing the camera.
  bool styleInteracting = false;
  int holds = 0;
  int partnersInteracting = 0;
  QTimer wheelRest;
  bool ownInteraction = false;  // what partners follow (not what they made us do)
  int stillMultiSamples = 0;    // the window's MSAA, restored when still
  bool interacting = false;
  // The image in VTK's framebuffer and what it shows: paints that would draw
  // the same scene at the same size (Qt repaints on expose, on showing a tab,
  // on grabbing) copy it instead of rendering again.
  bool hasImage = false;
  bool dirty = true;  // asked to draw anew since that image
  int imageWidth = 0, imageHeight = 0;
  vtkMTimeType imageStamp = 0;
  bool draftShown = false;  // the first image went without multisampling
};

namespace {
// The wheel dollies in single steps: keep the coarse level until the wheel
// rested this long, or every notch would flicker between levels.
constexpr int kWheelRestMs = 250;
// A view's first image goes without multisampling (half the fill cost on
// software OpenGL), and the multisampled one follows this much later, after
// the window has shown the first.
constexpr int kRefineFirstImageMs = 120;

// The latest modification of anything the window's renderers draw: the
// renderers, cameras, lights and each prop with what it depends on.
vtkMTimeType sceneStamp(vtkRenderWindow* window) {
  vtkMTimeType stamp = 0;
  vtkRendererCollection* renderers = window->GetRenderers();
  vtkCollectionSimpleIterator r;
  renderers->InitTraversal(r);
  while (vtkRenderer* renderer = renderers->GetNextRenderer(r)) {
    stamp = std::max({stamp, renderer->GetMTime(), renderer->GetActiveCamera()->GetMTime()});
    vtkLightCollection* lights = renderer->GetLights();
    vtkCollectionSimpleIterator l;
    lights->InitTraversal(l);
    while (vtkLight* light = lights->GetNextLight(l)) stamp = std::max(stamp, light->GetMTime());
    vtkPropCollection* props = renderer->GetViewProps();
    vtkCollectionSimpleIterator p;
    props->InitTraversal(p);
    while (vtkProp* prop = props->GetNextProp(p)) stamp = std::max(stamp, prop->GetRedrawMTime());
  }
  return stamp;
}
}  // namespace

namespace {

// Qt and VTK disagree on the y axis and on logical vs device pixels.
void setEventInfo(vtkRenderWindowInteractor* interactor, const QWidget* widget, QPointF position,
                  Qt::KeyboardModifiers modifiers, int repeat = 0) {
  const double ratio = widget->devicePixelRatioF();
  const int x = static_cast<int>(std::lround(position.x() * ratio));
  const int y = static_cast<int>(std::lround((widget->height() - position.y() - 1) * ratio));
  interactor->SetEventInformation(x, y, (modifiers & Qt::ControlModifier) ? 1 : 0,
                                  (modifiers & Qt::ShiftModifier) ? 1 : 0, 0, repeat);
  interactor->SetAltKey((modifiers & Qt::AltModifier) ? 1 : 0);
}

}  // namespace

VtkView::VtkView(QWidget* parent) : QOpenGLWidget(parent), impl_(std::make_unique<Impl>()) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(false);
  setMinimumSize(120, 120);
  auto& d = *impl_;

  d.window->SetOwnContext(false);
  d.window->SetIsDirect(true);
  d.window->SetSupportsOpenGL(true);
  d.window->SetReadyForRendering(false);  // only inside paintGL
  d.window->SetFrameBlitModeToNoBlit();   // paintGL blits into Qt's FBO itself
  d.window->SetForceMaximumHardwareLineWidth(1);
  d.window->AddRenderer(d.renderer);
  d.renderer->SetBackground(0.11, 0.12, 0.14);
  d.renderer->SetBackground2(0.27, 0.29, 0.33);
  d.renderer->GradientBackgroundOn();

  d.makeCurrent->SetClientData(this);
  d.makeCurrent->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
    // QOpenGLWidget::makeCurrent() also rebinds the widget's FBO behind VTK's
    // cached GL state; when the context is already current (inside paintGL)
    // that would make VTK attach its buffers to Qt's FBO. So only switch
    // contexts when needed.
    auto* view = static_cast<VtkView*>(client);
    if (view->context() != nullptr && QOpenGLContext::currentContext() != view->context()) {
      view->makeCurrent();
      view->impl_->window->GetState()->ResetFramebufferBindings();
    }
  });
  d.window->AddObserver(vtkCommand::WindowMakeCurrentEvent, d.makeCurrent);
  d.isCurrent->SetClientData(this);
  d.isCurrent->SetCallback([](vtkObject*, unsigned long, void* client, void* callData) {
    auto* view = static_cast<VtkView*>(client);
    *static_cast<bool*>(callData) =
        view->context() != nullptr && QOpenGLContext::currentContext() == view->context();
  });
  d.window->AddObserver(vtkCommand::WindowIsCurrentEvent, d.isCurrent);

  d.interactor->SetRenderWindow(d.window);
  d.interactor->SetInteractorStyle(d.style);
  // Interaction asks for renders; Qt decides when to paint.
  d.interactor->EnableRenderOff();
  d.renderRequested->SetClientData(this);
  d.renderRequested->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
    static_cast<VtkView*>(client)->requestRender();
  });
  d.interactor->AddObserver(vtkCommand::RenderEvent, d.renderRequested);
  d.interactor->Initialize();

  // The style announces rotate, pan, spin and dolly drags.
  d.interactionStarted->SetClientData(this);
  d.interactionStarted->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
    auto* view = static_cast<VtkView*>(client);
    view->impl_->styleInteracting = true;
    view->updateInteraction();
  });
  d.style->AddObserver(vtkCommand::StartInteractionEvent, d.interactionStarted);
  d.interactionEnded->SetClientData(this);
  d.interactionEnded->SetCallback([](vtkObject*, unsigned long, void* client, void*) {
    auto* view = static_cast<VtkView*>(client);
    view->impl_->styleInteracting = false;
    view->updateInteraction();
  });
  d.style->AddObserver(vtkCommand::EndInteractionEvent, d.interactionEnded);
  d.wheelRest.setSingleShot(true);
  d.wheelRest.setInterval(kWheelRestMs);
  connect(&d.wheelRest, &QTimer::timeout, this, [this] { updateInteraction(); });
}

bool VtkView::isInteracting() const {
  return impl_->interacting;
}

void VtkView::beginInteraction() {
  ++impl_->holds;
  updateInteraction();
}

void VtkView::endInteraction() {
  impl_->holds = std::max(0, impl_->holds - 1);
  updateInteraction();
}

void VtkView::updateInteraction() {
  auto& d = *impl_;
  const bool own = d.styleInteracting || d.holds > 0 || d.wheelRest.isActive();
  if (own != d.ownInteraction) {
    d.ownInteraction = own;
    // Views drawing the same camera move with this one.
    for (const auto& partner : d.cameraPartners)
      if (partner) {
        partner->impl_->partnersInteracting += own ? 1 : -1;
        partner->updateInteraction();
      }
  }
  const bool now = own || d.partnersInteracting > 0;
  if (now == d.interacting) return;
  d.interacting = now;
  // Multisampling multiplies software OpenGL's fill cost: moving frames go
  // without it, still frames get it back (and are what they were).
  if (now) {
    d.stillMultiSamples = d.window->GetMultiSamples();
    d.window->SetMultiSamples(0);
  } else {
    d.window->SetMultiSamples(d.stillMultiSamples);
  }
  emit interactionChanged(now);
  // The coarse level had its own bounds: clip for what is drawn when still.
  if (!now) d.renderer->ResetCameraClippingRange();
  requestRender();
}

VtkView::~VtkView() {
  // VTK releases its GL resources in the widget's context.
  makeCurrent();
  impl_->window->Finalize();
  doneCurrent();
}

QSurfaceFormat VtkView::defaultFormat() {
  QSurfaceFormat format;
  format.setRenderableType(QSurfaceFormat::OpenGL);
  format.setVersion(3, 2);
  format.setProfile(QSurfaceFormat::CoreProfile);
  format.setDepthBufferSize(24);
  format.setStencilBufferSize(8);
  format.setAlphaBufferSize(8);
  format.setSamples(0);
  format.setSwapInterval(0);
  return format;
}

vtkRenderer* VtkView::renderer() const {
  return impl_->renderer;
}
vtkGenericOpenGLRenderWindow* VtkView::renderWindow() const {
  return impl_->window;
}
int VtkView::framesRendered() const {
  return impl_->frames;
}
int VtkView::imagesRendered() const {
  return impl_->images;
}

void VtkView::requestRender() {
  impl_->dirty = true;
  update();
}

void VtkView::resetCamera() {
  // Framing needs the final window size (aspect ratio), known only at paint
  // time; until then the reset is pending.
  impl_->cameraInitialised = false;
  if (isVisible() && width() > 0 && context() != nullptr) {
    const double ratio = devicePixelRatioF();
    impl_->window->SetSize(static_cast<int>(width() * ratio), static_cast<int>(height() * ratio));
  }
  impl_->renderer->ResetCamera();
  requestRender();
}

void VtkView::setStandardView(StandardView view) {
  vtkCamera* camera = impl_->renderer->GetActiveCamera();
  double focal[3];
  camera->GetFocalPoint(focal);
  const double distance = camera->GetDistance();
  double direction[3] = {0, 0, 0};  // from focal point towards the camera
  double up[3] = {0, 0, 1};
  switch (view) {
    case StandardView::Lateral:
      direction[0] = -1;
      break;  // left hemisphere seen from the left
    case StandardView::Medial:
      direction[0] = 1;
      break;
    case StandardView::Dorsal:
      direction[2] = 1, up[2] = 0, up[1] = 1;
      break;
    case StandardView::Ventral:
      direction[2] = -1, up[2] = 0, up[1] = 1;
      break;
    case StandardView::Anterior:
      direction[1] = 1;
      break;
    case StandardView::Posterior:
      direction[1] = -1;
      break;
  }
  camera->SetPosition(focal[0] + distance * direction[0], focal[1] + distance * direction[1],
                      focal[2] + distance * direction[2]);
  camera->SetViewUp(up);
  resetCamera();
}

void VtkView::orbit(double azimuth, double elevation) {
  vtkCamera* camera = impl_->renderer->GetActiveCamera();
  camera->Azimuth(azimuth);
  camera->Elevation(elevation);
  camera->OrthogonalizeViewUp();
  impl_->renderer->ResetCameraClippingRange();
  requestRender();
}

void VtkView::shareCameraWith(VtkView* other) {
  if (other == nullptr || other == this) return;
  other->impl_->renderer->SetActiveCamera(impl_->renderer->GetActiveCamera());
  other->impl_->cameraInitialised = true;  // the shared camera is already framed
  impl_->cameraPartners.emplace_back(other);
  other->impl_->cameraPartners.emplace_back(this);
  other->requestRender();
}

io::CameraState VtkView::cameraState() const {
  vtkCamera* camera = impl_->renderer->GetActiveCamera();
  io::CameraState state;
  camera->GetPosition(state.position.data());
  camera->GetFocalPoint(state.focalPoint.data());
  camera->GetViewUp(state.viewUp.data());
  state.viewAngle = camera->GetViewAngle();
  state.parallelProjection = camera->GetParallelProjection() != 0;
  state.parallelScale = camera->GetParallelScale();
  return state;
}

void VtkView::setCameraState(const io::CameraState& state) {
  vtkCamera* camera = impl_->renderer->GetActiveCamera();
  camera->SetFocalPoint(state.focalPoint.data());
  camera->SetPosition(state.position.data());
  camera->SetViewUp(state.viewUp.data());
  camera->SetViewAngle(state.viewAngle);
  camera->SetParallelProjection(state.parallelProjection ? 1 : 0);
  camera->SetParallelScale(state.parallelScale);
  camera->OrthogonalizeViewUp();
  impl_->cameraInitialised = true;  // not reframed at the next paint
  impl_->renderer->ResetCameraClippingRange();
  requestRender();
}

bool VtkView::cameraFramed() const {
  return impl_->cameraInitialised;
}

void VtkView::setBackground(const QColor& top, const QColor& bottom) {
  impl_->renderer->SetBackground(bottom.redF(), bottom.greenF(), bottom.blueF());
  impl_->renderer->SetBackground2(top.redF(), top.greenF(), top.blueF());
  requestRender();
}

std::optional<QPointF> VtkView::worldToWidget(const std::array<double, 3>& world) const {
  vtkRenderer* ren = impl_->renderer;
  const double ratio = devicePixelRatioF();
  // The renderer converts with the window size VTK last saw; keep it current.
  impl_->window->SetSize(static_cast<int>(width() * ratio), static_cast<int>(height() * ratio));
  ren->SetWorldPoint(world[0], world[1], world[2], 1.0);
  ren->WorldToDisplay();
  double display[3];
  ren->GetDisplayPoint(display);
  if (display[2] < 0.0 || display[2] > 1.0) return std::nullopt;
  return QPointF(display[0] / ratio, height() - 1 - display[1] / ratio);
}

QImage VtkView::renderToImage(int scale) {
  if (scale <= 1) return grabFramebuffer();
  makeCurrent();
  auto& d = *impl_;
  d.window->SetReadyForRendering(true);
  d.window->SetIsCurrent(true);
  vtkNew<vtkWindowToImageFilter> capture;
  capture->SetInput(d.window);
  capture->SetScale(scale);
  capture->SetInputBufferTypeToRGBA();
  capture->ReadFrontBufferOff();
  d.window->GetState()->ResetFramebufferBindings();
  capture->Update();
  d.window->SetReadyForRendering(false);
  d.hasImage = false;  // the framebuffer holds the capture's last tile
  doneCurrent();
  vtkImageData* image = capture->GetOutput();
  int dims[3];
  image->GetDimensions(dims);
  auto* pixels = static_cast<unsigned char*>(image->GetScalarPointer());
  QImage result(dims[0], dims[1], QImage::Format_RGBA8888);
  for (int y = 0; y < dims[1]; ++y)  // VTK rows run bottom-up
    std::memcpy(result.scanLine(dims[1] - 1 - y),
                pixels + static_cast<std::size_t>(y) * dims[0] * 4,
                static_cast<std::size_t>(dims[0]) * 4);
  requestRender();
  return result;
}

void VtkView::initializeGL() {
  auto& d = *impl_;
  d.window->SetMapped(true);
  d.window->SetReadyForRendering(true);
  d.window->SetOwnContext(false);
  d.window->OpenGLInitContext();
  d.window->SetReadyForRendering(false);
  d.hasImage = false;  // a new context has new framebuffers
}

void VtkView::resizeGL(int w, int h) {
  const double ratio = devicePixelRatioF();
  impl_->window->SetSize(static_cast<int>(w * ratio), static_cast<int>(h * ratio));
  impl_->interactor->SetSize(static_cast<int>(w * ratio), static_cast<int>(h * ratio));
}

void VtkView::paintGL() {
  auto& d = *impl_;
  const double ratio = devicePixelRatioF();
  const int w = static_cast<int>(width() * ratio), h = static_cast<int>(height() * ratio);
  d.window->SetSize(w, h);
  if (!d.cameraInitialised) {
    d.renderer->ResetCamera();
    d.cameraInitialised = true;
  }
  d.window->SetReadyForRendering(true);
  // VTK renders into its own framebuffer; then we copy that into the FBO Qt
  // gave this widget, whatever VTK left bound.
  d.window->GetState()->ResetFramebufferBindings();
  auto* f = context()->extraFunctions();
  const bool current = d.hasImage && !d.dirty && w == d.imageWidth && h == d.imageHeight &&
                       sceneStamp(d.window) == d.imageStamp;
  if (!current) {
    const int samples = d.window->GetMultiSamples();
    const bool draft = !d.draftShown && samples > 0;
    if (draft) d.window->SetMultiSamples(0);
    d.window->Render();
    if (draft) {
      d.window->SetMultiSamples(samples);
      d.draftShown = true;
      QTimer::singleShot(kRefineFirstImageMs, this, &VtkView::requestRender);
    }
    ++d.images;
    d.hasImage = true;
    d.dirty = false;
    d.imageWidth = w;
    d.imageHeight = h;
    d.imageStamp = sceneStamp(d.window);  // rendering resets clipping ranges
  }
  makeCurrent();
  f->glBindFramebuffer(GL_DRAW_FRAMEBUFFER, defaultFramebufferObject());
  const GLenum attachment = GL_COLOR_ATTACHMENT0;
  f->glDrawBuffers(1, &attachment);
  d.window->GetState()->ResetFramebufferBindings();
  d.window->BlitDisplayFramebuffer(0, 0, 0, w, h, 0, 0, w, h, GL_COLOR_BUFFER_BIT, GL_NEAREST);
  // Opaque alpha, or the compositor blends the view with what lies behind.
  GLboolean mask[4];
  f->glGetBooleanv(GL_COLOR_WRITEMASK, mask);
  f->glColorMask(GL_FALSE, GL_FALSE, GL_FALSE, GL_TRUE);
  GLfloat clear[4];
  f->glGetFloatv(GL_COLOR_CLEAR_VALUE, clear);
  f->glClearColor(0, 0, 0, 1);
  f->glClear(GL_COLOR_BUFFER_BIT);
  f->glColorMask(mask[0], mask[1], mask[2], mask[3]);
  f->glClearColor(clear[0], clear[1], clear[2], clear[3]);
  d.window->GetState()->ResetFramebufferBindings();
  d.window->SetReadyForRendering(false);
  ++d.frames;
  // The camera moved here: partners draw it too, without echoing it back.
  if (const vtkMTimeType moved = d.renderer->GetActiveCamera()->GetMTime(); moved != d.cameraSeen) {
    d.cameraSeen = moved;
    for (const auto& partner : d.cameraPartners)
      if (partner) {
        partner->impl_->cameraSeen = moved;
        partner->requestRender();
      }
  }
  emit rendered();
}

void VtkView::mousePressEvent(QMouseEvent* event) {
  auto& d = *impl_;
  if (d.wheelRest.isActive()) {
    // A click right after the wheel picks on what is drawn when still.
    d.wheelRest.stop();
    updateInteraction();
  }
  d.pressPosition = event->position();
  d.dragged = false;
  setEventInfo(d.interactor, this, event->position(), event->modifiers(),
               event->type() == QEvent::MouseButtonDblClick ? 1 : 0);
  switch (event->button()) {
    case Qt::LeftButton:
      d.interactor->InvokeEvent(vtkCommand::LeftButtonPressEvent);
      break;
    case Qt::MiddleButton:
      d.interactor->InvokeEvent(vtkCommand::MiddleButtonPressEvent);
      break;
    case Qt::RightButton:
      d.interactor->InvokeEvent(vtkCommand::RightButtonPressEvent);
      break;
    default:
      break;
  }
}

void VtkView::mouseMoveEvent(QMouseEvent* event) {
  auto& d = *impl_;
  if ((event->position() - d.pressPosition).manhattanLength() > 4) d.dragged = true;
  setEventInfo(d.interactor, this, event->position(), event->modifiers());
  d.interactor->InvokeEvent(vtkCommand::MouseMoveEvent);
}

void VtkView::mouseReleaseEvent(QMouseEvent* event) {
  auto& d = *impl_;
  setEventInfo(d.interactor, this, event->position(), event->modifiers());
  switch (event->button()) {
    case Qt::LeftButton:
      d.interactor->InvokeEvent(vtkCommand::LeftButtonReleaseEvent);
      break;
    case Qt::MiddleButton:
      d.interactor->InvokeEvent(vtkCommand::MiddleButtonReleaseEvent);
      break;
    case Qt::RightButton:
      d.interactor->InvokeEvent(vtkCommand::RightButtonReleaseEvent);
      break;
    default:
      break;
  }
  if (event->button() == Qt::LeftButton && !d.dragged)
    emit clicked(event->position(), event->modifiers());
}

void VtkView::wheelEvent(QWheelEvent* event) {
  auto& d = *impl_;
  setEventInfo(d.interactor, this, event->position(), event->modifiers());
  const int delta = event->angleDelta().y();
  if (delta != 0) {
    d.wheelRest.start();
    updateInteraction();
  }
  if (delta > 0)
    d.interactor->InvokeEvent(vtkCommand::MouseWheelForwardEvent);
  else if (delta < 0)
    d.interactor->InvokeEvent(vtkCommand::MouseWheelBackwardEvent);
  event->accept();
}

void VtkView::keyPressEvent(QKeyEvent* event) {
  auto& d = *impl_;
  // Keys the app owns (standard views, reset) are handled by its actions;
  // keep VTK's style keys that would fight them (e.g. 'w' wireframe) here.
  if (event->key() == Qt::Key_R && event->modifiers() == Qt::NoModifier) {
    resetCamera();
    return;
  }
  const QByteArray text = event->text().toLatin1();
  d.interactor->SetKeyEventInformation(
      (event->modifiers() & Qt::ControlModifier) ? 1 : 0,
      (event->modifiers() & Qt::ShiftModifier) ? 1 : 0, text.isEmpty() ? 0 : text.at(0),
      event->isAutoRepeat() ? 1 : 0, text.isEmpty() ? nullptr : text.constData());
  d.interactor->InvokeEvent(vtkCommand::KeyPressEvent);
  // VTK's style binds q/e (exit), 3 (stereo), j/t (joystick) — not for us.
  static const QByteArray kIgnored = "qQeE3jJtT";
  if (!text.isEmpty() && !kIgnored.contains(text.at(0)))
    d.interactor->InvokeEvent(vtkCommand::CharEvent);
}

void VtkView::keyReleaseEvent(QKeyEvent* event) {
  const QByteArray text = event->text().toLatin1();
  impl_->interactor->SetKeyEventInformation((event->modifiers() & Qt::ControlModifier) ? 1 : 0,
                                            (event->modifiers() & Qt::ShiftModifier) ? 1 : 0,
                                            text.isEmpty() ? 0 : text.at(0), 0,
                                            text.isEmpty() ? nullptr : text.constData());
  impl_->interactor->InvokeEvent(vtkCommand::KeyReleaseEvent);
}

void VtkView::enterEvent(QEnterEvent*) {
  impl_->interactor->InvokeEvent(vtkCommand::EnterEvent);
}
void VtkView::leaveEvent(QEvent*) {
  impl_->interactor->InvokeEvent(vtkCommand::LeaveEvent);
}

}  // namespace nl::widgets
