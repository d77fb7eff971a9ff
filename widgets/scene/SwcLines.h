#pragma once
// SWC neuron reconstructions (a table of id, type, x, y, z, radius, parent)
// as unbranched polylines for a LinesLayer: one polyline per branch, coloured
// by the SWC structure type of the branch (soma, axon, dendrites).
#include <QColor>
#include <array>
#include <vector>

#include "io/Dataset.h"

namespace nl::widgets {

struct SwcBranches {
  std::vector<std::vector<std::array<double, 3>>> polylines;
  std::vector<QColor> colours;
  double medianRadius = 0;
  double diagonal = 0;  // of the bounding box, for a visible tube radius
};

// Whether a table has the SWC columns.
bool isSwcTable(const io::TableDataset& table);
// Throws std::invalid_argument when a parent id is not in the table.
SwcBranches swcBranches(const io::TableDataset& table);
// The conventional colour of an SWC structure type (1 soma … 4 apical dendrite).
QColor swcTypeColour(int type);

}  // namespace nl::widgets
