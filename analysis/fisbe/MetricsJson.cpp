#include "analysis/fisbe/MetricsJson.h"

#include <charconv>
#include <limits>
#include <stdexcept>

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

// Reading the official metrics file back: every accessor names the key path
// it failed on, so a truncated or hand-edited file says what is wrong.
[[noreturn]] void invalid(const std::string& path, const std::string& problem) {
  throw std::invalid_argument("FISBe metrics JSON: '" + path + "' " + problem);
}

const nlohmann::json& member(const nlohmann::json& object, const std::string& section,
                             const std::string& key) {
  const std::string path = section.empty() ? key : section + "." + key;
  if (!object.is_object())
    invalid(section.empty() ? std::string("(top level)") : section, "is not an object");
  const auto it = object.find(key);
  if (it == object.end()) invalid(path, "is missing");
  return *it;
}

double number(const nlohmann::json& object, const std::string& section, const std::string& key) {
  const auto& value = member(object, section, key);
  if (!value.is_number()) invalid(section + "." + key, "is not a number: " + value.dump());
  return value.get<double>();
}

std::int64_t count(const nlohmann::json& object, const std::string& section,
                   const std::string& key) {
  const auto& value = member(object, section, key);
  const std::string path = section + "." + key;
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() >
        static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      invalid(path, "is out of range: " + value.dump());
    return static_cast<std::int64_t>(value.get<std::uint64_t>());
  }
  if (!value.is_number_integer()) invalid(path, "is not an integer count: " + value.dump());
  if (value.get<std::int64_t>() < 0) invalid(path, "is negative: " + value.dump());
  return value.get<std::int64_t>();
}

std::vector<double> numbers(const nlohmann::json& object, const std::string& section,
                            const std::string& key) {
  const auto& value = member(object, section, key);
  const std::string path = section + "." + key;
  if (!value.is_array()) invalid(path, "is not a list of numbers");
  std::vector<double> out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_number())
      invalid(path, "item " + std::to_string(i) + " is not a number: " + value[i].dump());
    out.push_back(value[i].get<double>());
  }
  return out;
}

// "th_" + str(threshold).replace(".", "_"), as the official TOML names them.
std::string thresholdKey(double threshold) {
  char text[32];
  const auto end = std::to_chars(std::begin(text), std::end(text), threshold).ptr;
  std::string key = "th_" + std::string(text, end);
  for (char& ch : key)
    if (ch == '.') ch = '_';
  return key;
}

SubsetMetrics subsetFromJson(const nlohmann::json& general, const std::string& suffix,
                             const std::string& gtKey, const std::string& coverageKey,
                             const std::string& averageKey) {
  SubsetMetrics s;
  const std::int64_t size = count(general, "general", gtKey);
  s.gtIds.assign(static_cast<std::size_t>(size), 0);  // only the count is in the file
  s.tp05 = count(general, "general", "TP_05_" + suffix);
  s.tp05Relative = number(general, "general", "TP_05_rel_" + suffix);
  s.coverage = numbers(general, "general", coverageKey);
  s.averageCoverage = number(general, "general", averageKey);
  if (s.tp05 > size)
    invalid("general.TP_05_" + suffix,
            "exceeds general." + gtKey + " (" + std::to_string(size) + ")");
  // Empty when the image had no prediction to cover the subset with.
  if (!s.coverage.empty() && static_cast<std::int64_t>(s.coverage.size()) != size)
    invalid("general." + coverageKey, "has " + std::to_string(s.coverage.size()) +
                                          " values for general." + gtKey + " = " +
                                          std::to_string(size));
  return s;
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

ImageMetrics imageMetricsFromOfficialJson(const nlohmann::json& json, bool partlyLabelled) {
  ImageMetrics m;
  m.partlyLabelled = partlyLabelled;
  const auto& general = member(json, "", "general");
  if (!general.is_object()) invalid("general", "is not an object");
  m.numGt = count(general, "general", "Num GT");
  m.numPred = count(general, "general", "Num Pred");
  m.tp05 = count(general, "general", "TP_05");
  m.tp05Relative = number(general, "general", "TP_05_rel");
  // Written from float32 values, so converting back is exact.
  for (double v : numbers(general, "general", "TP_05_cldice"))
    m.tp05ClDice.push_back(static_cast<float>(v));
  if (static_cast<std::int64_t>(m.tp05ClDice.size()) != m.tp05)
    invalid("general.TP_05_cldice", "has " + std::to_string(m.tp05ClDice.size()) +
                                        " values for general.TP_05 = " + std::to_string(m.tp05));
  m.averageTp05ClDice = number(general, "general", "avg_TP_05_cldice");
  m.gtCoverage = numbers(general, "general", "gt_skel_coverage");
  if (static_cast<std::int64_t>(m.gtCoverage.size()) > m.numGt)
    invalid("general.gt_skel_coverage",
            "has " + std::to_string(m.gtCoverage.size()) +
                " values for general.Num GT = " + std::to_string(m.numGt));
  m.averageGtCoverage = number(general, "general", "avg_gt_skel_coverage");
  m.score = number(general, "general", "avg_f1_cov_score");
  m.falseMerges = count(general, "general", "FM");
  m.falseSplits = count(general, "general", "FS");
  m.dim = subsetFromJson(general, "dim", "GT_dim", "gt_covs_dim", "avg_gt_cov_dim");
  m.overlap =
      subsetFromJson(general, "overlap", "GT_overlap", "gt_covs_overlap", "avg_gt_cov_overlap");

  const auto& confusion = member(json, "", "confusion_matrix");
  if (!confusion.is_object()) invalid("confusion_matrix", "is not an object");
  m.avAP59 = number(confusion, "confusion_matrix", "avAP59");
  m.avAP19 = number(confusion, "confusion_matrix", "avAP19");
  m.avFscore59 = number(confusion, "confusion_matrix", "avFscore59");
  m.avFscore19 = number(confusion, "confusion_matrix", "avFscore19");
  for (double threshold : evaluationThresholds()) {
    ThresholdMetrics t;
    t.threshold = threshold;
    t.key = thresholdKey(threshold);
    const auto& table = member(confusion, "confusion_matrix", t.key);
    const std::string section = "confusion_matrix." + t.key;
    if (!table.is_object()) invalid(section, "is not an object");
    t.tp = count(table, section, "AP_TP");
    t.fp = count(table, section, "AP_FP");
    t.fn = count(table, section, "AP_FN");
    t.precision = number(table, section, "precision");
    t.recall = number(table, section, "recall");
    t.ap = number(table, section, "AP");
    t.fscore = number(table, section, "fscore");
    t.falseSplit = count(table, section, "false_split");
    t.falseMerge = count(table, section, "false_merge");
    if (t.tp > m.numGt || t.tp > m.numPred)
      invalid(section + ".AP_TP", "exceeds general.Num GT or general.Num Pred");
    if (threshold == 0.5 && t.tp != m.tp05)
      invalid(section + ".AP_TP", "(" + std::to_string(t.tp) + ") differs from general.TP_05 (" +
                                      std::to_string(m.tp05) + ")");
    m.thresholds.push_back(std::move(t));
  }
  return m;
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
