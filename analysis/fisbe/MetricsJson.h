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
// {"gt": [...], "pred": [...], "false_split_matches": {...}, "false_merge_matches": {...},
//  "clPrecision"/"clRecall"/"clDice": rows of (GT 0..N) × (pred 0..M)}.
nlohmann::json instanceTablesJson(const ImageMetrics& metrics);
// The keys of summarize.py's per-instance aggregate ("general", "confusion_matrix").
nlohmann::json setSummaryJson(const SetSummary& summary);

}  // namespace nl::analysis::fisbe
