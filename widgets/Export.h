#pragma once
// Exporting what a page shows: PNG for every page (3D views included), SVG
// and CSV for the chart in front, CSV for a table.
#include <QString>

class QWidget;

namespace nl::widgets {

// The file-dialog filters for `page` ("PNG image (*.png);;…").
QString exportFilters(QWidget* page);
// Writes `page` to `path`, the format chosen by its extension; `scale` is the
// PNG's device-pixel ratio. Returns false when the file could not be written.
bool exportPage(QWidget* page, const QString& path, int scale = 2);
// Asks where to (suggesting `name`.png) and exports; returns the path
// written, empty when cancelled; throws std::runtime_error when it failed.
QString exportPageAs(QWidget* dialogParent, QWidget* page, const QString& name);

}  // namespace nl::widgets
