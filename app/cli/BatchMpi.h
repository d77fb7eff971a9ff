#pragma once
// The batch under mpirun/srun (built with NEUROLOUPE_MPI): every rank reads
// the plan; rank 0 checks earlier results, hands runs out (largest inputs
// first) to the ranks as they ask, runs its own share and writes the index;
// every rank runs its runs as child processes (app/cli/BatchChild.h) and
// writes their result files itself. Messages are small JSON texts.
#include "app/cli/Batch.h"

namespace nl::cli {

int runBatchMpi(const plugins::PluginManager& manager, const BatchOptions& options);

}  // namespace nl::cli
