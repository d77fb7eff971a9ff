#include "app/common/BuildInfo.h"

#include <hdf5.h>

#include <Eigen/Core>
#include <QtGlobal>

namespace nl::app {

std::string libraryVersions() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::string("Qt ") + qVersion() + ", HDF5 " + std::to_string(major) + "." +
         std::to_string(minor) + "." + std::to_string(release) + ", Eigen " +
         std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
         std::to_string(EIGEN_MINOR_VERSION);
}

}  // namespace nl::app
