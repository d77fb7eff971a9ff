#pragma once
// The byte caps of every cache in the process, in one place (no Qt here: the
// GUI reads its settings, app/gui/CacheSettings, and sets them; the CLI and
// scripts use the environment). Each cap bounds what that cache holds; when a
// new entry would pass it, the least recently used entries go first.
//
// Defaults, overridden by environment variables NEUROLOUPE_<NAME>_MB (a whole
// number of MiB, 0 allowed) read once, overridden in turn by
// setResourceLimits(). Caches read their cap when they are made (an open
// volume or recording keeps its own; setCacheLimitBytes changes it later).
#include <cstddef>
#include <span>

namespace nl::io {

struct ResourceLimits {
  // Decoded chunks kept per open chunked volume (zarr, HDF5, TIFF).
  std::size_t volumeChunkCacheBytes = std::size_t{256} << 20;
  // Spike trains kept per lazily read recording (NWB).
  std::size_t spikeTrainCacheBytes = std::size_t{512} << 20;
  // libhdf5's own chunk cache per open HDF5 dataset (rdcc_nbytes).
  std::size_t hdf5ChunkCacheBytes = std::size_t{16} << 20;
  // HDF5 probe verdicts (io/hdf5/MetadataProbe): file versions already walked.
  std::size_t hdf5ProbeVerdictCacheBytes = std::size_t{1} << 20;
  // Results analyses keep for reuse within a session (prosthesis: blurred
  // sampling targets).
  std::size_t analysisCacheBytes = std::size_t{256} << 20;
  // What views keep for redrawing (connectome component orderings and
  // layouts, coarse copies of large surfaces).
  std::size_t viewCacheBytes = std::size_t{256} << 20;
  // The largest array read whole into memory as doubles (ArrayDataset::values());
  // larger ones are refused with an error naming their size. 0: half of the
  // physical memory.
  std::size_t maxArrayBytes = 0;
};

// One cap, for settings pages, option parsers and documentation.
struct ResourceLimitField {
  const char* settingsKey;  // QSettings key, in MiB ("caches/volumeChunkCacheMB")
  const char* environment;  // environment variable, in MiB ("NEUROLOUPE_VOLUME_CHUNK_CACHE_MB")
  std::size_t ResourceLimits::*member;
  const char* description;
};
std::span<const ResourceLimitField> resourceLimitFields();

// The caps now in force (thread-safe).
ResourceLimits resourceLimits();
// Replaces them for caches made afterwards.
void setResourceLimits(const ResourceLimits& limits);
// The built-in defaults with the environment's overrides.
ResourceLimits defaultResourceLimits();
// maxArrayBytes resolved (0 → half the physical memory).
std::size_t maxArrayBytes();

}  // namespace nl::io
