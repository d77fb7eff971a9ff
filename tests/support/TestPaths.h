#pragma once
// Included into every translation unit of a target that calls
// neuroloupe_test_paths() (cmake/TestPaths.cmake): the functions behind the
// path macros (NEUROLOUPE_FIXTURES_DIR, NEUROLOUPE_CLI, …), defined in one
// generated file per target. Declaring ones a target does not define is
// harmless: only the macros it has are used.
namespace nl::test_paths {
const char* neuroloupe_fixtures_dir();
const char* neuroloupe_source_dir();
const char* neuroloupe_cli();
const char* neuroloupe_gui_binary();
const char* neuroloupe_plugin_dir();
const char* neuroloupe_test_plugin_dir();
const char* neuroloupe_affinity_data();
const char* ntf_reference_json();
}  // namespace nl::test_paths
