#include "widgets/AreaColors.h"

#include <QHash>

namespace nl::widgets {

QColor areaColor(const QString& acronym) {
  // Allen Mouse Brain Atlas (CCFv3) structure colours.
  static const QHash<QString, QColor> kAllen = {
      {"VISp", QColor(0x08, 0x85, 0x8C)},
      {"VISl", QColor(0x08, 0x85, 0x8C).lighter(115)},
      {"VISrl", QColor(0x00, 0x9F, 0xAC)},
      {"VISal", QColor(0x08, 0x85, 0x8C).darker(115)},
      {"VISpm", QColor(0x00, 0x9F, 0xAC).darker(120)},
      {"VISam", QColor(0x00, 0x9F, 0xAC).lighter(120)},
      {"CA1", QColor(0x7E, 0xD0, 0x4B)},
      {"CA3", QColor(0x7E, 0xD0, 0x4B).darker(120)},
      {"DG", QColor(0x7E, 0xD0, 0x4B).lighter(130)},
      {"LP", QColor(0xFF, 0x90, 0x9F)},
      {"LGd", QColor(0xFF, 0x80, 0x84)},
      {"APN", QColor(0xFF, 0x64, 0xFF)},
      {"root", QColor(0x9A, 0x9A, 0x9A)},
      {"", QColor(0x9A, 0x9A, 0x9A)},
  };
  if (auto it = kAllen.find(acronym); it != kAllen.end()) return *it;
  const auto hash = qHash(acronym);
  return QColor::fromHsv(static_cast<int>(hash % 360), 150 + static_cast<int>((hash >> 9) % 80),
                         220);
}

}  // namespace nl::widgets
