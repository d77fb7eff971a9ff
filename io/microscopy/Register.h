#pragma once
namespace nl::io {
class ReaderRegistry;
// Adds the microscopy-format readers to a registry (called by ReaderRegistry::builtin).
void addMicroscopyReaders(ReaderRegistry& registry);
}  // namespace nl::io
