#pragma once
// The Qt 6 – VTK bridge: a QOpenGLWidget hosting a vtkGenericOpenGLRenderWindow,
// with mouse, wheel and key events forwarded to a VTK interactor (trackball
// camera). Everything 3D in NeuroLoupe goes through this one class. VTK types
// appear here only as forward declarations so that few files include VTK.
#include <QOpenGLWidget>
#include <QSurfaceFormat>
#include <array>
#include <memory>
#include <optional>

#include "io/ViewState.h"

class vtkRenderer;
class vtkGenericOpenGLRenderWindow;

namespace nl::widgets {

class VtkView : public QOpenGLWidget {
  Q_OBJECT
 public:
  enum class StandardView { Lateral, Medial, Dorsal, Ventral, Anterior, Posterior };

  explicit VtkView(QWidget* parent = nullptr);
  ~VtkView() override;

  // The surface format VTK 9 needs (OpenGL 3.2 core); set it as the default
  // before the QApplication exists.
  static QSurfaceFormat defaultFormat();

  vtkRenderer* renderer() const;
  vtkGenericOpenGLRenderWindow* renderWindow() const;

  // Schedules a repaint; the only way anything should ask for a render.
  void requestRender();
  void resetCamera();
  // Axes follow the RAS convention of the data: x = right, y = anterior, z = superior.
  void setStandardView(StandardView view);
  void setBackground(const QColor& top, const QColor& bottom);
  // Rotates the camera about the focal point (degrees).
  void orbit(double azimuth, double elevation);
  // Both views look through one camera (side-by-side comparisons): moving
  // either redraws the other.
  void shareCameraWith(VtkView* other);
  // The camera as plain data (position, focal point, view up, angle,
  // projection), and back: a camera set here is not reframed at the next
  // paint, and views sharing the camera follow.
  io::CameraState cameraState() const;
  void setCameraState(const io::CameraState& state);
  // False while a reset of the camera waits for the first paint (the view
  // was never drawn since): its camera is not yet the one the user sees.
  bool cameraFramed() const;

  // World → widget coordinates (logical pixels, origin top-left); nullopt
  // when the point is behind the camera.
  std::optional<QPointF> worldToWidget(const std::array<double, 3>& world) const;
  // Renders offscreen at `scale` × the widget's device pixels.
  QImage renderToImage(int scale = 1);
  // How many frames paintGL has drawn (tests, benchmarks).
  int framesRendered() const;
  // Of those paints, the ones that drew the scene anew; the others (Qt
  // repainting an unchanged scene at the same size) copied the last image.
  int imagesRendered() const;

  // Whether the user is moving the camera (a drag, the wheel and a short
  // while after it, a partner view's drag) or a page holds the view
  // interactive (dragging an electrode): layers then draw a coarser level of
  // detail, and the full one once the view is still again.
  bool isInteracting() const;
  // A page's own interaction (counted: every begin needs its end).
  void beginInteraction();
  void endInteraction();

 signals:
  // A click without drag (press and release within a few pixels).
  void clicked(QPointF widgetPosition, Qt::KeyboardModifiers modifiers);
  void rendered();
  // Emitted when isInteracting() changes, before the frame that shows it.
  void interactionChanged(bool interacting);

 protected:
  void initializeGL() override;
  void paintGL() override;
  void resizeGL(int w, int h) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  void enterEvent(QEnterEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  void updateInteraction();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nl::widgets
