#pragma once
namespace nl::io {
class ReaderRegistry;
// Adds the surface-format readers to a registry (called by ReaderRegistry::builtin).
void addSurfaceReaders(ReaderRegistry& registry);
}  // namespace nl::io
