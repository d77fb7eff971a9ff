#include "app/gui/WorkerSettings.h"

#include <QSettings>
#include <QStandardPaths>

namespace nl::app {

std::optional<plugins::WorkerOptions> workerFromSettings(
    const plugins::PluginDescriptor& descriptor) {
  const QSettings settings;
  const auto mode = plugins::isolationModeFromName(
      settings.value("plugins/isolation", "automatic").toString().toStdString());
  if (!plugins::runsInWorker(descriptor, mode)) return std::nullopt;
  plugins::WorkerOptions worker;
  worker.executable = plugins::defaultWorkerExecutable();
  worker.resultFolder =
      (QStandardPaths::writableLocation(QStandardPaths::CacheLocation) + "/runs").toStdString();
  worker.memoryCapMegabytes =
      settings
          .value("plugins/workerMemoryCapMB",
                 QVariant::fromValue(plugins::defaultWorkerMemoryCapMegabytes()))
          .toULongLong();
  worker.timeoutSeconds = settings.value("plugins/workerTimeoutS", 0.0).toDouble();
  return worker;
}

}  // namespace nl::app
