#include "io/volume/Register.h"

#include "io/ReaderRegistry.h"
#include "io/volume/Mgh.h"
#include "io/volume/Nifti.h"

namespace nl::io {

void addVolumeReaders(ReaderRegistry& registry) {
  registry.add(std::make_unique<volume::NiftiReader>());
  registry.add(std::make_unique<volume::MghReader>());
}

}  // namespace nl::io
