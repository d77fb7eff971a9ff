#pragma once
// One colour per brain area, the same in every view (Allen CCF colours where
// the acronym is known, a stable hashed colour otherwise).
#include <QColor>
#include <QString>

namespace nl::widgets {

QColor areaColor(const QString& acronym);
// The one highlight colour for selected items in 2D and 3D.
inline QColor highlightColor() {
  return QColor(255, 214, 0);
}

}  // namespace nl::widgets
