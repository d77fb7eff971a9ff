#pragma once
// Names shared by NeuroLoupe's own HDF5 files (results, sessions and batch
// indexes: neuroloupe-cli batch, a table under /datasets/index).
namespace nl::io::format {
inline constexpr const char* kFormatAttribute = "neuroloupe_format";
inline constexpr const char* kVersionAttribute = "schema_version";
inline constexpr const char* kResultFormat = "result";
inline constexpr const char* kSessionFormat = "session";
inline constexpr const char* kBatchIndexFormat = "batch_index";
inline constexpr int kSchemaVersion = 1;
}  // namespace nl::io::format
