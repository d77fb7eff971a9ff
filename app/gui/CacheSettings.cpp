#include "app/gui/CacheSettings.h"

#include <QSettings>

#include "io/ResourceLimits.h"

namespace nl::app {

int applyCacheSettings() {
  const QSettings settings;
  io::ResourceLimits limits = io::defaultResourceLimits();
  int taken = 0;
  for (const auto& field : io::resourceLimitFields()) {
    const QVariant value = settings.value(field.settingsKey);
    if (!value.isValid()) continue;
    bool ok = false;
    const qulonglong megabytes = value.toString().trimmed().toULongLong(&ok);
    if (!ok || megabytes > (qulonglong{1} << 24)) continue;  // not a size: the default stays
    limits.*field.member = static_cast<std::size_t>(megabytes) << 20;
    ++taken;
  }
  io::setResourceLimits(limits);
  return taken;
}

}  // namespace nl::app
