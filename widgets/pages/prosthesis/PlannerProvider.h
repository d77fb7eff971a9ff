#pragma once
// How the planner finds what a plan needs: the plan table (a prosthesis.plan
// or prosthesis.percept result), the hemisphere's surfaces and retinotopy in
// the session, from the run's recorded inputs, or beside the pial surface's
// file (nilearn fsaverage names and FreeSurfer names).
#include "io/Session.h"
#include "widgets/pages/prosthesis/PlannerModel.h"

namespace nl::widgets::prosthesis {

class PlannerPage;

// Plugins whose results the planner shows.
bool isPlanResult(const io::Dataset& dataset);
// Throws std::invalid_argument saying which surface or map is missing.
PlannerCortex findCortex(io::Session& session, const io::TableDataset& plan);
PlannerPage* makePlannerPage(io::Session& session, io::DatasetId plan);

}  // namespace nl::widgets::prosthesis
