#pragma once
namespace nl::io {
class ReaderRegistry;
// Adds the NIfTI and MGH volume readers to a registry (called by ReaderRegistry::builtin).
void addVolumeReaders(ReaderRegistry& registry);
}  // namespace nl::io
