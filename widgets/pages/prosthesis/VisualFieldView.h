#pragma once
// The visual field beside the cortex: the phosphene map of the plan, the
// chosen image and its percept, side by side on the same grid (degrees).
#include <QImage>
#include <QWidget>

#include "widgets/pages/prosthesis/PlannerModel.h"

namespace nl::widgets::prosthesis {

class VisualFieldView : public QWidget {
  Q_OBJECT
 public:
  explicit VisualFieldView(QWidget* parent = nullptr);
  void setFrame(const PerceptFrame& frame, const pr::VisualFieldGrid& grid);
  // Greyscale images of the last frame (tests compare their pixels).
  const QImage& phosphenes() const { return phosphenes_; }
  const QImage& target() const { return target_; }
  const QImage& percept() const { return percept_; }
  QSize sizeHint() const override { return {720, 280}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QImage phosphenes_, target_, percept_;
  pr::VisualFieldGrid grid_;
};

// An image on the grid as 8-bit grey (values clamped to [0, 1]).
QImage toGrey(const pr::Image& image);

}  // namespace nl::widgets::prosthesis
