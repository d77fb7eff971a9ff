#include "io/ResourceLimits.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <optional>

namespace nl::io {

namespace {

constexpr std::array<ResourceLimitField, 7> kFields{{
    {"caches/volumeChunkCacheMB", "NEUROLOUPE_VOLUME_CHUNK_CACHE_MB",
     &ResourceLimits::volumeChunkCacheBytes, "decoded chunks per open volume (zarr, HDF5, TIFF)"},
    {"caches/spikeTrainCacheMB", "NEUROLOUPE_SPIKE_TRAIN_CACHE_MB",
     &ResourceLimits::spikeTrainCacheBytes, "spike trains per lazily read recording"},
    {"caches/hdf5ChunkCacheMB", "NEUROLOUPE_HDF5_CHUNK_CACHE_MB",
     &ResourceLimits::hdf5ChunkCacheBytes, "libhdf5's chunk cache per open HDF5 dataset"},
    {"caches/hdf5ProbeVerdictCacheMB", "NEUROLOUPE_HDF5_PROBE_VERDICT_CACHE_MB",
     &ResourceLimits::hdf5ProbeVerdictCacheBytes, "HDF5 metadata probe verdicts per file version"},
    {"caches/analysisCacheMB", "NEUROLOUPE_ANALYSIS_CACHE_MB", &ResourceLimits::analysisCacheBytes,
     "results analyses keep for reuse (prosthesis sampling targets)"},
    {"caches/viewCacheMB", "NEUROLOUPE_VIEW_CACHE_MB", &ResourceLimits::viewCacheBytes,
     "what views keep for redrawing (connectome components, coarse surfaces), per view"},
    {"memory/maxArrayMB", "NEUROLOUPE_MAX_ARRAY_MB", &ResourceLimits::maxArrayBytes,
     "largest array read whole into memory as doubles (0: half the physical memory)"},
}};

std::optional<std::size_t> environmentMegabytes(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || text[0] == '-' || value > (std::size_t{1} << 24))
    return std::nullopt;  // not a whole number of MiB below 16 TiB: ignored
  return static_cast<std::size_t>(value) << 20;
}

std::mutex& limitsMutex() {
  static std::mutex mutex;
  return mutex;
}
std::optional<ResourceLimits>& chosen() {
  static std::optional<ResourceLimits> limits;
  return limits;
}

}  // namespace

std::span<const ResourceLimitField> resourceLimitFields() {
  return kFields;
}

ResourceLimits defaultResourceLimits() {
  static const ResourceLimits fromEnvironment = [] {
    ResourceLimits limits;
    for (const auto& field : kFields)
      if (const auto bytes = environmentMegabytes(field.environment)) limits.*field.member = *bytes;
    return limits;
  }();
  return fromEnvironment;
}

ResourceLimits resourceLimits() {
  {
    std::lock_guard lock(limitsMutex());
    if (chosen()) return *chosen();
  }
  return defaultResourceLimits();
}

void setResourceLimits(const ResourceLimits& limits) {
  std::lock_guard lock(limitsMutex());
  chosen() = limits;
}

std::size_t maxArrayBytes() {
  const std::size_t configured = resourceLimits().maxArrayBytes;
  if (configured > 0) return configured;
  const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0) return std::size_t{8} << 30;
  return static_cast<std::size_t>(pages) / 2 * static_cast<std::size_t>(pageSize);
}

}  // namespace nl::io
