#include "io/surface/Register.h"

#include "io/ReaderRegistry.h"

namespace nl::io {

void addSurfaceReaders(ReaderRegistry& registry) { (void)registry; }

}  // namespace nl::io
