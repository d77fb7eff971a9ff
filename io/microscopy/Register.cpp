#include "io/microscopy/Register.h"

#include "io/ReaderRegistry.h"
#include "io/microscopy/SwcReader.h"
#include "io/microscopy/TiffStackReader.h"
#include "io/microscopy/ZarrReader.h"

namespace nl::io {

void addMicroscopyReaders(ReaderRegistry& registry) {
  registry.add(std::make_unique<microscopy::ZarrReader>());
  registry.add(std::make_unique<microscopy::TiffStackReader>());
  registry.add(std::make_unique<microscopy::SwcReader>());
}

}  // namespace nl::io
