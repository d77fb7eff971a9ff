#include "widgets/scene/LookupTable.h"

#include <vtkLookupTable.h>

#include "widgets/Colormap.h"
#include "widgets/scene/SceneLayer.h"

namespace nl::widgets {

void fillLookupTable(vtkLookupTable* table, const SceneLayer& layer) {
  const auto colours = Colormap::byName(layer.colormap()).table(256);
  table->SetNumberOfTableValues(256);
  for (int i = 0; i < 256; ++i) {
    const auto& c = colours[static_cast<std::size_t>(i)];
    table->SetTableValue(i, c[0] / 255.0, c[1] / 255.0, c[2] / 255.0, 1.0);
  }
  const auto [low, high] = layer.scalarRange();
  table->SetRange(low, high);
  table->Modified();
}

}  // namespace nl::widgets
