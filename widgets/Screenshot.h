#pragma once
#include <QImage>

class QWidget;

namespace nl::widgets {

// The widget (a window, a tab page) as the user sees it, at `scale` × its
// logical size, OpenGL views included: a plain QWidget::grab() may leave
// QOpenGLWidget areas blank, so 3D views are rendered offscreen at the same
// scale and drawn over their places.
QImage composeWindowImage(QWidget* widget, int scale = 1);

}  // namespace nl::widgets
