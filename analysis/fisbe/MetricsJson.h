#pragma once
// The evaluation's numbers as JSON: the official TOML's tables and keys
// ("general", "confusion_matrix", "confusion_matrix.th_0_5", …), the
// per-instance tables behind the views, and set summaries.
#include <nlohmann/json.hpp>

#include "analysis/fisbe/Aggregate.h"
#include "analysis/fisbe/Evaluate.h"

namespace nl::analysis::fisbe {

// Same nesting and key names as evalinstseg's TOML output (flylight preset).
nlohmann::json officialMetricsJson(const ImageMetrics& metrics);
// The inverse of officialMetricsJson (or of the official TOML read as JSON)
// for every number the file holds: "general" (counts, coverages, TP_05 and
// its clDice list, FM/FS, dim and overlap subsets) and "confusion_matrix"
// (the averages and all fourteen thresholds, in the official order), so that
// summarize()/summarizeSet() give the same results as on the original
// evaluation. The file has no instance lists, score matrices or subset ids:
// those stay empty, and dim/overlap gtIds hold GT_dim/GT_overlap placeholder
// ids 0 (only their count is known). Whether the ground truth was partly
// labelled is not in the file either. Throws std::invalid_argument naming
// the missing or invalid key ("general.TP_05_cldice") on malformed input.
ImageMetrics imageMetricsFromOfficialJson(const nlohmann::json& json, bool partlyLabelled);
// {"gt": [...], "pred": [...], "false_split_matches": {...}, "false_merge_matches": {...},
//  "clPrecision"/"clRecall"/"clDice": rows of (GT 0..N) × (pred 0..M)}.
nlohmann::json instanceTablesJson(const ImageMetrics& metrics);
// The keys of summarize.py's per-instance aggregate ("general", "confusion_matrix").
nlohmann::json setSummaryJson(const SetSummary& summary);

}  // namespace nl::analysis::fisbe
