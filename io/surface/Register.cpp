#include "io/surface/Register.h"

#include "io/ReaderRegistry.h"
#include "io/surface/FreeSurfer.h"
#include "io/surface/Gifti.h"

namespace nl::io {

void addSurfaceReaders(ReaderRegistry& registry) {
  registry.add(std::make_unique<surface::GiftiReader>());
  registry.add(std::make_unique<surface::FreeSurferSurfaceReader>());
  registry.add(std::make_unique<surface::FreeSurferCurvReader>());
  registry.add(std::make_unique<surface::FreeSurferAnnotReader>());
  registry.add(std::make_unique<surface::FreeSurferLabelReader>());
}

}  // namespace nl::io
