#pragma once
// Which GUI runs go to a worker process, and with which limits, from the
// settings (plugins/isolation = automatic|always|never,
// plugins/workerMemoryCapMB, plugins/workerTimeoutS; plugins/WorkerRun.h).
#include <optional>

#include "plugins/WorkerRun.h"

namespace nl::app {

// The worker a run of `descriptor` should use; nullopt: run in process.
std::optional<plugins::WorkerOptions> workerFromSettings(
    const plugins::PluginDescriptor& descriptor);

}  // namespace nl::app
