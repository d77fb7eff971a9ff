#pragma once
#include <string>

#include "neuroloupe_version.h"

namespace nl::app {

inline std::string appVersion() {
  return NEUROLOUPE_VERSION;
}
// "Qt 6.4.2, HDF5 1.10.8, Eigen 3.4.0" (the GUI adds VTK).
std::string libraryVersions();

}  // namespace nl::app
