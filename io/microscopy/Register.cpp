#include "io/microscopy/Register.h"

#include "io/ReaderRegistry.h"

namespace nl::io {

void addMicroscopyReaders(ReaderRegistry& registry) { (void)registry; }

}  // namespace nl::io
