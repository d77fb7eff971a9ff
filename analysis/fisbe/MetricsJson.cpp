#include "analysis/fisbe/MetricsJson.h"

namespace nl::analysis::fisbe {

namespace {

nlohmann::json floats(const std::vector<float>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (float v : values) out.push_back(static_cast<double>(v));
  return out;
}

nlohmann::json matrix(const ScoreMatrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (int r = 0; r < m.rows; ++r) {
    nlohmann::json row = nlohmann::json::array();
    for (int c = 0; c < m.cols; ++c) row.push_back(static_cast<double>(m.at(r, c)));
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json box(const Box& b) {
  return {{"z", {b.z0, b.z1}}, {"y", {b.y0, b.y1}}, {"x", {b.x0, b.x1}}};
}

nlohmann::json matchMap(const std::map<int, std::vector<int>>& matches) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [gt, preds] : matches) out[std::to_string(gt)] = preds;
  return out;
}

}  // namespace

nlohmann::json officialMetricsJson(const ImageMetrics& m) {
  nlohmann::json general = {
      {"Num GT", m.numGt},
      {"Num Pred", m.numPred},
      {"TP_05", m.tp05},
      {"TP_05_rel", m.tp05Relative},
      {"TP_05_cldice", floats(m.tp05ClDice)},
      {"avg_TP_05_cldice", m.averageTp05ClDice},
      {"gt_skel_coverage", m.gtCoverage},
      {"avg_gt_skel_coverage", m.averageGtCoverage},
      {"avg_f1_cov_score", m.score},
      {"FM", m.falseMerges},
      {"FS", m.falseSplits},
      {"GT_dim", m.dim.gtIds.size()},
      {"TP_05_dim", m.dim.tp05},
      {"TP_05_rel_dim", m.dim.tp05Relative},
      {"gt_covs_dim", m.dim.coverage},
      {"avg_gt_cov_dim", m.dim.averageCoverage},
      {"GT_overlap", m.overlap.gtIds.size()},
      {"TP_05_overlap", m.overlap.tp05},
      {"TP_05_rel_overlap", m.overlap.tp05Relative},
      {"gt_covs_overlap", m.overlap.coverage},
      {"avg_gt_cov_overlap", m.overlap.averageCoverage},
  };
  nlohmann::json confusion = {
      {"avAP", m.avAP59},         {"avAP59", m.avAP59},         {"avAP19", m.avAP19},
      {"avFscore", m.avFscore19}, {"avFscore59", m.avFscore59}, {"avFscore19", m.avFscore19},
  };
  for (const ThresholdMetrics& t : m.thresholds)
    confusion[t.key] = {{"AP_TP", t.tp},
                        {"AP_FP", t.fp},
                        {"AP_FN", t.fn},
                        {"precision", t.precision},
                        {"recall", t.recall},
                        {"AP", t.ap},
                        {"fscore", t.fscore},
                        {"false_split", t.falseSplit},
                        {"false_merge", t.falseMerge}};
  return {{"general", std::move(general)}, {"confusion_matrix", std::move(confusion)}};
}

nlohmann::json instanceTablesJson(const ImageMetrics& m) {
  nlohmann::json gt = nlohmann::json::array();
  for (const GtInstanceRow& r : m.gtInstances)
    gt.push_back({{"id", r.id},
                  {"channel", r.channel},
                  {"label", r.label},
                  {"voxels", r.voxels},
                  {"skeleton_voxels", r.skeletonVoxels},
                  {"box", box(r.box)},
                  {"dim", r.dim},
                  {"overlapping", r.overlapping},
                  {"matched_pred_05", r.matchedPred05},
                  {"matched_cldice_05", static_cast<double>(r.matchedClDice05)},
                  {"best_pred", r.bestPred},
                  {"best_cldice", static_cast<double>(r.bestClDice)},
                  {"coverage", r.coverage},
                  {"covering_predictions", r.coveringPredictions},
                  {"split_predictions", r.splitPredictions}});
  nlohmann::json pred = nlohmann::json::array();
  for (const PredInstanceRow& r : m.predInstances)
    pred.push_back({{"id", r.id},
                    {"channel", r.channel},
                    {"label", r.label},
                    {"voxels", r.voxels},
                    {"skeleton_voxels", r.skeletonVoxels},
                    {"box", box(r.box)},
                    {"matched_gt_05", r.matchedGt05},
                    {"matched_cldice_05", static_cast<double>(r.matchedClDice05)},
                    {"assigned_gt", r.assignedGt},
                    {"false_positive_05", r.falsePositive05},
                    {"false_split_05", r.falseSplit05},
                    {"merged_gts", r.mergedGts}});
  return {{"gt", std::move(gt)},
          {"pred", std::move(pred)},
          {"false_split_matches", matchMap(m.falseSplitMatches)},
          {"false_merge_matches", matchMap(m.falseMergeMatches)},
          {"clPrecision", matrix(m.clPrecision)},
          {"clRecall", matrix(m.clRecall)},
          {"clDice", matrix(m.clDice)},
          {"warnings", m.warnings}};
}

nlohmann::json setSummaryJson(const SetSummary& s) {
  nlohmann::json general = {{"images", s.images},
                            {"Num GT", s.numGt},
                            {"Num Pred", s.numPred},
                            {"avg_gt_skel_coverage", s.averageGtCoverage},
                            {"avg_f1_cov_score", s.score},
                            {"avFscore", s.avFscore},
                            {"FM", s.falseMerges},
                            {"FS", s.falseSplits},
                            {"TP_05", s.tp05},
                            {"TP_05_rel", s.tp05Relative},
                            {"TP_05_cldice", floats(s.tp05ClDice)},
                            {"avg_TP_05_cldice", s.averageTp05ClDice}};
  if (s.hasSubsets) {
    general["GT_dim"] = s.gtDim;
    general["TP_05_dim"] = s.tp05Dim;
    general["TP_05_rel_dim"] = s.tp05RelativeDim;
    general["avg_gt_cov_dim"] = s.averageGtCoverageDim;
    general["GT_overlap"] = s.gtOverlap;
    general["TP_05_overlap"] = s.tp05Overlap;
    general["TP_05_rel_overlap"] = s.tp05RelativeOverlap;
    general["avg_gt_cov_overlap"] = s.averageGtCoverageOverlap;
  }
  nlohmann::json confusion = {{"avFscore", s.avFscore}};
  for (const PooledThreshold& t : s.thresholds)
    confusion[t.key] = {{"fscore", t.fscore}, {"AP_TP", t.tp}, {"AP_FP", t.fp}, {"AP_FN", t.fn}};
  return {{"general", std::move(general)},
          {"confusion_matrix", std::move(confusion)},
          {"gt_covs", floats(s.gtCoverages)}};
}

}  // namespace nl::analysis::fisbe
