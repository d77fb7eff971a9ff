#include "widgets/pages/prosthesis/VisualFieldView.h"

#include <QPainter>
#include <algorithm>
#include <cmath>

namespace nl::widgets::prosthesis {

QImage toGrey(const pr::Image& image) {
  QImage grey(static_cast<int>(image.cols()), static_cast<int>(image.rows()),
              QImage::Format_Grayscale8);
  for (int row = 0; row < grey.height(); ++row) {
    auto* line = grey.scanLine(row);
    for (int col = 0; col < grey.width(); ++col)
      line[col] = static_cast<uchar>(std::lround(255.0 * std::clamp(image(row, col), 0.0, 1.0)));
  }
  return grey;
}

VisualFieldView::VisualFieldView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(360, 160);
}

void VisualFieldView::setFrame(const PerceptFrame& frame, const pr::VisualFieldGrid& grid) {
  grid_ = grid;
  phosphenes_ = toGrey(frame.phosphenes);
  target_ = toGrey(frame.target);
  percept_ = toGrey(frame.percept);
  update();
}

void VisualFieldView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), QColor(24, 26, 30));
  const QImage* panels[] = {&phosphenes_, &target_, &percept_};
  const QString titles[] = {tr("Phosphene map"), tr("Image"), tr("Percept")};
  const int gap = 10, titleHeight = 18, axisHeight = 16;
  const int side = std::max(
      40, std::min((width() - 4 * gap) / 3, height() - titleHeight - axisHeight - 2 * gap));
  painter.setPen(QColor(220, 220, 220));
  for (int i = 0; i < 3; ++i) {
    const QRect box(gap + i * (side + gap), gap + titleHeight, side, side);
    painter.drawText(QRect(box.left(), gap, side, titleHeight), Qt::AlignCenter, titles[i]);
    if (!panels[i]->isNull()) painter.drawImage(box, *panels[i]);
    painter.setPen(QColor(90, 90, 96));
    painter.drawRect(box.adjusted(0, 0, -1, -1));
    // The fixation point and the meridians, for orientation.
    painter.setPen(QColor(200, 60, 60, 140));
    painter.drawLine(box.center().x(), box.top(), box.center().x(), box.bottom());
    painter.drawLine(box.left(), box.center().y(), box.right(), box.center().y());
    painter.setPen(QColor(220, 220, 220));
    painter.drawText(QRect(box.left(), box.bottom() + 2, side, axisHeight), Qt::AlignCenter,
                     tr("%1° … %2°").arg(grid_.xMin).arg(grid_.xMax));
  }
}

}  // namespace nl::widgets::prosthesis
