#pragma once
// A layer's colormap and value range as a VTK lookup table (scalar bars,
// image slices), so 3D colours come from widgets/Colormap like 2D ones.
class vtkLookupTable;

namespace nl::widgets {

class SceneLayer;

void fillLookupTable(vtkLookupTable* table, const SceneLayer& layer);

}  // namespace nl::widgets
