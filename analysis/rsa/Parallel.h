#pragma once
// Runs independent work items on worker threads while the calling thread
// reports progress and watches for cancellation (Progress is only ever
// called from the calling thread, so implementations need no locking).
#include <cstddef>
#include <functional>
#include <string>

#include "analysis/Progress.h"

namespace nl::analysis::rsa {

// `requested` ≤ 0 means the app's setting, io::workerThreadCount() (one per
// hardware core unless NEUROLOUPE_THREADS or setWorkerThreadCount says otherwise).
int resolveThreadCount(int requested);

// Calls body(item) once for every item in [0, count). Items may run in any
// order on any thread, so bodies must write only to their own slots. The
// first exception thrown by a body stops the rest and is rethrown here;
// cancellation throws Cancelled after the workers stopped.
void parallelFor(std::size_t count, int threads, const std::function<void(std::size_t)>& body,
                 Progress& progress, const std::string& message);

}  // namespace nl::analysis::rsa
