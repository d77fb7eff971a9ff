#pragma once
#include <QColor>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QThread>
#include <algorithm>
#include <array>
#include <functional>
#include <optional>
#include <set>

#include "widgets/VtkView.h"

namespace nl::test {

// Pumps the event loop until `done` or the timeout; returns done().
inline bool waitUntil(const std::function<bool()>& done, int timeoutMs = 10000) {
  QElapsedTimer timer;
  timer.start();
  while (!done() && timer.elapsed() < timeoutMs) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    QThread::msleep(5);
  }
  return done();
}

// A frame drawn after this call (never a stale one), as the view shows it.
inline QImage freshFrame(widgets::VtkView& view) {
  const int before = view.framesRendered();
  view.update();
  waitUntil([&] { return view.framesRendered() > before; });
  return view.grabFramebuffer();
}

// The pixel of a frame of `view` under a world position (none when behind the camera).
inline std::optional<QColor> pixelAtWorld(const widgets::VtkView& view, const QImage& image,
                                          const std::array<double, 3>& world) {
  const auto p = view.worldToWidget(world);
  if (!p) return std::nullopt;
  const double r = image.devicePixelRatio();
  return image.pixelColor(static_cast<int>(p->x() * r), static_cast<int>(p->y() * r));
}

inline int distinctColours(const QImage& image, QRect area = {}) {
  if (area.isNull()) area = image.rect();
  std::set<QRgb> colours;
  for (int y = area.top(); y <= area.bottom(); y += 2)
    for (int x = area.left(); x <= area.right(); x += 2)
      colours.insert(image.pixel(x, y) & 0xFFFFFF);
  return static_cast<int>(colours.size());
}

// Pixels close to `colour` (each channel within `tolerance`).
inline int countNear(const QImage& image, QColor colour, int tolerance, QRect area = {}) {
  if (area.isNull()) area = image.rect();
  int n = 0;
  for (int y = area.top(); y <= area.bottom(); ++y)
    for (int x = area.left(); x <= area.right(); ++x) {
      const QColor c = image.pixelColor(x, y);
      if (std::abs(c.red() - colour.red()) <= tolerance &&
          std::abs(c.green() - colour.green()) <= tolerance &&
          std::abs(c.blue() - colour.blue()) <= tolerance)
        ++n;
    }
  return n;
}

// Pixels whose channels differ by more than `spread` (coloured, not grey):
// views draw in colour, the window chrome in greys.
inline int countSaturated(const QImage& image, int spread, QRect area = {}) {
  if (area.isNull()) area = image.rect();
  int n = 0;
  for (int y = area.top(); y <= area.bottom(); ++y)
    for (int x = area.left(); x <= area.right(); ++x) {
      const QColor c = image.pixelColor(x, y);
      if (std::max({c.red(), c.green(), c.blue()}) - std::min({c.red(), c.green(), c.blue()}) >
          spread)
        ++n;
    }
  return n;
}

// Pixels of the highlight's hue (a lit yellow sphere shades from pale to
// dark yellow, so match the hue, not one RGB value).
inline bool isHighlightYellow(const QColor& c) {
  return c.red() > 120 && c.green() > 95 && c.blue() < c.green() / 2 &&
         std::abs(c.hue() - 50) <= 12;
}
inline int countHighlight(const QImage& image, QRect area = {}) {
  if (area.isNull()) area = image.rect();
  int n = 0;
  for (int y = area.top(); y <= area.bottom(); ++y)
    for (int x = area.left(); x <= area.right(); ++x)
      n += isHighlightYellow(image.pixelColor(x, y)) ? 1 : 0;
  return n;
}
inline QPointF highlightCentroid(const QImage& image) {
  double sx = 0, sy = 0;
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x)
      if (isHighlightYellow(image.pixelColor(x, y))) sx += x, sy += y, ++n;
  return n == 0 ? QPointF(-1, -1) : QPointF(sx / n, sy / n);
}

// Centroid of the pixels near `colour`, or (-1, -1).
inline QPointF centroidNear(const QImage& image, QColor colour, int tolerance) {
  double sx = 0, sy = 0;
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QColor c = image.pixelColor(x, y);
      if (std::abs(c.red() - colour.red()) <= tolerance &&
          std::abs(c.green() - colour.green()) <= tolerance &&
          std::abs(c.blue() - colour.blue()) <= tolerance) {
        sx += x, sy += y, ++n;
      }
    }
  return n == 0 ? QPointF(-1, -1) : QPointF(sx / n, sy / n);
}

// Fraction of pixels where some channel differs by more than `tolerance`.
inline double differingFraction(const QImage& a, const QImage& b, int tolerance) {
  if (a.size() != b.size()) return 1.0;
  const QImage x = a.convertToFormat(QImage::Format_RGB32),
               y = b.convertToFormat(QImage::Format_RGB32);
  std::size_t differing = 0;
  for (int row = 0; row < x.height(); ++row) {
    const auto* p = reinterpret_cast<const QRgb*>(x.constScanLine(row));
    const auto* q = reinterpret_cast<const QRgb*>(y.constScanLine(row));
    for (int col = 0; col < x.width(); ++col)
      if (std::abs(qRed(p[col]) - qRed(q[col])) > tolerance ||
          std::abs(qGreen(p[col]) - qGreen(q[col])) > tolerance ||
          std::abs(qBlue(p[col]) - qBlue(q[col])) > tolerance)
        ++differing;
  }
  return static_cast<double>(differing) / (static_cast<double>(x.width()) * x.height());
}

}  // namespace nl::test
