#include "widgets/Screenshot.h"

#include <QOpenGLWidget>
#include <QPainter>
#include <QWidget>

namespace nl::widgets {

QImage composeWindowImage(QWidget* window) {
  QImage image = window->grab().toImage().convertToFormat(QImage::Format_ARGB32);
  QPainter painter(&image);
  const qreal ratio = window->devicePixelRatioF();
  painter.scale(1.0 / ratio, 1.0 / ratio);
  for (QOpenGLWidget* gl : window->findChildren<QOpenGLWidget*>()) {
    if (!gl->isVisible() || gl->visibleRegion().isEmpty()) continue;
    const QImage frame = gl->grabFramebuffer();
    const QPoint topLeft = gl->mapTo(window, QPoint(0, 0));
    painter.drawImage(QRectF(topLeft * ratio, QSizeF(gl->size()) * ratio), frame);
  }
  return image;
}

}  // namespace nl::widgets
