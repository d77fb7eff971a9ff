#pragma once
#include <QImage>

class QWidget;

namespace nl::widgets {

// The whole window as the user sees it, OpenGL views included: a plain
// QWidget::grab() may leave QOpenGLWidget areas blank, so each one's own
// framebuffer is drawn over its place in the grab.
QImage composeWindowImage(QWidget* window);

}  // namespace nl::widgets
