#include "analysis/fisbe/Aggregate.h"

#include "analysis/fisbe/NumpyArithmetic.h"

namespace nl::analysis::fisbe {

namespace {

float meanOrZero(const std::vector<float>& values) {
  return values.empty() ? 0.0f : numpy::mean(std::span<const float>(values));
}

void append(std::vector<float>& to, const std::vector<double>& values) {
  for (double v : values) to.push_back(static_cast<float>(v));
}

double ratioOrZero(std::int64_t count, std::int64_t total) {
  return total > 0 ? static_cast<double>(count) / static_cast<double>(total) : 0.0;
}

// np.mean([a, b]) of two Python/NumPy floats.
double meanOfTwo(double a, double b) {
  const double values[] = {a, b};
  return numpy::mean(std::span<const double>(values));
}

}  // namespace

SetSummary summarizeSet(std::span<const ImageMetrics* const> images) {
  SetSummary s;
  s.hasSubsets = true;
  s.images = static_cast<std::int64_t>(images.size());
  const auto& thresholds = evaluationThresholds();
  for (std::size_t i = 0; i < 9; ++i) {
    PooledThreshold t;
    t.threshold = thresholds[i];
    s.thresholds.push_back(t);
  }
  std::vector<float> dimCoverages, overlapCoverages;
  for (const ImageMetrics* image : images) {
    s.numGt += image->numGt;
    s.numPred += image->numPred;
    append(s.gtCoverages, image->gtCoverage);
    s.falseMerges += image->falseMerges;
    s.falseSplits += image->falseSplits;
    s.tp05 += image->tp05;
    s.tp05ClDice.insert(s.tp05ClDice.end(), image->tp05ClDice.begin(), image->tp05ClDice.end());
    s.gtDim += static_cast<std::int64_t>(image->dim.gtIds.size());
    s.tp05Dim += image->dim.tp05;
    append(dimCoverages, image->dim.coverage);
    s.gtOverlap += static_cast<std::int64_t>(image->overlap.gtIds.size());
    s.tp05Overlap += image->overlap.tp05;
    append(overlapCoverages, image->overlap.coverage);
    for (PooledThreshold& t : s.thresholds) {
      const ThresholdMetrics& m = image->at(t.threshold);
      t.key = m.key;
      t.tp += m.tp;
      t.fp += m.fp;
      t.fn += m.fn;
    }
  }
  std::vector<double> fscores;
  for (PooledThreshold& t : s.thresholds) {
    const std::int64_t denominator = 2 * t.tp + t.fp + t.fn;
    t.fscore =
        denominator > 0 ? static_cast<double>(2 * t.tp) / static_cast<double>(denominator) : 0.0;
    fscores.push_back(t.fscore);
  }
  s.avFscore = numpy::mean(std::span<const double>(fscores));
  s.averageGtCoverage = static_cast<double>(meanOrZero(s.gtCoverages));
  s.score = 0.5 * s.avFscore + 0.5 * s.averageGtCoverage;
  s.tp05Relative = ratioOrZero(s.tp05, s.numGt);
  s.averageTp05ClDice = s.tp05 > 0 ? static_cast<double>(meanOrZero(s.tp05ClDice)) : 0.0;
  s.tp05RelativeDim = ratioOrZero(s.tp05Dim, s.gtDim);
  s.averageGtCoverageDim = static_cast<double>(meanOrZero(dimCoverages));
  s.tp05RelativeOverlap = ratioOrZero(s.tp05Overlap, s.gtOverlap);
  s.averageGtCoverageOverlap = static_cast<double>(meanOrZero(overlapCoverages));
  return s;
}

SetSummary combineSets(const SetSummary& a, const SetSummary& b) {
  SetSummary s;
  s.images = a.images + b.images;
  s.score = meanOfTwo(a.score, b.score);
  s.avFscore = meanOfTwo(a.avFscore, b.avFscore);
  s.gtCoverages = a.gtCoverages;
  s.gtCoverages.insert(s.gtCoverages.end(), b.gtCoverages.begin(), b.gtCoverages.end());
  s.numGt = a.numGt + b.numGt;
  s.numPred = a.numPred + b.numPred;
  // Both set means are float32 unless a set had no GT at all (then a Python 0.0).
  if (!a.gtCoverages.empty() && !b.gtCoverages.empty()) {
    const float values[] = {static_cast<float>(a.averageGtCoverage),
                            static_cast<float>(b.averageGtCoverage)};
    s.averageGtCoverage = static_cast<double>(numpy::mean(std::span<const float>(values)));
  } else {
    s.averageGtCoverage = meanOfTwo(a.averageGtCoverage, b.averageGtCoverage);
  }
  s.falseMerges = a.falseMerges + b.falseMerges;
  s.falseSplits = a.falseSplits + b.falseSplits;
  s.tp05 = a.tp05 + b.tp05;
  s.tp05Relative = ratioOrZero(s.tp05, s.numGt);
  s.tp05ClDice = a.tp05ClDice;
  s.tp05ClDice.insert(s.tp05ClDice.end(), b.tp05ClDice.begin(), b.tp05ClDice.end());
  s.averageTp05ClDice = static_cast<double>(meanOrZero(s.tp05ClDice));
  for (std::size_t i = 0; i < a.thresholds.size() && i < b.thresholds.size(); ++i) {
    PooledThreshold t = a.thresholds[i];
    t.tp += b.thresholds[i].tp;
    t.fp += b.thresholds[i].fp;
    t.fn += b.thresholds[i].fn;
    t.fscore = meanOfTwo(a.thresholds[i].fscore, b.thresholds[i].fscore);
    s.thresholds.push_back(t);
  }
  return s;
}

EvaluationSummary summarize(std::span<const ImageMetrics* const> images) {
  std::vector<const ImageMetrics*> complete, partly;
  for (const ImageMetrics* image : images)
    (image->partlyLabelled ? partly : complete).push_back(image);
  EvaluationSummary summary;
  if (!complete.empty() && !partly.empty()) {
    summary.complete = summarizeSet(complete);
    summary.partly = summarizeSet(partly);
    summary.combined = combineSets(*summary.complete, *summary.partly);
  } else {
    summary.combined = summarizeSet(images);
  }
  return summary;
}

}  // namespace nl::analysis::fisbe
