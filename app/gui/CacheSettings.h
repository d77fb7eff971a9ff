#pragma once
// The cache caps from the settings (caches/volumeChunkCacheMB,
// caches/spikeTrainCacheMB, caches/hdf5ChunkCacheMB,
// caches/hdf5ProbeVerdictCacheMB, caches/analysisCacheMB, caches/viewCacheMB,
// memory/maxArrayMB; all in MiB, io/ResourceLimits.h), set process-wide at
// start. A key that is absent or not a whole number keeps the default (or
// the environment's NEUROLOUPE_*_MB).

namespace nl::app {

// Reads the settings and calls io::setResourceLimits; returns how many keys were taken.
int applyCacheSettings();

}  // namespace nl::app
