#include "widgets/Screenshot.h"

#include <QOpenGLWidget>
#include <QPainter>
#include <QWidget>

#include "widgets/VtkView.h"

namespace nl::widgets {

QImage composeWindowImage(QWidget* widget, int scale) {
  scale = std::max(1, scale);
  QImage image;
  if (scale == 1) {
    image = widget->grab().toImage().convertToFormat(QImage::Format_ARGB32);
  } else {
    // Vector-drawn widgets (charts, text) render sharply at the higher density.
    image = QImage(widget->size() * scale, QImage::Format_ARGB32);
    image.setDevicePixelRatio(scale);
    image.fill(widget->palette().color(QPalette::Window));
    widget->render(&image);
  }
  const qreal ratio = image.devicePixelRatio();
  QPainter painter(&image);
  painter.scale(1.0 / ratio, 1.0 / ratio);
  for (QOpenGLWidget* gl : widget->findChildren<QOpenGLWidget*>()) {
    if (!gl->isVisible() || gl->visibleRegion().isEmpty()) continue;
    auto* vtk = qobject_cast<VtkView*>(gl);
    const QImage frame =
        vtk != nullptr && scale > 1 ? vtk->renderToImage(scale) : gl->grabFramebuffer();
    const QPoint topLeft = gl->mapTo(widget, QPoint(0, 0));
    painter.drawImage(QRectF(QPointF(topLeft) * ratio, QSizeF(gl->size()) * ratio), frame);
  }
  return image;
}

}  // namespace nl::widgets
